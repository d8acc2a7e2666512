import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blockingReloadStep,
  lastMediaSequence,
  LivePlaylistWaits,
  requestedMediaSequence,
  targetDurationSeconds,
  withBlockingReload,
} from './live-playlist';

const playlist = (first: number, count: number) =>
  [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    '#EXT-X-TARGETDURATION:1',
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...Array.from({ length: count }, (_, i) => `#EXTINF:1.066667,\nlive${first + i}.ts`),
    '',
  ].join('\n');

describe('live playlist: blocking reload', () => {
  it('reads the last listed media sequence number and the target duration', () => {
    expect(lastMediaSequence(playlist(7, 6))).toBe(12);
    expect(lastMediaSequence(playlist(0, 1))).toBe(0);
    expect(lastMediaSequence('#EXTM3U\n#EXT-X-TARGETDURATION:1\n')).toBe(-1);
    expect(targetDurationSeconds(playlist(0, 1))).toBe(1);
    expect(targetDurationSeconds('#EXTM3U\n#EXT-X-TARGETDURATION:4\n')).toBe(4);
  });

  it('tells the player it may block, once, right after the target duration', () => {
    const served = withBlockingReload(playlist(3, 2));
    expect(served).toContain('#EXT-X-TARGETDURATION:1\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n#EXT-X-MEDIA-SEQUENCE:3');
    expect(withBlockingReload(served)).toBe(served);
  });

  it('holds a request for the next segment or the one after, and answers anything else at once', () => {
    const text = playlist(3, 2); // lists 3 and 4
    expect(blockingReloadStep(text, undefined)).toBe('answer');
    expect(blockingReloadStep(text, 4)).toBe('answer');
    expect(blockingReloadStep(text, 0)).toBe('answer');
    expect(blockingReloadStep(text, 5)).toBe('hold');
    expect(blockingReloadStep(text, 6)).toBe('hold');
    expect(blockingReloadStep(text, 7)).toBe('answer');
  });

  it('takes only a plain number as the directive', () => {
    expect(requestedMediaSequence({ _HLS_msn: '12' })).toBe(12);
    expect(requestedMediaSequence({ _HLS_msn: '-1' })).toBeUndefined();
    expect(requestedMediaSequence({ _HLS_msn: ['1', '2'] })).toBeUndefined();
    expect(requestedMediaSequence({ _HLS_msn: '1e3' })).toBeUndefined();
    expect(requestedMediaSequence({})).toBeUndefined();
    expect(requestedMediaSequence(undefined)).toBeUndefined();
  });
});

describe('LivePlaylistWaits (real files)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'live-playlist-'));
    path = join(dir, 'live.m3u8');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a held request as soon as the segment is listed, and stops reading once none waits', async () => {
    writeFileSync(path, playlist(0, 2));
    const waits = new LivePlaylistWaits();
    const asked = Date.now();
    const held = waits.read(path, 2, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 150));
    expect(waits.held).toBe(1);
    writeFileSync(path, playlist(0, 3));
    const text = await held;
    expect(lastMediaSequence(text!)).toBe(2);
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(waits.held).toBe(0);
  });

  it('answers with what there is after three target durations when the stream stands still', async () => {
    writeFileSync(path, playlist(0, 2));
    const asked = Date.now();
    const text = await new LivePlaylistWaits().read(path, 2, new AbortController().signal);
    expect(lastMediaSequence(text!)).toBe(1);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(2_900);
  });

  it('answers undefined when the playlist goes (the stream ended) or the player hangs up', async () => {
    writeFileSync(path, playlist(0, 2));
    const waits = new LivePlaylistWaits();
    const ended = waits.read(path, 2, new AbortController().signal);
    const hangUp = new AbortController();
    const left = waits.read(path, 2, hangUp.signal);
    await new Promise((r) => setTimeout(r, 100));
    hangUp.abort();
    expect(await left).toBeUndefined();
    rmSync(path);
    expect(await ended).toBeUndefined();
    expect(waits.held).toBe(0);
    expect(await waits.read(path, undefined, new AbortController().signal)).toBeUndefined();
  });
});
