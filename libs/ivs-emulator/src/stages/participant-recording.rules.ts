import type { AutoParticipantRecordingInput } from './stages.schemas';

export type ParticipantRecordingMediaType = 'AUDIO_VIDEO' | 'AUDIO_ONLY' | 'NONE';

/** A stage's `autoParticipantRecordingConfiguration` with IVS's defaults applied (what GetStage answers). */
export interface AutoParticipantRecording {
  storageConfigurationArn: string;
  mediaTypes: ParticipantRecordingMediaType[];
  thumbnailConfiguration: {
    targetIntervalSeconds: number;
    storage: ('SEQUENTIAL' | 'LATEST')[];
    recordingMode: 'INTERVAL' | 'DISABLED';
  };
  recordingReconnectWindowSeconds: number;
  hlsConfiguration: { targetSegmentDurationSeconds: number };
  recordParticipantReplicas: boolean;
}

/**
 * IVS's defaults (API reference, AutoParticipantRecordingConfiguration and its parts): AUDIO_VIDEO,
 * thumbnails DISABLED every 60 s to SEQUENTIAL, no reconnect merging, 6 s segments, replicas recorded.
 * An empty storageConfigurationArn turns recording off and resets every other field to these.
 */
export function resolveAutoParticipantRecording(input: AutoParticipantRecordingInput | undefined | null): AutoParticipantRecording {
  const on = !!input?.storageConfigurationArn;
  return {
    storageConfigurationArn: on ? input!.storageConfigurationArn : '',
    mediaTypes: on && input!.mediaTypes?.length ? [...input!.mediaTypes] : ['AUDIO_VIDEO'],
    thumbnailConfiguration: {
      targetIntervalSeconds: (on && input!.thumbnailConfiguration?.targetIntervalSeconds) || 60,
      storage: on && input!.thumbnailConfiguration?.storage?.length ? [...new Set(input!.thumbnailConfiguration.storage)] : ['SEQUENTIAL'],
      recordingMode: (on && input!.thumbnailConfiguration?.recordingMode) || 'DISABLED',
    },
    recordingReconnectWindowSeconds: (on && input!.recordingReconnectWindowSeconds) || 0,
    hlsConfiguration: { targetSegmentDurationSeconds: (on && input!.hlsConfiguration?.targetSegmentDurationSeconds) || 6 },
    recordParticipantReplicas: on ? (input!.recordParticipantReplicas ?? true) : true,
  };
}

/**
 * Why IVS would refuse this storage configuration for the stage, before looking it up: it must be
 * in the stage's region (IVS records only to a bucket in the stage's region).
 */
export function storageConfigurationProblem(storageConfigurationArn: string, region: string): string | null {
  if (!storageConfigurationArn) return null;
  const arnRegion = storageConfigurationArn.split(':')[3];
  return arnRegion === region
    ? null
    : `autoParticipantRecordingConfiguration.storageConfigurationArn must be in the stage's region (${region}), not ${arnRegion}.`;
}

/** What the recorder writes for this configuration: nothing when recording is off or its media type is NONE. */
export function recordedMedia(config: AutoParticipantRecording): 'AUDIO_VIDEO' | 'AUDIO_ONLY' | null {
  if (!config.storageConfigurationArn) return null;
  const type = config.mediaTypes[0] ?? 'AUDIO_VIDEO';
  return type === 'NONE' ? null : type;
}

/**
 * The S3 prefix of one participant recording: `<stage id>/<stage session id>/<participant id>/<recording id>`.
 * The last part (milliseconds since the epoch at the start) keeps a participant who publishes twice in one
 * session from overwriting the first recording.
 */
export function participantRecordingPrefix(stageId: string, sessionId: string, participantId: string, startedAt: Date): string {
  return `${stageId}/${sessionId}/${participantId}/${startedAt.getTime()}`;
}
