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

export type PeerState = 'connected' | 'failed' | 'closed';

/** Answers an offer once our ICE candidates are in the SDP (no trickle, like WHIP). */
async function answer(pc: RTCPeerConnection, offerSdp: string): Promise<string> {
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
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

  /** Asks the publisher's encoder for a keyframe (a new subscriber needs one to draw anything). */
  requestKeyframe(): void {
    const now = Date.now();
    if (!this.videoReceiver || now - this.lastKeyframeRequest < 300) return;
    this.lastKeyframeRequest = now;
    void this.videoReceiver.transceiver.receiver.sendRtcpPLI(this.videoReceiver.ssrc).catch(() => undefined);
  }

  async close(): Promise<void> {
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
