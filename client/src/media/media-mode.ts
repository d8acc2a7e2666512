import type { ChannelType } from '@streamcat/protocol';
import { INGEST_SOCKET_PATH } from '@streamcat/protocol/browser-ingest';
import { broadcastPreset } from './broadcast-preset';
import type { BroadcastSink } from './broadcast-sink';
import type { StageAdapter, StageStrategy } from './stage-adapter';

export type MediaMode = 'ivs' | 'local';

/** Amazon IVS serves playback, ingest and stage events from this domain. */
const IVS_DOMAIN = /(^|\.)live-video\.net$/i;

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** A channel is on IVS when its playback URL is (local playback is served by the emulator, embedded or standalone). */
export function channelMode(playbackUrl: string): MediaMode {
  const host = hostOf(playbackUrl);
  return host && IVS_DOMAIN.test(host) ? 'ivs' : 'local';
}

/**
 * A participant token is a JWT whose `events_url` names the stage's event endpoint: IVS
 * tokens point at *.live-video.net, the emulator's at our own origin. A token we cannot
 * read is treated as IVS (the emulator always writes the claim).
 */
export function stageMode(token: string): MediaMode {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const url = (JSON.parse(json) as { events_url?: unknown }).events_url;
    if (typeof url !== 'string') return 'ivs';
    const host = hostOf(url);
    return host && !IVS_DOMAIN.test(host) ? 'local' : 'ivs';
  } catch {
    return 'ivs';
  }
}

/** The stage implementation for this token; the IVS SDK is loaded only when needed. */
export async function createStage(token: string, strategy: StageStrategy): Promise<StageAdapter> {
  if (stageMode(token) === 'local') {
    const { LocalStage } = await import('./local-stage');
    return new LocalStage(token, strategy);
  }
  const { IvsStage } = await import('./ivs-stage');
  return IvsStage.load(token, strategy);
}

/**
 * The local ingest's websocket: the emulator that serves a channel's playback also takes its
 * ingest, so its address follows the playback URL (the page's own origin when the emulator is
 * embedded in the server, its own when it runs standalone).
 */
export function localIngestUrl(playbackUrl: string): string {
  const url = new URL(playbackUrl);
  return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}${INGEST_SOCKET_PATH}`;
}

/** Where the programme goes for this channel. */
export async function createBroadcastSink(channel: {
  playbackUrl: string;
  ingestEndpoint: string;
  type: ChannelType;
}): Promise<BroadcastSink> {
  if (channelMode(channel.playbackUrl) === 'local') {
    const { LocalIngestSink } = await import('./local-ingest-sink');
    return new LocalIngestSink({ ingestUrl: localIngestUrl(channel.playbackUrl) });
  }
  const { IvsBroadcastSink } = await import('./ivs-broadcast-sink');
  return new IvsBroadcastSink(channel.ingestEndpoint, broadcastPreset(channel.type));
}
