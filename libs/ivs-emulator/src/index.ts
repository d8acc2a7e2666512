export { IvsEmulatorModule } from './ivs-emulator.module';
export type { IvsEmulatorOptions, IvsEmulatorClock } from './ivs-emulator.options';
export type { EmulatorCredentials } from './aws-protocol/request-signature';
export { IVS_EMULATOR_OPTIONS, IVS_EMULATOR_CLOCK } from './ivs-emulator.options';
export { IvsEmulatorService } from './ivs-emulator.service';
export { IvsEmulatorEvents } from './ivs-emulator.events';
export type { IvsEmulatorEventMap, IvsEmulatorEventName, IvsEmulatorListener, StreamHealth } from './ivs-emulator.events';
export { ivsEmulatorMigrations, IvsEmulatorSchema1763800000000 } from './database/ivs-emulator.migrations';
export { IvsApiError } from './aws-protocol/ivs-api.errors';
export type { IvsErrorName } from './aws-protocol/ivs-api.errors';
export type { ParticipantTokenVerification, ParticipantTokenErrorCode } from './stages/participant-tokens.service';
export type { ParticipantTokenClaims } from './tokens/participant-token.signer';
export { PARTICIPANT_TOKEN_KEY_FILE } from './tokens/participant-token.signer';
export type { StreamKeyOwner } from './channels/channels.service';
export { IVS_EVENT_SINK } from './media/ivs-event-sink';
export type { IvsEventSink } from './media/ivs-event-sink';
export type { IvsMediaOptions } from './media/media.options';
export { StageSessionsService } from './media/stage/stage-sessions.service';
export { ChannelIngestService } from './media/ingest/channel-ingest.service';
export type { IngestEndReason } from './media/ingest/channel-ingest.service';
export type { FfmpegStatus } from './media/ingest/ffmpeg';
export { ffmpegCandidates, findFfmpeg } from './media/ingest/ffmpeg';
export { RtmpIngestServer } from './media/rtmp/rtmp-ingest.server';
export { parseEmulatorLimits, DEFAULT_EMULATOR_LIMITS, IVS_QUOTAS, IVS_OPERATION_RATES, describeRate } from './limits/emulator-limits';
export type { EmulatorLimits, QuotaName, IvsOperationName, RatePolicy } from './limits/emulator-limits';
export { IVS_EMULATOR_LIMITS } from './limits/call-limits.middleware';
export { CompositionEngine } from './media/composition/composition-engine';
export type {
  CompositionPlan,
  CompositionLayout,
  CompositionVideo,
  CompositionDestinationPlan,
  CompositionMediaListener,
  DestinationMediaState,
  GridLayout,
  PipLayout,
  RunningComposition,
} from './media/composition/composition-engine';
export { FfmpegCompositionEngine } from './media/composition/ffmpeg-composition.engine';
export type { CompositionSwitch } from './media/composition/ffmpeg-composition.engine';
export type { StagePublisher } from './media/stage/stage-sessions.service';
export { LOCAL_PARTICIPANT_STORAGE } from './ivs-emulator.options';
export { ParticipantRecorder } from './media/recording/participant-recorder';
export { PARTICIPANT_MEDIA_PATH } from './media/recording/participant-recording-command';
