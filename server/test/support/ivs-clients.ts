import { randomBytes } from 'node:crypto';
import { DeleteChannelCommand, IvsClient, ListChannelsCommand } from '@aws-sdk/client-ivs';
import { DeleteStageCommand, IVSRealTimeClient, ListStagesCommand } from '@aws-sdk/client-ivs-realtime';
import type { AppConfig } from '../../src/config/config';
import { IvsMediaProvider } from '../../src/media/ivs-media.provider';
import { MediaProvider } from '../../src/media/media-provider';
import { LiveTestApp, useTestApp } from './use-test-app';

/**
 * The real AWS SDK clients pointed at a test server's embedded emulator, signing with the
 * access key that server was started with (the emulator refuses any other).
 */
export function ivsClients(t: { url: string; config: AppConfig }) {
  const credentials = t.config.ivsEmulatorCredentials;
  if (!credentials) throw new Error('ivsClients needs a server in local mode');
  const common = { region: t.config.awsRegion, credentials, maxAttempts: 1 };
  return {
    channels: new IvsClient({ ...common, endpoint: `${t.url}/_ivs/channels` }),
    realtime: new IVSRealTimeClient({ ...common, endpoint: `${t.url}/_ivs/realtime` }),
  };
}

/** Where the MediaProvider contract suite runs: the embedded emulator (npm test) or Amazon IVS (npm run test:aws). */
export type ContractTarget = { kind: 'emulator' } | { kind: 'aws'; region: string };

/** `npm run test:aws` sets MEDIA_CONTRACT_TARGET=aws (and has checked there are credentials); anything else is the emulator. */
export function contractTarget(env: NodeJS.ProcessEnv = process.env): ContractTarget {
  if (env.MEDIA_CONTRACT_TARGET !== 'aws') return { kind: 'emulator' };
  if (!env.AWS_REGION) throw new Error('MEDIA_CONTRACT_TARGET=aws needs AWS_REGION (the region to create the test resources in)');
  return { kind: 'aws', region: env.AWS_REGION };
}

/** Tag on every resource the suite creates; its value starts with the run's start time, for the sweep. */
export const CONTRACT_TAG = 'streamcat-contract';
/** Resources of a run older than this were left by a run that died before its cleanup. */
const LEFTOVER_AFTER_MS = 60 * 60_000;

export interface MediaContract {
  readonly target: ContractTarget;
  readonly region: string;
  /** The provider under test: the server's own in local mode, an IvsMediaProvider on the default credential chain on AWS. */
  readonly media: MediaProvider;
  /** SDK clients on the same IVS, for checks the provider does not expose (e.g. ListStreamKeys). */
  readonly clients: { channels: IvsClient; realtime: IVSRealTimeClient };
  /** The local server, on the emulator target only. */
  readonly local: LiveTestApp | undefined;
  /** Tags that mark a resource as this run's. */
  readonly tags: Record<string, string>;
  /** A resource name unique to this run (IVS names: letters, digits, - and _). */
  name(what: string): string;
  /** Remembers a created resource so it is deleted after the suite, whatever happened. */
  created<T extends { arn: string }>(resource: T): T;
}

/**
 * The MediaProvider contract for a `describe` block: one provider against the emulator or Amazon
 * IVS, with unique names, a tag, and cleanup in `afterAll` (which fails the run, naming what it
 * could not delete). On AWS, resources tagged by a run that died more than an hour ago are
 * deleted first.
 */
export function useMediaContract(): MediaContract {
  const target = contractTarget();
  const run = `${Date.now()}-${randomBytes(3).toString('hex')}`;
  const arns: string[] = [];
  let counter = 0;
  let media: MediaProvider | undefined;
  let clients: MediaContract['clients'] | undefined;

  // Jest runs afterAll hooks in the order declared: this cleanup must come before the test server's close.
  afterAll(async () => {
    const failures: string[] = [];
    for (const arn of arns.splice(0).reverse()) {
      try {
        if (arn.includes(':stage/')) await media!.deleteStage(arn);
        else await media!.deleteChannel(arn);
      } catch (err) {
        failures.push(`${arn}: ${(err as Error).message}`);
      }
    }
    clients?.channels.destroy();
    clients?.realtime.destroy();
    if (failures.length) throw new Error(`Contract suite could not delete (delete them by hand):\n${failures.join('\n')}`);
  });

  const local = target.kind === 'emulator' ? useTestApp() : undefined;
  beforeAll(async () => {
    if (local) {
      media = local.app.get(MediaProvider);
      clients = ivsClients(local);
    } else if (target.kind === 'aws') {
      media = new IvsMediaProvider({ region: target.region, channelType: 'BASIC' });
      clients = { channels: new IvsClient({ region: target.region }), realtime: new IVSRealTimeClient({ region: target.region }) };
      await sweepLeftovers(clients, Date.now());
    }
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the contract target is not set up yet (use it in a test or a later hook)');
    return value;
  };
  return {
    target,
    region: target.kind === 'aws' ? target.region : 'us-east-1',
    get media() {
      return ready(media);
    },
    get clients() {
      return ready(clients);
    },
    local,
    tags: { [CONTRACT_TAG]: run },
    name: (what) => `sc-contract-${run}-${what}-${++counter}`,
    created: (resource) => {
      arns.push(resource.arn);
      return resource;
    },
  };
}

/** Deletes stages and channels a contract run tagged more than an hour before `now` (that run never cleaned up). */
async function sweepLeftovers(clients: MediaContract['clients'], now: number): Promise<void> {
  const stale = (tags: Record<string, string> | undefined) => {
    const started = Number(tags?.[CONTRACT_TAG]?.split('-')[0]);
    return Number.isFinite(started) && now - started > LEFTOVER_AFTER_MS;
  };
  let stageToken: string | undefined;
  do {
    const page = await clients.realtime.send(new ListStagesCommand({ maxResults: 100, nextToken: stageToken }));
    for (const s of page.stages ?? []) if (stale(s.tags)) await clients.realtime.send(new DeleteStageCommand({ arn: s.arn }));
    stageToken = page.nextToken;
  } while (stageToken);
  let channelToken: string | undefined;
  do {
    const page = await clients.channels.send(new ListChannelsCommand({ maxResults: 100, nextToken: channelToken }));
    for (const c of page.channels ?? []) if (stale(c.tags)) await clients.channels.send(new DeleteChannelCommand({ arn: c.arn }));
    channelToken = page.nextToken;
  } while (channelToken);
}
