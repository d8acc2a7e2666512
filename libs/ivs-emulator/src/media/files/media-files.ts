import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import express, { NextFunction, Request, Response } from 'express';
import { IVS_MEDIA_OPTIONS, ResolvedMediaOptions } from '../media.options';
import { ChannelIngestService } from '../ingest/channel-ingest.service';

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
};

function setMediaHeaders(res: Response, path: string): void {
  const ext = path.slice(path.lastIndexOf('.'));
  if (TYPES[ext]) res.setHeader('Content-Type', TYPES[ext]);
  // Players on another origin (the Vite dev server, embeds) read these like IVS's CDN.
  res.setHeader('Access-Control-Allow-Origin', '*');
  // Live playlists change every segment; segments and finished recordings never change.
  res.setHeader('Cache-Control', ext === '.m3u8' ? 'no-cache, no-store' : 'public, max-age=3600');
}

/**
 * Serves live HLS at `/_ivs/hls/<channelId>/live.m3u8` (the channel's playbackUrl) and the
 * recordings bucket at `/_ivs/recordings/<s3 key>` (the default RECORDINGS_BASE_URL).
 */
@Injectable()
export class MediaFiles implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly ingest: ChannelIngestService,
    @Inject(IVS_MEDIA_OPTIONS) private readonly options: ResolvedMediaOptions,
  ) {}

  onModuleInit(): void {
    const app = this.adapterHost.httpAdapter?.getInstance?.() as express.Express | undefined;
    if (!app?.use) return;
    const staticOptions = { index: false, dotfiles: 'deny' as const, setHeaders: setMediaHeaders };
    app.use('/_ivs/hls', (req: Request, _res: Response, next: NextFunction) => {
      const m = /^\/([A-Za-z0-9]+)\/live\.m3u8$/.exec(req.path);
      if (m) this.ingest.noteViewer(m[1]!, `${req.ip}|${req.get('user-agent') ?? ''}`);
      next();
    });
    app.use('/_ivs/hls', express.static(this.options.liveDir, staticOptions));
    app.use('/_ivs/recordings', express.static(this.options.recordingsDir, staticOptions));
  }
}
