import { describe, expect, test } from '@jest/globals';
import { localIngestUrl } from './media-mode';

describe('localIngestUrl', () => {
  test('follows the emulator that serves the playback, not the page', () => {
    expect(localIngestUrl('http://localhost:4000/_ivs/hls/abc/live.m3u8')).toBe('ws://localhost:4000/_ivs/ingest');
  });

  test('uses wss behind https', () => {
    expect(localIngestUrl('https://studio.example.com/_ivs/hls/abc/live.m3u8')).toBe('wss://studio.example.com/_ivs/ingest');
  });
});
