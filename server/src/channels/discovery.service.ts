import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  BroadcastCard,
  CategoryDto,
  CategoryPage,
  DiscoverResponse,
  FollowList,
  FollowState,
  LiveChannelCard,
  OpenStageCard,
  VodResponse,
} from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { User } from '../users/user.entity';
import { RecordingUrls } from './recording-urls';

const LIVE_LIMIT = 60;
const STAGES_LIMIT = 30;
const RECENT_LIMIT = 24;

interface LiveRow {
  name: string;
  title: string;
  username: string;
  health: LiveChannelCard['health'];
  live_since: Date | null;
  followed: boolean;
  cat_id: number | null;
  cat_name: string | null;
  cat_slug: string | null;
}

interface StreamRow {
  id: string;
  stream_id: string;
  title: string;
  started_at: Date | null;
  ended_at: Date | null;
  recording_duration_ms: string | null;
  recording_key_prefix: string | null;
  recording_ended_at: Date | null;
  channel_name: string;
  channel_title: string;
  cat_id: number | null;
  cat_name: string | null;
  cat_slug: string | null;
}

/** What people browse: live channels, open real-time stages, recent broadcasts, follows, VODs. */
@Injectable()
export class DiscoveryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly recordings: RecordingUrls,
  ) {}

  async discover(viewer: User | null): Promise<DiscoverResponse> {
    const [liveChannels, openStages, recentBroadcasts, categories] = await Promise.all([
      this.liveChannels(viewer, null),
      this.openStages(viewer),
      this.recentBroadcasts(null),
      this.categories(),
    ]);
    return { liveChannels, openStages, recentBroadcasts, categories };
  }

  async category(slug: string, viewer: User | null): Promise<CategoryPage> {
    const [category] = (await this.db.query(`SELECT id, name, slug FROM categories WHERE slug = $1`, [slug])) as CategoryDto[];
    if (!category) throw new AppError('category/not-found');
    const [liveChannels, recentBroadcasts] = await Promise.all([
      this.liveChannels(viewer, category.id),
      this.recentBroadcasts(category.id),
    ]);
    return { category, liveChannels, recentBroadcasts };
  }

  async follow(user: User, channelName: string, following: boolean): Promise<FollowState> {
    const channelId = await this.channelId(channelName);
    if (following) {
      await this.db.query(`INSERT INTO follows (user_id, channel_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [user.id, channelId]);
    } else {
      await this.db.query(`DELETE FROM follows WHERE user_id = $1 AND channel_id = $2`, [user.id, channelId]);
    }
    return this.followState(user, channelName);
  }

  async followState(user: User | null, channelName: string): Promise<FollowState> {
    const channelId = await this.channelId(channelName);
    const [row] = (await this.db.query(
      `SELECT count(*)::int AS followers, bool_or(user_id = $2) AS following FROM follows WHERE channel_id = $1`,
      [channelId, user?.id ?? null],
    )) as { followers: number; following: boolean | null }[];
    return { channel: channelName.toLowerCase(), following: row?.following === true, followers: row?.followers ?? 0 };
  }

  async follows(user: User): Promise<FollowList> {
    const rows = (await this.db.query(
      `SELECT c.name, c.is_live, c.title FROM follows f JOIN channels c ON c.id = f.channel_id
        WHERE f.user_id = $1 ORDER BY c.is_live DESC, f.created_at DESC LIMIT 200`,
      [user.id],
    )) as { name: string; is_live: boolean; title: string }[];
    return { channels: rows.map((r) => ({ name: r.name, isLive: r.is_live, title: r.title })) };
  }

  /** One past broadcast with its recording (for /vod/:id). */
  async vod(id: string): Promise<VodResponse> {
    const [row] = (await this.db.query(`${STREAM_SELECT} WHERE s.id = $1`, [id])) as StreamRow[];
    if (!row) throw new AppError('request/not-found', 'There is no broadcast with that id.');
    return { ...this.toBroadcast(row), channel: { name: row.channel_name, title: row.channel_title } };
  }

  private async liveChannels(viewer: User | null, categoryId: number | null): Promise<LiveChannelCard[]> {
    const rows = (await this.db.query(
      `SELECT c.name, c.title, u.username, c.health, s.started_at AS live_since,
              (f.user_id IS NOT NULL) AS followed, cat.id AS cat_id, cat.name AS cat_name, cat.slug AS cat_slug
         FROM channels c
         JOIN users u ON u.id = c.user_id
         LEFT JOIN categories cat ON cat.id = c.category_id
         LEFT JOIN streams s ON s.stream_id = c.current_stream_id
         LEFT JOIN follows f ON f.channel_id = c.id AND f.user_id = $1
        WHERE c.is_live AND ($2::int IS NULL OR c.category_id = $2)
        ORDER BY followed DESC, s.started_at DESC NULLS LAST, c.name
        LIMIT ${LIVE_LIMIT}`,
      [viewer?.id ?? null, categoryId],
    )) as LiveRow[];
    return rows.map((r) => ({
      name: r.name,
      title: r.title,
      category: r.cat_id === null ? null : { id: r.cat_id, name: r.cat_name ?? '', slug: r.cat_slug ?? '' },
      owner: { username: r.username },
      liveSince: r.live_since ? new Date(r.live_since).toISOString() : null,
      health: r.health,
      followed: r.followed,
    }));
  }

  /** Stages whose real-time viewing the host has opened. */
  private async openStages(viewer: User | null): Promise<OpenStageCard[]> {
    const rows = (await this.db.query(
      `SELECT st.name, u.username, c.title, (f.user_id IS NOT NULL) AS followed
         FROM stages st
         JOIN users u ON u.id = st.user_id
         LEFT JOIN channels c ON c.user_id = st.user_id
         LEFT JOIN follows f ON f.channel_id = c.id AND f.user_id = $1
        WHERE st.is_live
        ORDER BY followed DESC, st.name
        LIMIT ${STAGES_LIMIT}`,
      [viewer?.id ?? null],
    )) as { name: string; username: string; title: string | null; followed: boolean }[];
    return rows.map((r) => ({ name: r.name, owner: { username: r.username }, title: r.title ?? '', followed: r.followed }));
  }

  /** Finished broadcasts with a finished recording, newest first. */
  private async recentBroadcasts(categoryId: number | null): Promise<BroadcastCard[]> {
    const rows = (await this.db.query(
      `${STREAM_SELECT}
        WHERE s.recording_ended_at IS NOT NULL AND s.recording_key_prefix IS NOT NULL AND ($1::int IS NULL OR s.category_id = $1)
        ORDER BY s.recording_ended_at DESC LIMIT ${RECENT_LIMIT}`,
      [categoryId],
    )) as StreamRow[];
    return rows.map((r) => this.toBroadcast(r));
  }

  private async categories(): Promise<CategoryDto[]> {
    return (await this.db.query(`SELECT id, name, slug FROM categories ORDER BY id`)) as CategoryDto[];
  }

  private async channelId(name: string): Promise<string> {
    const [row] = (await this.db.query(`SELECT id FROM channels WHERE lower(name) = lower($1)`, [name])) as { id: string }[];
    if (!row) throw new AppError('channel/not-found');
    return row.id;
  }

  private toBroadcast(r: StreamRow): BroadcastCard {
    return {
      id: r.id,
      streamId: r.stream_id,
      title: r.title,
      category: r.cat_id === null ? null : { id: r.cat_id, name: r.cat_name ?? '', slug: r.cat_slug ?? '' },
      startedAt: r.started_at ? new Date(r.started_at).toISOString() : null,
      endedAt: r.ended_at ? new Date(r.ended_at).toISOString() : null,
      recordingDurationMs: r.recording_duration_ms === null ? null : Number(r.recording_duration_ms),
      recordingUrl: r.recording_key_prefix && r.recording_ended_at ? this.recordings.playlistUrl(r.recording_key_prefix) : null,
      channel: { name: r.channel_name },
    };
  }
}

const STREAM_SELECT = `SELECT s.id, s.stream_id, s.title, s.started_at, s.ended_at, s.recording_duration_ms,
       s.recording_key_prefix, s.recording_ended_at, c.name AS channel_name, c.title AS channel_title,
       cat.id AS cat_id, cat.name AS cat_name, cat.slug AS cat_slug
  FROM streams s
  JOIN channels c ON c.id = s.channel_id
  LEFT JOIN categories cat ON cat.id = s.category_id`;
