import { onBeforeUnmount, ref, watch, type Ref } from 'vue';

/** The meter's next reading (0…1) from one block of samples: rises at once, falls smoothly. */
export function nextMeterLevel(samples: Float32Array, previous: number): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  const rms = Math.sqrt(sum / samples.length);
  // Speech sits around 0.02-0.2 RMS; stretch that over the meter and smooth the fall.
  const target = Math.min(1, rms * 5);
  return target > previous ? target : previous * 0.85 + target * 0.15;
}

/** 0…1 loudness of a stream's microphone, read from a WebAudio AnalyserNode each animation frame. */
export function useMicLevel(stream: Ref<MediaStream | null>) {
  const level = ref(0);
  let ctx: AudioContext | null = null;
  let raf = 0;
  let source: MediaStreamAudioSourceNode | null = null;

  function stop(): void {
    cancelAnimationFrame(raf);
    source?.disconnect();
    source = null;
    level.value = 0;
  }

  watch(
    stream,
    (s) => {
      stop();
      if (!s || s.getAudioTracks().length === 0) return;
      ctx ??= new AudioContext();
      void ctx.resume().catch(() => undefined);
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 512;
      source = ctx.createMediaStreamSource(s);
      // Analyser only: never connected to the speakers, so nobody hears themselves.
      source.connect(analyser);
      const data = new Float32Array(analyser.fftSize);
      const tick = () => {
        analyser.getFloatTimeDomainData(data);
        level.value = nextMeterLevel(data, level.value);
        raf = requestAnimationFrame(tick);
      };
      tick();
    },
    { immediate: true },
  );

  onBeforeUnmount(() => {
    stop();
    void ctx?.close().catch(() => undefined);
  });
  return level;
}
