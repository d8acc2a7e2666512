import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { nextMeterLevel } from './useMicLevel';

/**
 * 0…1 loudness of the programme mix (what viewers hear), read from the compositor's analyser
 * each animation frame while `active` (a member made co-host starts seeing it without a reload).
 */
export function useProgrammeLevel(analyser: () => AnalyserNode, active: Ref<boolean>) {
  const level = ref(0);
  let raf = 0;
  watch(
    active,
    (on) => {
      cancelAnimationFrame(raf);
      level.value = 0;
      if (!on) return;
      const node = analyser();
      const data = new Float32Array(node.fftSize);
      const tick = () => {
        node.getFloatTimeDomainData(data);
        level.value = nextMeterLevel(data, level.value);
        raf = requestAnimationFrame(tick);
      };
      tick();
    },
    { immediate: true },
  );
  onBeforeUnmount(() => cancelAnimationFrame(raf));
  return level;
}
