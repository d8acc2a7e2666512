import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Account, call } from './test-app';
import type { TestSql } from './use-test-app';

/** The recorded IVS sample events (EventBridge envelopes), one file per event kind. */
const FIXTURES = resolve(__dirname, '../../../libs/ivs-events/fixtures');
/** The channel and stage the samples were recorded on. */
export const FIXTURE_CHANNEL = 'arn:aws:ivs:us-east-1:123456789012:channel/AbCdef1G2hij';
export const FIXTURE_STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/XyZabc3D4efg';

export type Envelope = Record<string, any>;

/** The samples of one whole broadcast, in the order IVS sends them. */
export const BROADCAST_SAMPLES = [
  'session-created',
  'stream-start',
  'recording-start',
  'stage-participant-published',
  'starvation-start',
  'starvation-end',
  'stage-participant-unpublished',
  'stream-end',
  'recording-end',
  'session-ended',
] as const;

/** A user's channel and stage as the events name them. */
export interface TestChannel {
  id: string;
  arn: string;
  name: string;
  stageId: string;
  stageArn: string;
}

/** A sample event, re-targeted to `target`'s channel and stage when given. */
export function fixture(name: string, target?: { arn: string; stageArn?: string }): Envelope {
  let text = readFileSync(resolve(FIXTURES, `${name}.json`), 'utf8');
  if (target) text = text.split(FIXTURE_CHANNEL).join(target.arn);
  if (target?.stageArn) text = text.split(FIXTURE_STAGE).join(target.stageArn);
  return JSON.parse(text) as Envelope;
}

/**
 * A signed-up user's channel and their studio's IVS stage. The stage is made here the way the
 * app makes it, on first need (the owner's participant token): sign-up creates none.
 */
export async function channelOf(pg: TestSql, base: string, account: Account): Promise<TestChannel> {
  const token = await call(base, 'POST', `/api/stages/${account.user.username}/token`, undefined, account.accessToken);
  if (token.status !== 200) throw new Error(`owner token: ${token.status} ${JSON.stringify(token.body)}`);
  const { rows } = await pg.query(
    `SELECT c.id, c.arn, c.name, s.id AS stage_id, i.arn AS stage_arn
       FROM channels c JOIN stages s ON s.user_id = c.user_id JOIN ivs_stages i ON i.stage_id = s.id AND i.kind = 'studio'
      WHERE c.user_id = $1`,
    [account.user.id],
  );
  const r = rows[0];
  return { id: r.id, arn: r.arn, name: r.name, stageId: r.stage_id, stageArn: r.stage_arn };
}
