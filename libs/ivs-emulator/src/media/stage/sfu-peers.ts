import {
  MediaStreamTrack,
  PictureLossIndication,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RTCRtpTransceiver,
  RtcpPayloadSpecificFeedback,
  RtpPacket,
} from 'werift';

export type MediaKind = 'audio' | 'video';

/**
 * One codec per kind, on both legs: packets are forwarded as they arrive, so the publisher's
 * and the subscriber's payload must be the same codec (no transcoding in the SFU).
 */
function codecs() {
  return {
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/VP8',
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
      }),
    ],
  };
}

function newPeer(): RTCPeerConnection {
  // No STUN: werift would otherwise query a public server, which loopback peers never need.
  return new RTCPeerConnection({ codecs: codecs(), iceUseIpv6: false, iceServers: [], bundlePolicy: 'max-bundle' });
}

/**
 * No more than one keyframe request per this gap reaches a publisher. Chromium's sender
 * ignores a request that comes within 300 ms of the previous one it acted on (libwebrtc's
 * minimum keyframe interval), so a gap of exactly 300 ms lost every other request to timer
 * slop: a subscriber whose leg came up just after a keyframe then waited 300 ms more for
 * the next request (measured: first frame 830–970 ms after the invite instead of ~400).
 */
const KEYFRAME_REQUEST_GAP_MS = 350;

export type PeerState = 'connected' | 'failed' | 'closed';

/**
 * Answers an offer once our ICE candidates are in the SDP (no trickle, like WHIP).
 * When the offerer lets us choose (`actpass`, as browsers do), we take the DTLS server side:
 * the offerer then sends its ClientHello the moment ICE connects, where werift as the client
 * waits 100 ms after ICE before its first flight (measured on the host's subscribe leg of a
 * join: ICE connected → DTLS connected 120–145 ms as client, 60–90 ms as server).
 */
async function answer(pc: RTCPeerConnection, offerSdp: string): Promise<string> {
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  if (/^a=setup:actpass\r?$/m.test(offerSdp)) for (const t of pc.dtlsTransports) t.role = 'server';
  await pc.setLocalDescription(await pc.createAnswer());
  return pc.localDescription!.sdp;
}

function watchState(pc: RTCPeerConnection, onState: (s: PeerState) => void): void {
  let reported: PeerState | undefined;
  pc.connectionStateChange.subscribe((state) => {
    const next: PeerState | undefined =
      state === 'connected' ? 'connected' : state === 'failed' ? 'failed' : state === 'closed' ? 'closed' : undefined;
    if (next && next !== reported) {
      reported = next;
      onState(next);
    }
  });
}

/** Raw RTP of one published track, handed to every subscriber of that kind. */
type RtpListener = (packet: Buffer) => void;

/**
 * The receiving leg of a publisher: one peer connection carrying its audio and video.
 * Each packet is fanned out to the subscriber legs as a serialized buffer (each leg
 * rewrites SSRC / sequence numbers on its own copy).
 */
export class PublisherLeg {
  private readonly listeners: Record<MediaKind, Set<RtpListener>> = { audio: new Set(), video: new Set() };
  private videoReceiver?: { transceiver: RTCRtpTransceiver; ssrc: number };
  private lastKeyframeRequest = 0;
  private deferredKeyframeRequest?: ReturnType<typeof setTimeout>;
  private closed = false;

