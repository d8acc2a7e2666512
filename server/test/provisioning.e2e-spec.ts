import { ListChannelsCommand } from '@aws-sdk/client-ivs';
import { ListStagesCommand } from '@aws-sdk/client-ivs-realtime';
import { OrphanSweeperService } from '../src/accounts/orphan-sweeper.service';
import { AppError } from '../src/http/app-error';
import { MediaProvider } from '../src/media/media-provider';
import { ivsClients } from './support/ivs-clients';
import { call, uniqueName } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * Sign-up creates an IVS channel and the rows; the studio's IVS stage comes later, on first
 * need. A failure at any step must leave nothing behind (neither rows nor provider
 * resources), and a retry must succeed.
 */
describe('sign-up provisioning is all-or-nothing', () => {
  const t = useTestApp();
  const { pg } = t;
  let media: MediaProvider;
  const ivs = () => ivsClients(t);

  beforeAll(() => {
    media = t.app.get(MediaProvider);
  });
  afterEach(() => jest.restoreAllMocks());

  const providerDown = () => new AppError('media/provider-unavailable');

  async function channelsNamed(name: string) {
    const out = await ivs().channels.send(new ListChannelsCommand({ filterByName: name }));
    return (out.channels ?? []).filter((c) => c.name === name);
  }
  async function stagesNamed(name: string) {
    const out = await ivs().realtime.send(new ListStagesCommand({ maxResults: 100 }));
    return (out.stages ?? []).filter((s) => s.name === name);
  }
  async function usersNamed(name: string): Promise<number> {
    const r = await pg.query('SELECT count(*)::int AS n FROM users WHERE username = $1', [name]);
    return r.rows[0].n;
  }
  const signUp = (username: string) => call(t.url, 'POST', '/api/auth/register', { username, password: 'provision-me-1' });

  it('step 1 fails (create channel): nothing is created, and a retry succeeds without making a stage', async () => {
    const name = uniqueName('p1');
    jest.spyOn(media, 'createChannel').mockRejectedValueOnce(providerDown());
    const res = await signUp(name);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('signup/provisioning-failed');
    expect(await usersNamed(name)).toBe(0);
    expect(await channelsNamed(name)).toHaveLength(0);

    expect((await signUp(name)).status).toBe(201);
    expect(await channelsNamed(name)).toHaveLength(1);
    expect(await stagesNamed(name)).toHaveLength(0);
  });

  it('step 2 fails (database rows): the channel is deleted again', async () => {
    const name = uniqueName('p2');
    // A real database failure: the studio row violates a constraint added for this test.
    await pg.query(`ALTER TABLE stages ADD CONSTRAINT test_block_${name} CHECK (name <> '${name}')`);
    const res = await signUp(name);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('server/internal');
    expect(JSON.stringify(res.body)).not.toMatch(/constraint|stack|at /i);
    expect(await usersNamed(name)).toBe(0);
    expect(await channelsNamed(name)).toHaveLength(0);

    await pg.query(`ALTER TABLE stages DROP CONSTRAINT test_block_${name}`);
    expect((await signUp(name)).status).toBe(201);
  });

  it('when the clean-up itself fails, the resource is queued and the sweeper deletes it later', async () => {
    const name = uniqueName('p4');
    await pg.query(`ALTER TABLE stages ADD CONSTRAINT test_block_${name} CHECK (name <> '${name}')`);
    jest.spyOn(media, 'deleteChannel').mockRejectedValueOnce(providerDown());
    expect((await signUp(name)).status).toBe(500);
    await pg.query(`ALTER TABLE stages DROP CONSTRAINT test_block_${name}`);
    const [orphan] = await channelsNamed(name);
    expect(orphan).toBeDefined();
    const queued = await pg.query('SELECT kind, arn FROM orphaned_media_resources WHERE arn = $1', [orphan.arn]);
    expect(queued.rows).toEqual([{ kind: 'channel', arn: orphan.arn }]);

    jest.restoreAllMocks();
    expect(await t.app.get(OrphanSweeperService).sweep()).toBeGreaterThanOrEqual(1);
    expect(await channelsNamed(name)).toHaveLength(0);
    expect((await pg.query('SELECT 1 FROM orphaned_media_resources WHERE arn = $1', [orphan.arn])).rowCount).toBe(0);
  });

  it('two simultaneous sign-ups for one name: one account, no orphaned resources', async () => {
    const name = uniqueName('p5');
    const results = await Promise.all([signUp(name), signUp(name.toUpperCase())]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await usersNamed(name)).toBe(1);
    expect(await channelsNamed(name)).toHaveLength(1);
    expect(await stagesNamed(name)).toHaveLength(0);
  });
});
