/**
 * Who may send which socket command: one table, decided by a pure function, tested cell by
 * cell (server/test/authorization-matrix.e2e-spec.ts). A command missing here is refused.
 *
 * Roles are relative to the target of the command (a stage or a channel):
 * anonymous (no login) · viewer (logged in, no role on the target) · guest / cohost / host
 * (member of that studio) · moderator / admin (site staff).
 */
export const ROLES = ['anonymous', 'viewer', 'guest', 'cohost', 'host', 'moderator', 'admin'] as const;
export type ActorRole = (typeof ROLES)[number];

const ANYONE: readonly ActorRole[] = ROLES;

export const AUTHORIZATION: Readonly<Record<string, readonly ActorRole[]>> = {
  'session:whoami': ANYONE,
  // Feature gateways add their rows below, one per command, grouped by feature.
};

export function isAllowed(command: string, role: ActorRole): boolean {
  return AUTHORIZATION[command]?.includes(role) ?? false;
}
