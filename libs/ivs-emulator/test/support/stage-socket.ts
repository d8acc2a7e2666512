import { WebSocket } from 'ws';
import { RTCPeerConnection } from 'werift';

type Message = { t: string; [k: string]: unknown };

/** A raw client of the stage websocket, for protocol-level assertions. */
export class StageSocket {
  readonly messages: Message[] = [];
  private waiters: (() => void)[] = [];
  closeCode?: number;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.messages.push(JSON.parse(d.toString()) as Message);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(baseUrl: string): Promise<StageSocket> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/_ivs/stage/events`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new StageSocket(ws);
  }

  send(m: Message): void {
    this.ws.send(JSON.stringify(m));
  }

  /** Waits for the first message of type `t` (already received or arriving within timeout). */
  async next(t: string, timeoutMs = 5_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((m) => m.t === t);
      if (found) return found;
      if (Date.now() > deadline || this.closeCode !== undefined) throw new Error(`no "${t}" message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * A publisher made of a werift peer in Node (no browser): offers audio+video sendonly and
 * completes ICE/DTLS with the SFU, which is all the SFU needs to count it as publishing.
 */
export async function nodePublisher(
  baseUrl: string,
  token: string,
  opts: { withJoin?: boolean } = {},
): Promise<{ socket: StageSocket; pc: RTCPeerConnection }> {
  const socket = await StageSocket.open(baseUrl);
  const pc = new RTCPeerConnection({ iceUseIpv6: false, iceServers: [], bundlePolicy: 'max-bundle' });
  pc.addTransceiver('audio', { direction: 'sendonly' });
  pc.addTransceiver('video', { direction: 'sendonly' });
  const offer = async () => {
    await pc.setLocalDescription(await pc.createOffer());
    return pc.localDescription!.sdp;
  };
  if (opts.withJoin) {
    // The offer rides on the join: no round trip between `joined` and `publish`.
    socket.send({ t: 'join', token, publish: { sdp: await offer(), audioMuted: false, videoStopped: false } });
    await socket.next('joined');
  } else {
    socket.send({ t: 'join', token });
    await socket.next('joined');
    socket.send({ t: 'publish', sdp: await offer(), audioMuted: false, videoStopped: false });
  }
  const answer = await socket.next('publish-answer');
  await pc.setRemoteDescription({ type: 'answer', sdp: String(answer.sdp) });
  return { socket, pc };
}
