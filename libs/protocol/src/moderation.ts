import { z } from 'zod';
import { ChatSanction, noNul } from './chat';
import { PageCursor, PageLimit, ResourceName } from './rest';
import { command } from './socket';
import { StreamHealthDto } from './watch';

const Reason = z.string().trim().max(500).refine(noNul, 'must not contain NUL characters');

export const LimitBreachDto = z.object({
  limitName: z.string(),
  limitValue: z.number(),
  exceededBy: z.number(),
  limitUnit: z.string().nullable(),
  at: z.string(),
});
export type LimitBreachDto = z.infer<typeof LimitBreachDto>;

/** One live channel as the moderation panel shows it. */
export const ModerationChannel = z.object({
  channel: z.string(),
  title: z.string(),
  host: z.string(),
  streamId: z.string().nullable(),
  since: z.string().nullable(),
  health: StreamHealthDto,
  viewerCount: z.number(),
  /** Limit breaches reported since the current broadcast began, newest first (at most 20). */
  limitBreaches: z.array(LimitBreachDto),
});
export type ModerationChannel = z.infer<typeof ModerationChannel>;

export const ModerationStageMember = z.object({
  memberId: z.string(),
  kind: z.enum(['user', 'guest']),
  displayName: z.string(),
  role: z.string(),
  /** backstage / on-air */
  status: z.string(),
  mutedInProgramme: z.boolean(),
});
export type ModerationStageMember = z.infer<typeof ModerationStageMember>;

/** One stage whose real-time viewing is open or whose broadcast is not offline. */
export const ModerationStage = z.object({
  stage: z.string(),
  host: z.string(),
  realtime: z.enum(['open', 'closed']),
  broadcast: z.enum(['offline', 'starting', 'live', 'stopping']),
  /** Since when it has been on the board: real-time viewing opened, else the broadcast's state, else the first guest joined. */
  since: z.string().nullable(),
  members: z.array(ModerationStageMember),
});
export type ModerationStage = z.infer<typeof ModerationStage>;

export const ModerationSnapshot = z.object({
  channels: z.array(ModerationChannel),
  stages: z.array(ModerationStage),
  at: z.string(),
});
export type ModerationSnapshot = z.infer<typeof ModerationSnapshot>;

export const MODERATION_ACTIONS = [
  'stop-stream',
  'remove-member',
  'close-realtime',
  'delete-message',
  'timeout',
  'ban',
  'unban',
  'ban-site',
  'unban-site',
  'slow-mode',
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

export const ModerationCommands = {
  subscribe: command<ModerationSnapshot>()('moderation:subscribe', z.strictObject({})),
  unsubscribe: command<{ unsubscribed: boolean }>()('moderation:unsubscribe', z.strictObject({})),
  stopStream: command<{ stopped: boolean; keyRotated: boolean }>()(
    'moderation:stop-stream',
    z.strictObject({ channel: ResourceName, rotateKey: z.boolean().default(false), reason: Reason.min(1, 'say why') }),
  ),
  removeMember: command<{ removed: boolean }>()(
    'moderation:remove-member',
    z.strictObject({
      stage: ResourceName,
      memberId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'is not a valid member id'),
      reason: Reason.min(1, 'say why'),
    }),
  ),
  closeRealtime: command<{ closed: boolean }>()(
    'moderation:close-realtime',
    z.strictObject({ stage: ResourceName, reason: Reason.min(1, 'say why') }),
  ),
  /** Site-wide: the user cannot send chat in any channel. With `seconds`, a time-out instead of a ban. */
  banSite: command<ChatSanction>()(
    'moderation:ban-site',
    z.strictObject({
      username: ResourceName,
      reason: Reason.min(1, 'say why'),
      seconds: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 3600)
        .optional(),
    }),
  ),
  unbanSite: command<{ lifted: number }>()('moderation:unban-site', z.strictObject({ username: ResourceName, reason: Reason.optional() })),
};

export const ModerationAuditEntry = z.object({
  id: z.string(),
  actor: z.object({ id: z.string(), username: z.string() }),
  action: z.enum(MODERATION_ACTIONS),
  target: z.object({ kind: z.enum(['channel', 'stage', 'user', 'message']), id: z.string(), name: z.string() }),
  /** Where it happened (the channel or stage), when the target is a user or message. */
  channel: z.string().nullable(),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()),
  at: z.string(),
});
export type ModerationAuditEntry = z.infer<typeof ModerationAuditEntry>;

export const ModerationAuditQuery = z.strictObject({
  limit: PageLimit(100, 50),
  cursor: PageCursor.optional(),
});
export type ModerationAuditQuery = z.infer<typeof ModerationAuditQuery>;

export const ModerationAuditPage = z.object({ items: z.array(ModerationAuditEntry), nextCursor: z.string().nullable() });
export type ModerationAuditPage = z.infer<typeof ModerationAuditPage>;

export interface ModerationServerEvents {
  /** A live channel changed (`entry` null: it went offline and leaves the panel). */
  'moderation:channel': { channel: string; entry: ModerationChannel | null };
  /** An open stage changed (`entry` null: real-time viewing closed). */
  'moderation:stage': { stage: string; entry: ModerationStage | null };
  /** An action was taken by any moderator (the panel's activity list). */
  'moderation:audit': ModerationAuditEntry;
}
