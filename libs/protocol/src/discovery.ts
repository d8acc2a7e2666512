import { z } from 'zod';
import { CategoryDto, StreamSummary } from './rest';

/** Discovery: the home page, category pages, follows and VOD lookups (REST). */
export const LiveChannelCard = z.object({
  name: z.string(),
  title: z.string(),
  category: CategoryDto.nullable(),
  owner: z.object({ username: z.string() }),
  /** When the current broadcast started. */
  liveSince: z.string().nullable(),
  health: z.enum(['HEALTHY', 'STARVING', 'UNKNOWN']),
  followed: z.boolean(),
});
export type LiveChannelCard = z.infer<typeof LiveChannelCard>;

export const OpenStageCard = z.object({
  name: z.string(),
  owner: z.object({ username: z.string() }),
  title: z.string(),
  followed: z.boolean(),
});
export type OpenStageCard = z.infer<typeof OpenStageCard>;

export const BroadcastCard = StreamSummary.extend({ channel: z.object({ name: z.string() }) });
export type BroadcastCard = z.infer<typeof BroadcastCard>;

export const DiscoverResponse = z.object({
  liveChannels: z.array(LiveChannelCard),
  openStages: z.array(OpenStageCard),
  recentBroadcasts: z.array(BroadcastCard),
  categories: z.array(CategoryDto),
});
export type DiscoverResponse = z.infer<typeof DiscoverResponse>;

export const CategoryPage = z.object({
  category: CategoryDto,
  liveChannels: z.array(LiveChannelCard),
  recentBroadcasts: z.array(BroadcastCard),
});
export type CategoryPage = z.infer<typeof CategoryPage>;

export const FollowState = z.object({ channel: z.string(), following: z.boolean(), followers: z.number().int() });
export type FollowState = z.infer<typeof FollowState>;

export const FollowList = z.object({ channels: z.array(z.object({ name: z.string(), isLive: z.boolean(), title: z.string() })) });
export type FollowList = z.infer<typeof FollowList>;

export const VodResponse = BroadcastCard.extend({ channel: z.object({ name: z.string(), title: z.string() }) });
export type VodResponse = z.infer<typeof VodResponse>;

export const CategorySlug = z.string().regex(/^[a-z0-9-]{1,64}$/, 'is not a valid category');

/** One member's own recording made during a broadcast (IVS individual participant recording). */
export const ParticipantRecording = z.object({
  id: z.string(),
  /** The member's name in the studio at the time. */
  name: z.string(),
  /** A shared screen rather than the member's camera. */
  screen: z.boolean(),
  state: z.enum(['recording', 'ready', 'failed']),
  startedAt: z.string().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  /** Plays in a browser (HLS `.m3u8` on AWS, a WebM file locally); also the download. Null until ready. */
  mediaUrl: z.string().nullable(),
  /** Whether the viewer is this member (the host sees everyone's). */
  mine: z.boolean(),
});
export type ParticipantRecording = z.infer<typeof ParticipantRecording>;

export const ParticipantRecordingList = z.object({ recordings: z.array(ParticipantRecording) });
export type ParticipantRecordingList = z.infer<typeof ParticipantRecordingList>;
