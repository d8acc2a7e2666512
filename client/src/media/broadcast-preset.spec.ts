import { describe, expect, it } from '@jest/globals';
import { ChannelType } from '@streamcat/protocol';
import { broadcastPreset } from './broadcast-preset';

describe('broadcastPreset', () => {
  it('sends 480p to a BASIC channel and 1080p to every other type', () => {
    expect(Object.fromEntries(ChannelType.options.map((t) => [t, broadcastPreset(t)]))).toEqual({
      BASIC: 'BASIC_LANDSCAPE',
      STANDARD: 'STANDARD_LANDSCAPE',
      ADVANCED_SD: 'STANDARD_LANDSCAPE',
      ADVANCED_HD: 'STANDARD_LANDSCAPE',
    });
  });
});
