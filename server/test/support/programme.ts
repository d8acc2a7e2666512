import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { eventually } from '../../../test/support/eventually';

/**
 * A short H.264 + Opus Matroska programme (what MediaRecorder sends), made once by ffmpeg:
 * `seconds` of test pattern and tone.
 */
export function makeProgramme(seconds = 6): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'sc-programme-'));
  try {
    const file = join(dir, 'programme.mkv');
    // prettier-ignore
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error',
      '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(seconds),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p',
      '-c:a', 'libopus', '-f', 'matroska', file,
    ]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface IngestConnection {
  ws: WebSocket;
  /** The ingest's text messages so far ({ t: 'live' }, …). */
  messages: { t: string }[];
  /** Sends the programme paced at about `seconds` of real time, 16 KB at a time, like a live source. */
  push(media: Buffer, seconds: number): Promise<void>;
  /** Ends the stream the way the studio's Stop does, and closes the socket. */
  stop(): void;
}

/** Opens the browser-ingest websocket with `streamKey` and waits until the ingest accepts it (as LocalIngestSink does). */
export async function openIngest(baseUrl: string, streamKey: string): Promise<IngestConnection> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/_ivs/ingest`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const messages: { t: string }[] = [];
  ws.on('message', (d, binary) => {
    if (!binary) messages.push(JSON.parse(d.toString()));
  });
  ws.send(JSON.stringify({ t: 'start', streamKey, mimeType: 'video/webm;codecs=h264,opus' }));
  await eventually(
    `the ingest to accept the stream (it said ${JSON.stringify(messages)})`,
    async () => messages.some((m) => m.t === 'live'),
    20_000,
    100,
  );
  return {
    ws,
    messages,
    async push(media, seconds) {
      const chunk = 16 * 1024;
      const pause = Math.max(20, Math.floor((seconds * 1000) / Math.ceil(media.length / chunk)));
      for (let i = 0; i < media.length; i += chunk) {
        ws.send(media.subarray(i, i + chunk));
        await new Promise((r) => setTimeout(r, pause));
      }
    },
    stop() {
      ws.send(JSON.stringify({ t: 'stop' }));
      ws.close();
    },
  };
}
