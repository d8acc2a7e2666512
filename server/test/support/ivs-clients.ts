import { IvsClient } from '@aws-sdk/client-ivs';
import { IVSRealTimeClient } from '@aws-sdk/client-ivs-realtime';
import type { AppConfig } from '../../src/config/config';

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
