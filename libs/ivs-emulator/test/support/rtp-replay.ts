import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { RtpPacket } from 'werift';

/** A second of RTP made by ffmpeg (captured on a loopback UDP port), to be replayed in a loop by `replayRtp`. */
export async function captureRtp(input: string[], codec: string[]): Promise<Buffer[]> {
  const sock = createSocket('udp4');
  const packets: Buffer[] = [];
  sock.on('message', (m) => packets.push(Buffer.from(m)));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const { port } = sock.address();
  await new Promise<void>((resolve, reject) =>
    execFile(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', ...input, '-t', '1', ...codec, '-f', 'rtp', `rtp://127.0.0.1:${port}`],
      { timeout: 30_000 },
      (err, _o, stderr) => (err ? reject(new Error(`ffmpeg failed: ${stderr}`)) : resolve()),
    ),
  );
  await new Promise((r) => setTimeout(r, 200));
  sock.close();
  return packets;
}

/**
 * Replays captured RTP at its own pace, forever, with continuing sequence numbers and timestamps;
 * returns the function that stops it. `skip(i)`: whether the i-th captured packet is left out this
 * time (its sequence number is still used, as a loss on the wire).
 */
export function replayRtp(
  packets: Buffer[],
  clockRate: number,
  send: (p: RtpPacket) => void,
  skip: (i: number) => boolean = () => false,
): () => void {
  const parsed = packets.map((b) => RtpPacket.deSerialize(b));
  const first = parsed[0].header.timestamp;
  const span = ((parsed[parsed.length - 1].header.timestamp - first) >>> 0) + clockRate / 15;
  const started = Date.now();
  let i = 0;
  let loop = 0;
  let seq = 0;
  const timer = setInterval(() => {
    const elapsed = ((Date.now() - started) / 1000) * clockRate;
    for (;;) {
      const p = parsed[i];
      const at = loop * span + ((p.header.timestamp - first) >>> 0);
      if (at > elapsed) break;
      const copy = RtpPacket.deSerialize(p.serialize());
      copy.header.sequenceNumber = seq++ & 0xffff;
      copy.header.timestamp = (first + at) >>> 0;
      if (!skip(i)) send(copy);
      if (++i === parsed.length) {
        i = 0;
        loop++;
      }
    }
  }, 10);
  return () => clearInterval(timer);
}
