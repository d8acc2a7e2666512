import { PATH_METADATA } from '@nestjs/common/constants';
import { IvsChannelsController } from '../channels/channels.controller';
import { IvsCompositionsController } from '../compositions/compositions.controller';
import { IvsRealtimeController } from '../stages/stages.controller';
import { operationOfPath } from './call-limits.middleware';
import { IVS_OPERATION_RATES } from './emulator-limits';

/** The operation names a controller routes (`@Post('CreateStage')`), read from Nest's route metadata. */
function routedOperations(controller: Function): string[] {
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .map((key) => Reflect.getMetadata(PATH_METADATA, proto[key] as object) as string | undefined)
    .filter((path): path is string => typeof path === 'string' && /^[A-Z]\w+$/.test(path));
}

describe('call limits', () => {
  it('has a rate for every operation the controllers answer, under the right API', () => {
    const routed = [
      ...routedOperations(IvsChannelsController).map((op) => [op, 'channels']),
      ...routedOperations(IvsRealtimeController).map((op) => [op, 'realtime']),
      ...routedOperations(IvsCompositionsController).map((op) => [op, 'realtime']),
    ];
    expect(routed.length).toBeGreaterThanOrEqual(17);
    expect(routed.sort()).toEqual(
      Object.entries(IVS_OPERATION_RATES)
        .map(([op, r]) => [op, r.api])
        .sort(),
    );
  });

  it('reads the operation from the request path, only under its own API', () => {
    expect(operationOfPath('/_ivs/realtime/CreateStage')).toBe('CreateStage');
    expect(operationOfPath('/_ivs/channels/GetStream?x=1')).toBe('GetStream');
    expect(operationOfPath('/_ivs/channels/CreateStage')).toBeUndefined();
    expect(operationOfPath('/_ivs/realtime/TagResource')).toBeUndefined();
    expect(operationOfPath('/_ivs/realtime/tags/arn%3Aaws')).toBeUndefined();
    expect(operationOfPath('/_ivs/realtime/constructor')).toBeUndefined();
  });
});
