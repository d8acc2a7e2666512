import { Inject, Injectable } from '@nestjs/common';
import { PARTICIPANT_MEDIA_PATH } from '@streamcat/ivs-emulator';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';

/** Where a recording's VOD playlist lives: `<base>/<s3 key prefix>/media/hls/master.m3u8`. */
@Injectable()
export class RecordingUrls {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Where a participant recording plays (and downloads) from: IVS writes HLS under the prefix; the
   * local emulator keeps the publisher's VP8/Opus as one WebM file (docs/local-media.md).
   */
  participantMediaUrl(keyPrefix: string): string {
    const path = this.config.mediaProvider === 'local' ? PARTICIPANT_MEDIA_PATH : 'media/hls/multivariant.m3u8';
    return `${this.config.recordingsBaseUrl}/${keyPrefix.replace(/^\/+|\/+$/g, '')}/${path}`;
  }

  playlistUrl(keyPrefix: string): string {
    return `${this.config.recordingsBaseUrl}/${keyPrefix.replace(/^\/+|\/+$/g, '')}/media/hls/master.m3u8`;
  }
}
