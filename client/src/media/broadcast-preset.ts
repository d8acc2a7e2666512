import type { ChannelType } from '@streamcat/protocol';

/** The IVS Web Broadcast SDK's landscape presets we use. */
export type BroadcastPreset = 'BASIC_LANDSCAPE' | 'STANDARD_LANDSCAPE';

/**
 * What the browser encoder sends, from the channel's type. IVS refuses input above a channel's
 * limits: a BASIC channel takes up to 480p at 1.5 Mbps (the SDK's BASIC preset, 852×480),
 * STANDARD and the ADVANCED types up to 1080p (STANDARD preset, 1920×1080 at 30 fps).
 */
export function broadcastPreset(type: ChannelType): BroadcastPreset {
  return type === 'BASIC' ? 'BASIC_LANDSCAPE' : 'STANDARD_LANDSCAPE';
}
