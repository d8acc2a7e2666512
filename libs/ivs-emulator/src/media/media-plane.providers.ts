import type { Provider } from '@nestjs/common';
import { resolvedEventSinkProvider } from './ivs-event-sink';
import { IVS_MEDIA_OPTIONS, IvsMediaOptions, resolveMediaOptions } from './media.options';
import { MediaUpgrades } from './media-upgrades';
import { StageSessionsService } from './stage/stage-sessions.service';
import { ChannelIngestService } from './ingest/channel-ingest.service';
import { BrowserIngestGateway } from './ingest/browser-ingest.gateway';
import { MediaFiles } from './files/media-files';
import { RtmpIngestServer } from './rtmp/rtmp-ingest.server';
import { CompositionEngine } from './composition/composition-engine';
import { FfmpegCompositionEngine } from './composition/ffmpeg-composition.engine';
import { ParticipantRecorder } from './recording/participant-recorder';

/** Providers the emulator module adds when `media` options are given. */
export function mediaPlaneProviders(dataDir: string, media: IvsMediaOptions): Provider[] {
  return [
    { provide: IVS_MEDIA_OPTIONS, useValue: resolveMediaOptions(dataDir, media) },
    resolvedEventSinkProvider,
    MediaUpgrades,
    StageSessionsService,
    ChannelIngestService,
    BrowserIngestGateway,
    MediaFiles,
    RtmpIngestServer,
    { provide: CompositionEngine, useClass: FfmpegCompositionEngine },
    ParticipantRecorder,
  ];
}
