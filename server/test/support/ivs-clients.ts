import { IvsClient } from '@aws-sdk/client-ivs';
import { IVSRealTimeClient } from '@aws-sdk/client-ivs-realtime';

/** The real AWS SDK clients pointed at a test server's embedded emulator. */
export function ivsClients(baseUrl: string) {
  const common = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  return {
    channels: new IvsClient({ ...common, endpoint: `${baseUrl}/_ivs/channels` }),
    realtime: new IVSRealTimeClient({ ...common, endpoint: `${baseUrl}/_ivs/realtime` }),
  };
}