  private constructor(readonly pc: RTCPeerConnection) {
    pc.onTrack.subscribe((track: MediaStreamTrack) => {
      const kind = track.kind as MediaKind;
      track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        if (kind === 'video' && !this.videoReceiver) {
          const transceiver = pc.getTransceivers().find((t) => t.kind === 'video');
          if (transceiver) this.videoReceiver = { transceiver, ssrc: rtp.header.ssrc };
        }
        const listeners = this.listeners[kind];
        if (listeners.size === 0) return;
        const raw = rtp.serialize();
        for (const l of listeners) l(raw);
      });
    });
  }

  static async accept(offerSdp: string, onState: (s: PeerState) => void): Promise<{ leg: PublisherLeg; sdp: string }> {
    const pc = newPeer();
    const leg = new PublisherLeg(pc);
    watchState(pc, onState);
    try {
      return { leg, sdp: await answer(pc, offerSdp) };
    } catch (err) {
      await pc.close().catch(() => undefined);
      throw err;
    }
  }

  onRtp(kind: MediaKind, listener: RtpListener): () => void {
    this.listeners[kind].add(listener);
    return () => this.listeners[kind].delete(listener);
  }

  /**
   * Asks the publisher's encoder for a keyframe (a new subscriber needs one to draw anything).
   * At most one request per KEYFRAME_REQUEST_GAP_MS reaches the publisher; a request inside
   * that gap is sent at its end rather than dropped, since the subscriber that asked may be
   * one whose leg came up after the previous keyframe went out and is still waiting for one.
   */
  requestKeyframe(): void {
    if (!this.videoReceiver || this.closed) return;
    const wait = this.lastKeyframeRequest + KEYFRAME_REQUEST_GAP_MS - Date.now();
    if (wait <= 0) return this.sendKeyframeRequest();
    this.deferredKeyframeRequest ??= setTimeout(() => {
      this.deferredKeyframeRequest = undefined;
      this.sendKeyframeRequest();
    }, wait);
    this.deferredKeyframeRequest.unref();
  }

  private sendKeyframeRequest(): void {
    if (!this.videoReceiver || this.closed) return;
    this.lastKeyframeRequest = Date.now();
    void this.videoReceiver.transceiver.receiver.sendRtcpPLI(this.videoReceiver.ssrc).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.deferredKeyframeRequest);
    this.listeners.audio.clear();
    this.listeners.video.clear();
    await this.pc.close().catch(() => undefined);
  }
}

/** The sending leg from one publisher to one subscriber. */
export class SubscriberLeg {
  private readonly unsubscribe: (() => void)[] = [];

  private constructor(readonly pc: RTCPeerConnection) {}

  static async accept(
    offerSdp: string,
    source: PublisherLeg,
    kinds: MediaKind[],
    onState: (s: PeerState) => void,
  ): Promise<{ leg: SubscriberLeg; sdp: string }> {
    const pc = newPeer();
    const leg = new SubscriberLeg(pc);
    const senders: Partial<Record<MediaKind, RTCRtpTransceiver>> = {};
    // Added before the offer is applied so werift pairs them with the offer's recvonly sections.
    for (const kind of ['audio', 'video'] as const) {
      senders[kind] = pc.addTransceiver(kind, { direction: kinds.includes(kind) ? 'sendonly' : 'inactive' });
    }
    watchState(pc, (state) => {
      if (state === 'connected') {
        // Several requests: the first may reach the publisher before SRTP is ready on our side.
        for (const delay of [0, 400, 1200]) setTimeout(() => source.requestKeyframe(), delay).unref();
      }
      onState(state);
    });
    for (const kind of kinds) {
      const transceiver = senders[kind]!;
      leg.unsubscribe.push(
        source.onRtp(kind, (raw) => {
          const packet = RtpPacket.deSerialize(raw);
          // The publisher leg's extension ids mean nothing on this leg.
          packet.header.extensions = [];
          packet.header.extension = false;
          void transceiver.sender.sendRtp(packet).catch(() => undefined);
        }),
      );
      if (kind === 'video') {
        transceiver.sender.onRtcp.subscribe((rtcp) => {
          if (rtcp instanceof RtcpPayloadSpecificFeedback && rtcp.feedback instanceof PictureLossIndication) source.requestKeyframe();
        });
      }
    }
    try {
      return { leg, sdp: await answer(pc, offerSdp) };
    } catch (err) {
      await leg.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.pc.close().catch(() => undefined);
  }
}
