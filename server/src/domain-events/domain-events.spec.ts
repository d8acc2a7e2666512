import { Logger } from '@nestjs/common';
import { DomainEvents } from './domain-events';

describe('DomainEvents', () => {
  const at = new Date('2026-11-20T18:05:01Z');

  it('delivers published facts in order to current subscribers only', () => {
    const bus = new DomainEvents();
    const seen: string[] = [];
    const off = bus.on('channel.live', (e) => seen.push(`live ${e.streamId}`));
    bus.on('channel.offline', (e) => seen.push(`offline ${e.streamId}`));
    bus.publish([
      { name: 'channel.live', payload: { channelId: 'c', channelArn: 'a', streamId: 's1', at } },
      { name: 'channel.offline', payload: { channelId: 'c', channelArn: 'a', streamId: 's1', at, cause: 'event' } },
    ]);
    off();
    bus.emit('channel.live', { channelId: 'c', channelArn: 'a', streamId: 's2', at });
    expect(seen).toEqual(['live s1', 'offline s1']);
  });

  it('keeps delivering to the other listeners when one throws', () => {
    const bus = new DomainEvents();
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const seen: string[] = [];
    bus.on('channel.live', () => {
      throw new Error('boom');
    });
    bus.on('channel.live', (e) => seen.push(e.streamId));
    expect(() => bus.emit('channel.live', { channelId: 'c', channelArn: 'a', streamId: 's1', at })).not.toThrow();
    expect(seen).toEqual(['s1']);
    spy.mockRestore();
  });
});
