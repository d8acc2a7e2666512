import { execFile } from 'node:child_process';
import { eventually } from '../../test/support/eventually';
import { captureCameraRtp, mediaPublisher } from './support/media-publisher';
import { makeProgramme, openIngest } from './support/programme';
import { seat, join } from './support/studio-client';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * Issue 17, participant recordings: two members publish on the studio stage during a show; the
 * emulator records each one separately (its recorder, through the real SDK's stage settings),
 * the IVS events go through the pipeline, and the broadcast's page lists one recording per
 * member with its duration — to the host all of them, to a member their own, to anyone else none.
 */
const SHOW_SECONDS = 20;

function ffprobeDurationMs(url: string): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', url], (err, out, stderr) =>
      err ? reject(new Error(`ffprobe ${url}: ${stderr}`)) : resolve(Math.round(Number(out.trim()) * 1000)),
    ),
  );
}

describe('participant recordings', () => {
  const t = useTestApp();
  const until = <T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 30_000) => eventually(what, fn, ms, 250);

  it('records two members of a 20 s show separately; the host sees both, each member their own, others none', async () => {
    const rtp = await captureCameraRtp();
    const programme = makeProgramme(SHOW_SECONDS + 6);
    const [host, b, c, stranger] = await Promise.all([register(t.url), register(t.url), register(t.url), register(t.url)]);
    const [hs, bs, cs] = await Promise.all([host, b, c].map((a) => t.open({ token: a.accessToken })));
    const name = host.user.username;
    await join(hs, name);
    await seat(hs, bs, name, b.user.username, 'guest');
    await seat(hs, cs, name, c.user.username, 'guest');

    // The studio stage is made with recording on: the real SDK reads it back from the emulator.
    const [tb, tc] = await Promise.all(
      [b, c].map(async (m) => {
        const res = await call(t.url, 'POST', `/api/stages/${name}/token`, undefined, m.accessToken);
        expect(res.status).toBe(200);
        return res.body.token as string;
      }),
    );

    // The show: the host's programme goes live while both members publish.
    const creds = await call(t.url, 'GET', '/api/me/channel/credentials', undefined, host.accessToken);
    const ingest = await openIngest(t.url, creds.body.streamKey);
    const pushing = ingest.push(programme, SHOW_SECONDS + 6);
    await until(
      'the channel to be live',
      async () => (await t.pg.query('SELECT is_live FROM channels WHERE name = $1', [name])).rows[0]?.is_live,
    );

    const [pb, pc] = await Promise.all([mediaPublisher(t.url, tb, rtp), mediaPublisher(t.url, tc, rtp)]);
    await new Promise((r) => setTimeout(r, SHOW_SECONDS * 1000));
    const truth = await Promise.all([pb, pc].map(async (p) => (await p.leave()) - p.publishedAt));
    await pushing;
    ingest.stop();
    await until(
      'the channel to be offline',
      async () => !(await t.pg.query('SELECT is_live FROM channels WHERE name = $1', [name])).rows[0]?.is_live,
    );
    const vod = (await t.pg.query(`SELECT s.id FROM streams s JOIN channels ch ON ch.id = s.channel_id WHERE ch.name = $1`, [name]))
      .rows[0] as {
      id: string;
    };

    const listFor = (who: { accessToken: string }) =>
      call(t.url, 'GET', `/api/vods/${vod.id}/participant-recordings`, undefined, who.accessToken);
    const all = await until('both recordings to be ready', async () => {
      const res = await listFor(host);
      return res.status === 200 && res.body.recordings.filter((r: { state: string }) => r.state === 'ready').length === 2
        ? res.body.recordings
        : null;
    });
    const byName = new Map(all.map((r: { name: string }) => [r.name, r]));
    const recB = byName.get(b.user.username) as { durationMs: number; mediaUrl: string; mine: boolean };
    const recC = byName.get(c.user.username) as { durationMs: number; mediaUrl: string; mine: boolean };
    expect(recB).toBeDefined();
    expect(recC).toBeDefined();

    console.log(`participant recordings: truth ${truth.join(' / ')} ms, listed ${recB.durationMs} / ${recC.durationMs} ms`);
    expect(Math.abs(recB.durationMs - truth[0])).toBeLessThanOrEqual(2_000);
    expect(Math.abs(recC.durationMs - truth[1])).toBeLessThanOrEqual(2_000);
    expect(recB.mine).toBe(false);

    // Each file is complete media of about the same length (test apps listen on a random port: fetch the same path here).
    for (const [rec, truthMs] of [
      [recB, truth[0]],
      [recC, truth[1]],
    ] as const) {
      expect(rec.mediaUrl).toMatch(/\/_ivs\/recordings\/[A-Za-z0-9]+\/st-[A-Za-z0-9]+\/[A-Za-z0-9_-]+\/\d+\/media\/webm\/recording\.webm$/);
      const local = new URL(new URL(rec.mediaUrl).pathname, t.url).toString();
      const fileMs = await ffprobeDurationMs(local);

      console.log(`participant recording file: ${fileMs} ms (truth ${truthMs} ms)`);
      expect(Math.abs(fileMs - truthMs)).toBeLessThanOrEqual(2_000);
    }

    // A member sees only their own; a stranger is told why not; nobody logged out gets anything.
    const own = await listFor(b);
    expect(own.status).toBe(200);
    expect(own.body.recordings.map((r: { name: string; mine: boolean }) => [r.name, r.mine])).toEqual([[b.user.username, true]]);
    const refused = await listFor(stranger);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/only the broadcast's host and each member/);
    const anonymous = await call(t.url, 'GET', `/api/vods/${vod.id}/participant-recordings`);
    expect(anonymous.status).toBe(401);

    // Each recording's Start and End went through the pipeline once.
    const ledger = await t.pg.query(
      `SELECT name, count(*)::int AS n FROM ivs_events WHERE detail_type = 'IVS Participant Recording State Change' AND resource_arn IN
         (SELECT arn FROM ivs_stages WHERE stage_id = (SELECT id FROM stages WHERE name = $1)) GROUP BY name ORDER BY name`,
      [name],
    );
    expect(ledger.rows).toEqual([
      { name: 'Recording End', n: 2 },
      { name: 'Recording Start', n: 2 },
    ]);
  }, 180_000);
});
