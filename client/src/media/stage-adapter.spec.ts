import { describe, expect, test } from '@jest/globals';
import { LocalStageStream } from './stage-adapter';

const track = (kind: 'audio' | 'video') => ({ id: `${kind}-1`, kind, enabled: true }) as unknown as MediaStreamTrack;

describe('LocalStageStream bitrate cap', () => {
  test('a new cap reaches the stage that publishes it, once per change; lifting it is a change too', () => {
    const stream = new LocalStageStream(track('video'));
    const seen: (number | null)[] = [];
    stream.onMaxBitrateChanged(() => seen.push(stream.maxBitrateKbps));
    stream.setMaxBitrate(300);
    stream.setMaxBitrate(300);
    stream.setMaxBitrate(2500);
    stream.setMaxBitrate(null);
    expect(seen).toEqual([300, 2500, null]);
  });

  test('a stage that stopped listening (unpublished) is not told', () => {
    const stream = new LocalStageStream(track('video'));
    let calls = 0;
    const off = stream.onMaxBitrateChanged(() => calls++);
    off();
    stream.setMaxBitrate(800);
    expect(calls).toBe(0);
    expect(stream.maxBitrateKbps).toBe(800);
  });
});
