import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import express, { Request, Response } from 'express';
import { IVS_MEDIA_OPTIONS, ResolvedMediaOptions } from '../media.options';
import { ChannelIngestService } from '../ingest/channel-ingest.service';
import { LivePlaylistWaits, requestedMediaSequence, withBlockingReload } from './live-playlist';
import { clientAddressGroup, PLAYBACK_SESSION_ID } from './playback-sessions';

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.webm': 'video/webm',
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
 * What the channel's playback URL answers: a master playlist whose one variant lives under a
 * fresh playback session, as IVS playback hands each player its own session URL.
 */
export function liveMasterPlaylist(sessionId: string): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-STREAM-INF:BANDWIDTH=2628000',
    `s/${sessionId}/live.m3u8`,
    '',
  ].join('\n');
}

const CHANNEL_ID = /^[A-Za-z0-9]{1,64}$/;
/** The live playlist and its segments, as ffmpeg names them. */
const LIVE_FILE = /^live(\d{1,9}\.ts|\.m3u8)$/;

/**
 * Serves live HLS at `/_ivs/hls/<channelId>/live.m3u8` (the channel's playbackUrl) and the
 * recordings bucket at `/_ivs/recordings/<s3 key>` (the default RECORDINGS_BASE_URL). Live
 * playback goes through `/_ivs/hls/<channelId>/s/<session>/…`, which is what viewers are counted by.
 */
@Injectable()
export class MediaFiles implements OnModuleInit {
  private readonly playlistWaits = new LivePlaylistWaits();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly ingest: ChannelIngestService,
    @Inject(IVS_MEDIA_OPTIONS) private readonly options: ResolvedMediaOptions,
  ) {}

  onModuleInit(): void {
    const app = this.adapterHost.httpAdapter?.getInstance?.() as express.Express | undefined;
    if (!app?.use) return;
    const staticOptions = { index: false, dotfiles: 'deny' as const, setHeaders: setMediaHeaders };
    app.get('/_ivs/hls/:channelId/live.m3u8', (req: Request, res: Response, next) => this.master(req, res, next));
    app.get('/_ivs/hls/:channelId/s/:sessionId/:file', (req: Request, res: Response, next) => this.sessionFile(req, res, next));
    app.use('/_ivs/hls', express.static(this.options.liveDir, staticOptions));
    app.use('/_ivs/recordings', express.static(this.options.recordingsDir, staticOptions));
  }

  private master(req: Request, res: Response, next: () => void): void {
    const channelId = String(req.params.channelId);
    if (!CHANNEL_ID.test(channelId) || !this.ingest.isLive(channelId) || !existsSync(join(this.options.liveDir, channelId, 'live.m3u8'))) {
      return next();
    }
    const sessionId = randomBytes(16).toString('base64url');
    this.ingest.noteViewer(channelId, sessionId, clientAddressGroup(req.ip));
    setMediaHeaders(res, 'live.m3u8');
    res.send(Buffer.from(liveMasterPlaylist(sessionId)));
  }

  private sessionFile(req: Request, res: Response, next: () => void): void {
    const channelId = String(req.params.channelId);
    const sessionId = String(req.params.sessionId);
    const file = String(req.params.file);
    if (!CHANNEL_ID.test(channelId) || !PLAYBACK_SESSION_ID.test(sessionId) || !LIVE_FILE.test(file)) return next();
    // Sessions are not stored to be checked: an id a client makes up still counts only within its address's cap.
    this.ingest.noteViewer(channelId, sessionId, clientAddressGroup(req.ip));
    setMediaHeaders(res, file);
    if (file === 'live.m3u8') return void this.livePlaylist(req, res, join(this.options.liveDir, channelId, file));
    res.sendFile(join(this.options.liveDir, channelId, file), { dotfiles: 'deny', cacheControl: false }, (err) => {
      if (err && !res.headersSent) res.status(404).end();
    });
  }

  /** The live playlist, held until it lists the segment the player asked for (blocking reload). */
  private livePlaylist(req: Request, res: Response, path: string): void {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    void this.playlistWaits.read(path, requestedMediaSequence(req.query), gone.signal).then((text) => {
      if (res.writableEnded || res.destroyed) return;
      if (text === undefined) return void res.status(404).end();
      res.send(Buffer.from(withBlockingReload(text)));
    });
  }
}
