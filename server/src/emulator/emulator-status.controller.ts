import { Controller, Get, Inject } from '@nestjs/common';
import { ChannelIngestService, IVS_EMULATOR_OPTIONS, type IvsEmulatorOptions, RtmpIngestServer } from '@streamcat/ivs-emulator';
import type { EmulatorStatus } from '@streamcat/protocol';
import { ffmpegHealth } from '../media/local-media-plane';

/**
 * What server replicas cannot ask through the IVS API (RemoteMediaPlane reads it): the RTMP port
 * OBS publishes to and the ingest's ffmpeg. Outside the signed `/_ivs/channels` and
 * `/_ivs/realtime` prefixes because it is read-only and holds nothing secret.
 */
@Controller('_ivs/local')
export class EmulatorStatusController {
  constructor(
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    private readonly ingest: ChannelIngestService,
    private readonly rtmp: RtmpIngestServer,
  ) {}

  @Get('status')
  status(): EmulatorStatus {
    return { publicUrl: this.options.publicUrl, rtmpPort: this.rtmp.port ?? null, ffmpeg: ffmpegHealth(this.ingest.ffmpegStatus()) };
  }
}
