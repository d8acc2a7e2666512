import type { LiveTestApp } from './use-test-app';

/** What a participant token says of itself (its JWT payload; the signature is the stage's business). */
export function tokenClaims(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, any>;
}

/** The IVS stage a studio holds now, of one kind; null when it holds none. */
export async function stageArnOf(t: LiveTestApp, stage: string, kind: 'studio' | 'show'): Promise<string | null> {
  const rows = (
    await t.pg.query(`SELECT i.arn FROM ivs_stages i JOIN stages s ON s.id = i.stage_id WHERE s.name = $1 AND i.kind = $2`, [stage, kind])
  ).rows;
  return rows[0]?.arn ?? null;
}

/** The emulator's own record: IVS considers this participant disconnected (its token dead). */
export async function disconnectedAtIvs(t: LiveTestApp, participantId: string): Promise<boolean> {
  const rows = (await t.pg.query(`SELECT disconnected_at FROM ivs_emu_participant_tokens WHERE participant_id = $1`, [participantId])).rows;
  return rows[0]?.disconnected_at != null;
}
