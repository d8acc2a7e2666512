import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';

/** Where a recording's VOD playlist lives: `<base>/<s3 key prefix>/media/hls/master.m3u8`. */
@Injectable()
export class RecordingUrls {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  playlistUrl(keyPrefix: string): string {
    return `${this.config.recordingsBaseUrl}/${keyPrefix.replace(/^\/+|\/+$/g, '')}/media/hls/master.m3u8`;
  }
}
