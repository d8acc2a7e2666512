/**
 * Who may send which socket command: one table, decided by a pure function, tested cell by
 * cell (server/test/authorization-matrix.e2e-spec.ts). A name missing here is refused.
 *
 * Roles are relative to the target of the command (a stage or a channel):
 * anonymous (no login) · viewer (logged in, no role on the target) · guest / cohost / host
 * (member of that studio) · moderator / admin (site staff).
 */
import type { CommandName } from '@streamcat/protocol';

export const ROLES = ['anonymous', 'viewer', 'guest', 'cohost', 'host', 'moderator', 'admin'] as const;
export type ActorRole = (typeof ROLES)[number];

const ANYONE: readonly ActorRole[] = ROLES;

/** Keyed by every command name of `libs/protocol`: a command without a row fails the typecheck. */
export const AUTHORIZATION: Readonly<Record<CommandName, readonly ActorRole[]>> = {
  'session:whoami': ANYONE,
  // Feature gateways add their rows below, one per command, grouped by feature.
  // Studio: the target is a stage. 'host' = owner or promoted host, 'cohost' / 'guest' = members;
  // a viewer is anyone logged in without a seat (an invitee answers as a viewer). Site staff see
  // a studio but act on it only through the moderation rows.
  'studio:join': ['guest', 'cohost', 'host', 'moderator', 'admin'],
  'studio:snapshot': ['guest', 'cohost', 'host', 'moderator', 'admin'],
  'studio:leave': ANYONE,
  'studio:invite': ['cohost', 'host'],
  'studio:invite-revoke': ['cohost', 'host'],
  'studio:invite-respond': ['viewer', 'moderator', 'admin'],
  'studio:link-create': ['cohost', 'host'],
  'studio:link-revoke': ['cohost', 'host'],
  'studio:admit': ['cohost', 'host'],
  'studio:remove': ['cohost', 'host'],
  'studio:set-role': ['host'],
  'studio:set-status': ['cohost', 'host'],
  'studio:layout': ['cohost', 'host'],
  // The brand is the channel's look; those who arrange the programme set it (and upload its images).
  'studio:brand': ['cohost', 'host'],
  'studio:hand': ['guest', 'cohost', 'host'],
  'studio:screen-share': ['guest', 'cohost', 'host'],
  'studio:mute': ['cohost', 'host'],
  'studio:broadcast': ['cohost', 'host'],
  'studio:realtime': ['cohost', 'host'],
  'studio:programme': ['cohost', 'host'],
  'studio:failover': ['cohost', 'host'],
  // Show elements: what the programme shows and how it sounds is the directors' call.
  'studio:scene': ['cohost', 'host'],
  'studio:programme-volume': ['cohost', 'host'],
  // A viewer's comment on screen speaks for the show: its hosts choose it, not a guest.
  'studio:comment': ['cohost', 'host'],
  // Backstage chat: private to the people seated in the studio (link guests included, the green
  // room not). Staff may read it, as they may read the studio, but they hold no seat to write from.
  'studio:backstage-send': ['guest', 'cohost', 'host'],
  'studio:backstage-history': ['guest', 'cohost', 'host', 'moderator', 'admin'],
  // Watch & chat: the target is a channel. 'host' = its owner; a link guest (no account) is
  // 'guest' and, like anonymous, may only watch. Site-wide sanctions are moderation rows.
  'watch:join': ANYONE,
  'watch:leave': ANYONE,
  'watch:show': ANYONE,
  'chat:send': ['viewer', 'cohost', 'host', 'moderator', 'admin'],
  'chat:delete': ['host', 'moderator', 'admin'],
  'chat:timeout': ['host', 'moderator', 'admin'],
  'chat:ban': ['host', 'moderator', 'admin'],
  'chat:unban': ['host', 'moderator', 'admin'],
  'chat:slow-mode': ['host', 'moderator', 'admin'],
  // Moderation panel: site staff only, whatever their relation to the target.
  'moderation:subscribe': ['moderator', 'admin'],
  'moderation:unsubscribe': ['moderator', 'admin'],
  'moderation:stop-stream': ['moderator', 'admin'],
  'moderation:remove-member': ['moderator', 'admin'],
  'moderation:close-realtime': ['moderator', 'admin'],
  'moderation:ban-site': ['moderator', 'admin'],
  'moderation:unban-site': ['moderator', 'admin'],
};

// A map, so a name that is no command (even `constructor`) finds no row.
const ROWS: ReadonlyMap<string, readonly ActorRole[]> = new Map(Object.entries(AUTHORIZATION));

export function isAllowed(command: string, role: ActorRole): boolean {
  return ROWS.get(command)?.includes(role) ?? false;
}
