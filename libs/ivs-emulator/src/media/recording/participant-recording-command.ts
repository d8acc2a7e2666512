import { composeSdp, RtpInput } from '../composition/compose-command';
import { recordingSpanFields } from '../ingest/recording-layout';

/**
 * Where one participant recording's files go under its S3 prefix. IVS writes HLS (H.264/AAC)
 * under `media/hls/`; the emulator keeps the publisher's own VP8 + Opus, copied without
 * re-encoding, in one WebM file (MP4/HLS cannot carry VP8, and encoding every publisher again
 * costs more CPU than a small machine has with a full stage). `events/` is as IVS writes it.
 */
export const PARTICIPANT_MEDIA_PATH = 'media/webm/recording.webm';

/** The SDP ffmpeg reads: the participant's video (unless audio only) and audio, as RTP on loopback ports. */
export function participantSdp(participantId: string, ports: { video?: number; audio: number }): string {
  const inputs: RtpInput[] = [];
  if (ports.video !== undefined) inputs.push({ participantId, kind: 'video', port: ports.video });
  inputs.push({ participantId, kind: 'audio', port: ports.audio });
  return composeSdp(inputs);
}

/**
 * ffmpeg arguments of one participant recorder: the SDP's RTP streams copied as received into
 * WebM (no decoding: a recorder costs little more than the packets it writes). ffmpeg probes
 * the first packets for the video size, which only a keyframe gives (forwarding starts at one).
 */
export function participantRecorderArgs(o: { sdpPath: string; out: string }): string[] {
  // prettier-ignore
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-protocol_whitelist', 'file,udp,rtp',
    // Probing waits (up to 10 s of media) for the video's first keyframe, which gives its size;
    // nothing is lost meanwhile: ffmpeg keeps what it probed.
    '-analyzeduration', '10000000', '-probesize', '10000000',
    '-f', 'sdp', '-i', o.sdpPath,
    '-map', '0', '-c', 'copy',
    '-f', 'webm', '-cluster_time_limit', '2000',
    o.out,
  ];
}

/** The `events/recording-*.json` documents beside a participant recording (same fields as the composite ones, for one participant). */
export function participantRecordingDocument(input: {
  status: 'RECORDING_STARTED' | 'RECORDING_ENDED' | 'RECORDING_FAILED';
  stageArn: string;
  sessionId: string;
  participantId: string;
  mediaTypes: string[];
  startedAt: Date;
  endedAt?: Date;
  durationMs?: number;
}): string {
  return JSON.stringify(
    {
      version: 'v1',
      resource_arn: input.stageArn,
      session_id: input.sessionId,
      participant_id: input.participantId,
      ...recordingSpanFields(input),
      media: { media_types: input.mediaTypes, webm: { path: PARTICIPANT_MEDIA_PATH } },
    },
    null,
    2,
  );
}
