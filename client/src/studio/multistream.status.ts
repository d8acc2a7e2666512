import type { MultistreamStatus } from '@streamcat/protocol/multistream';

/** What the studio says about one destination's relay: a short label, a badge tone, and the why when it fails. */
export function multistreamLine(
  s: MultistreamStatus,
  enabled: boolean,
  now: Date,
): { label: string; tone: 'live' | 'neutral' | 'accent' | 'success'; detail: string | null } {
  if (!enabled) return { label: 'Off', tone: 'neutral', detail: null };
  switch (s.state) {
    case 'idle':
      return { label: 'Ready', tone: 'neutral', detail: 'Starts when you go live.' };
    case 'connecting':
      return { label: 'Connecting', tone: 'accent', detail: s.reason ? `Last attempt failed: ${s.reason}` : null };
    case 'live':
      return { label: 'Live', tone: 'live', detail: null };
    case 'retrying': {
      const inS = s.retryAt ? Math.max(0, Math.ceil((Date.parse(s.retryAt) - now.getTime()) / 1000)) : null;
      const when = inS === null ? '' : inS === 0 ? ' — retrying now' : ` — retrying in ${inS} s`;
      return { label: 'Failed', tone: 'accent', detail: `${s.reason ?? 'The relay stopped.'}${when}` };
    }
  }
}
