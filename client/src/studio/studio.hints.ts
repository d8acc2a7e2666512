import type { MemberRole } from '@streamcat/protocol/studio';

/**
 * The studio's words about the programme, by what the reader can do: hosts and co-hosts put
 * people on air from their tiles; guests cannot, so they are told who can and where they stand.
 */
export interface HintInput {
  /** The reader's role in the studio (null while their seat is not known yet). */
  role: MemberRole | null;
  /** How many members are on air. */
  onAir: number;
  /** Whether the reader is one of them. */
  meOnAir: boolean;
}

const directs = (role: MemberRole | null) => role === 'host' || role === 'cohost';

/** The line under the programme preview. */
export function programmeCaption({ role, onAir, meOnAir }: HintInput): string {
  if (onAir === 0) return emptyProgramme({ role, onAir, meOnAir }).title;
  const count = `${onAir} on air`;
  if (directs(role)) return count;
  return meOnAir ? `${count} · You are on air` : `${count} · You are backstage: the host puts you on air when it is your turn.`;
}

/**
 * What the empty preview says over its picture. Only the studio shows it: viewers of an empty
 * programme see its background (and banner), never the studio's instructions.
 */
export function emptyProgramme({ role }: HintInput): { title: string; detail: string } {
  if (directs(role)) {
    return {
      title: 'Nobody on air yet',
      detail: 'Put yourself on air with “Put on air” on your tile below, then add guests the same way.',
    };
  }
  return {
    title: 'Nobody on air yet',
    detail: 'The host puts people on air. Until then, viewers see this background.',
  };
}
