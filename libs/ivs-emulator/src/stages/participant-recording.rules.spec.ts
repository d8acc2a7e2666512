import {
  participantRecordingPrefix,
  recordedMedia,
  resolveAutoParticipantRecording,
  storageConfigurationProblem,
} from './participant-recording.rules';

const ARN = 'arn:aws:ivs:us-east-1:123456789012:storage-configuration/AbCd1234';

describe('resolveAutoParticipantRecording', () => {
  it('applies IVS defaults to what was left out', () => {
    expect(resolveAutoParticipantRecording({ storageConfigurationArn: ARN })).toEqual({
      storageConfigurationArn: ARN,
      mediaTypes: ['AUDIO_VIDEO'],
      thumbnailConfiguration: { targetIntervalSeconds: 60, storage: ['SEQUENTIAL'], recordingMode: 'DISABLED' },
      recordingReconnectWindowSeconds: 0,
      hlsConfiguration: { targetSegmentDurationSeconds: 6 },
      recordParticipantReplicas: true,
    });
  });

  it('keeps what was given', () => {
    const r = resolveAutoParticipantRecording({
      storageConfigurationArn: ARN,
      mediaTypes: ['AUDIO_ONLY'],
      hlsConfiguration: { targetSegmentDurationSeconds: 2 },
      recordingReconnectWindowSeconds: 30,
    });
    expect(r).toMatchObject({
      mediaTypes: ['AUDIO_ONLY'],
      hlsConfiguration: { targetSegmentDurationSeconds: 2 },
      recordingReconnectWindowSeconds: 30,
    });
  });

  it('an empty storage ARN turns recording off and resets the other fields', () => {
    const r = resolveAutoParticipantRecording({
      storageConfigurationArn: '',
      mediaTypes: ['AUDIO_ONLY'],
      recordingReconnectWindowSeconds: 30,
    });
    expect(r).toEqual(resolveAutoParticipantRecording(undefined));
    expect(recordedMedia(r)).toBeNull();
  });
});

describe('recordedMedia', () => {
  it('records audio and video by default, nothing for NONE', () => {
    expect(recordedMedia(resolveAutoParticipantRecording({ storageConfigurationArn: ARN }))).toBe('AUDIO_VIDEO');
    expect(recordedMedia(resolveAutoParticipantRecording({ storageConfigurationArn: ARN, mediaTypes: ['NONE'] }))).toBeNull();
  });
});

describe('storageConfigurationProblem', () => {
  it('refuses a storage configuration in another region', () => {
    expect(storageConfigurationProblem(ARN, 'us-east-1')).toBeNull();
    expect(storageConfigurationProblem(ARN, 'eu-west-1')).toMatch(/region \(eu-west-1\), not us-east-1/);
  });
});

describe('participantRecordingPrefix', () => {
  it('is stage / session / participant / recording', () => {
    expect(participantRecordingPrefix('stg1', 'st-abc', 'p1', new Date(1_700_000_000_000))).toBe('stg1/st-abc/p1/1700000000000');
  });
});
