import { PictureLossIndication, RTCPeerConnection, RtcpPayloadSpecificFeedback, RtpHeader, RtpPacket } from 'werift';
import { PublisherLeg } from '../src/media/stage/sfu-peers';

/**
 * Keyframe requests from the SFU to a publisher, over a real werift connection on loopback:
 * Chromium acts on one request per 300 ms and ignores the rest, so the SFU spaces them and a
 * request inside the gap must still reach the publisher, later, instead of being dropped.
 */
describe('SFU keyframe requests (werift, loopback)', () => {
  let publisher: RTCPeerConnection;
  let leg: PublisherLeg;
  let sending: NodeJS.Timeout;
  const plis: number[] = [];

  beforeAll(async () => {
    publisher = new RTCPeerConnection({ iceUseIpv6: false, iceServers: [], bundlePolicy: 'max-bundle' });
    const video = publisher.addTransceiver('video', { direction: 'sendonly' });
    video.sender.onRtcp.subscribe((rtcp) => {
      if (rtcp instanceof RtcpPayloadSpecificFeedback && rtcp.feedback instanceof PictureLossIndication) plis.push(Date.now());
    });
    await publisher.setLocalDescription(await publisher.createOffer());
    let connected!: () => void;
    const up = new Promise<void>((r) => (connected = r));
    const accepted = await PublisherLeg.accept(publisher.localDescription!.sdp, (s) => s === 'connected' && connected());
    leg = accepted.leg;
    await publisher.setRemoteDescription({ type: 'answer', sdp: accepted.sdp });
    await up;
    // The SFU learns the publisher's video SSRC from its first packets (a VP8 keyframe start).
    let seq = 0;
    sending = setInterval(() => {
      const header = new RtpHeader({ sequenceNumber: seq++ & 0xffff, timestamp: seq * 3000, marker: true });
      void video.sender.sendRtp(new RtpPacket(header, Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a]))).catch(() => undefined);
    }, 20);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      leg.requestKeyframe();
      if (plis.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!plis.length) throw new Error('no keyframe request reached the publisher');
  }, 20_000);

  afterAll(async () => {
    clearInterval(sending);
    await leg?.close();
    await publisher?.close();
  });

  it('sends requests at least 350 ms apart, and a request inside the gap goes out at its end', async () => {
    // Past the gap of any request the setup made (one of them may have been deferred).
    await new Promise((r) => setTimeout(r, 1_000));
    plis.length = 0;
    const first = Date.now();
    leg.requestKeyframe();
    await new Promise((r) => setTimeout(r, 50));
    // Three more asks inside the gap: one request at its end, not three, not none.
    leg.requestKeyframe();
    leg.requestKeyframe();
    await new Promise((r) => setTimeout(r, 100));
    leg.requestKeyframe();
    await new Promise((r) => setTimeout(r, 700));
    expect(plis).toHaveLength(2);
    expect(plis[0]! - first).toBeLessThan(100);
    expect(plis[1]! - plis[0]!).toBeGreaterThanOrEqual(340);
    expect(plis[1]! - plis[0]!).toBeLessThan(500);
  });

  it('sends nothing after the leg is closed, even a request that was waiting', async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    leg.requestKeyframe();
    leg.requestKeyframe(); // deferred to the end of the gap
    await new Promise((r) => setTimeout(r, 100));
    expect(plis.length).toBeGreaterThan(0); // the first went out: the connection works
    plis.length = 0;
    await leg.close();
    await new Promise((r) => setTimeout(r, 600));
    expect(plis).toHaveLength(0);
  });
});
