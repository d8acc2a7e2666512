import { captureRtp, replayRtp } from '../../../libs/ivs-emulator/test/support/rtp-replay';
import { nodePublisher } from '../../../libs/ivs-emulator/test/support/stage-socket';

/** VP8 test pattern (a keyframe every second) and an Opus tone, as a browser's camera and microphone send them. */
export async function captureCameraRtp(): Promise<{ video: Buffer[]; audio: Buffer[] }> {
  // prettier-ignore
  const video = await captureRtp(
    ['-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15'],
    ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '15', '-b:v', '150k', '-pix_fmt', 'yuv420p', '-payload_type', '96'],
  );
  const audio = await captureRtp(
    ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ['-c:a', 'libopus', '-b:a', '32k', '-ac', '2', '-payload_type', '111'],
  );
  return { video, audio };
}

export interface MediaPublisher {
  /** When the stage said `published` (ms since the epoch). */
  publishedAt: number;
  /** Stops the media and leaves the stage; resolves with the moment it left. */
  leave(): Promise<number>;
}

/** A stage participant (werift, no browser) that publishes the captured camera and microphone until it leaves. */
export async function mediaPublisher(baseUrl: string, token: string, rtp: { video: Buffer[]; audio: Buffer[] }): Promise<MediaPublisher> {
  const { socket, pc } = await nodePublisher(baseUrl, token);
  await socket.next('published', 20_000);
  const publishedAt = Date.now();
  const audio = pc.getTransceivers().find((x) => x.kind === 'audio')!;
  const video = pc.getTransceivers().find((x) => x.kind === 'video')!;
  const stops = [
    replayRtp(rtp.video, 90_000, (p) => void video.sender.sendRtp(p).catch(() => undefined)),
    replayRtp(rtp.audio, 48_000, (p) => void audio.sender.sendRtp(p).catch(() => undefined)),
  ];
  return {
    publishedAt,
    async leave() {
      stops.forEach((s) => s());
      const at = Date.now();
      socket.send({ t: 'leave' });
      await socket.next('left', 5_000).catch(() => undefined);
      socket.close();
      await pc.close().catch(() => undefined);
      return at;
    },
  };
}
