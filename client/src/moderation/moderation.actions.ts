import type { ChatMessage } from '@streamcat/protocol';

/** Something a moderator asked to do, waiting for its reason and confirmation. */
export type ActionRequest =
  | { kind: 'stop-stream'; channel: string }
  | { kind: 'remove-member'; stage: string; memberId: string; displayName: string }
  | { kind: 'close-realtime'; stage: string }
  | { kind: 'delete-message'; channel: string; message: ChatMessage }
  | { kind: 'timeout'; channel: string; username: string }
  | { kind: 'ban'; channel: string; username: string }
  | { kind: 'slow-mode'; channel: string; seconds: number }
  | { kind: 'ban-site'; username: string }
  | { kind: 'unban-site'; username: string };

export interface ActionWording {
  title: string;
  /** One or two sentences: what happens to whom. */
  explanation: string;
  confirmLabel: string;
  tone: 'primary' | 'danger';
  /** The server refuses these without a reason ("say why"). */
  reasonRequired: boolean;
  /** Shown in a toast once done. */
  done: string;
}

export const TIMEOUT_CHOICES = [
  { value: 60, label: '1 minute' },
  { value: 600, label: '10 minutes' },
  { value: 3600, label: '1 hour' },
  { value: 24 * 3600, label: '24 hours' },
  { value: 7 * 24 * 3600, label: '7 days' },
] as const;

export const SLOW_MODE_CHOICES = [
  { value: 0, label: 'Off' },
  { value: 5, label: 'One message every 5 seconds' },
  { value: 15, label: 'One message every 15 seconds' },
  { value: 60, label: 'One message a minute' },
  { value: 300, label: 'One message every 5 minutes' },
] as const;

export function durationLabel(seconds: number): string {
  const known = TIMEOUT_CHOICES.find((c) => c.value === seconds);
  if (known) return known.label;
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

export function describeAction(request: ActionRequest): ActionWording {
  switch (request.kind) {
    case 'stop-stream':
      return {
        title: `Stop ${request.channel}'s stream?`,
        explanation: 'The broadcast ends for every viewer now. Rotating the key as well stops the encoder from reconnecting at once.',
        confirmLabel: 'Stop stream',
        tone: 'danger',
        reasonRequired: true,
        done: `${request.channel}'s stream was stopped.`,
      };
    case 'remove-member':
      return {
        title: `Remove ${request.displayName} from the stage?`,
        explanation: `${request.displayName} is disconnected now and cannot rejoin this show with the same invitation.`,
        confirmLabel: 'Remove',
        tone: 'danger',
        reasonRequired: true,
        done: `${request.displayName} was removed from ${request.stage}'s stage.`,
      };
    case 'close-realtime':
      return {
        title: `Close real-time viewing of ${request.stage}?`,
        explanation: 'Every real-time viewer is disconnected. The host can open it again.',
        confirmLabel: 'Close real-time',
        tone: 'danger',
        reasonRequired: true,
        done: `Real-time viewing of ${request.stage} was closed.`,
      };
    case 'delete-message':
      return {
        title: 'Delete this message?',
        explanation: `“${request.message.text}” from ${request.message.user.username} disappears for everyone and from the replay.`,
        confirmLabel: 'Delete message',
        tone: 'danger',
        reasonRequired: false,
        done: 'The message was deleted.',
      };
    case 'timeout':
      return {
        title: `Time out ${request.username}?`,
        explanation: `${request.username} cannot send chat messages until the time-out ends.`,
        confirmLabel: 'Time out',
        tone: 'danger',
        reasonRequired: true,
        done: `${request.username} is timed out.`,
      };
    case 'ban':
      return {
        title: `Ban ${request.username}?`,
        explanation: `${request.username} cannot send chat messages until someone lifts the ban. It survives reloads, new logins and new tabs.`,
        confirmLabel: 'Ban',
        tone: 'danger',
        reasonRequired: true,
        done: `${request.username} is banned.`,
      };
    case 'slow-mode':
      return {
        title: `Slow mode in ${request.channel}'s chat`,
        explanation: 'Viewers wait between messages; the owner and moderators are exempt.',
        confirmLabel: 'Set slow mode',
        tone: 'primary',
        reasonRequired: false,
        done: `Slow mode updated in ${request.channel}'s chat.`,
      };
    case 'ban-site':
      return {
        title: `Ban ${request.username} from every chat?`,
        explanation: `${request.username} cannot send chat messages anywhere on the site until the ban is lifted (or the time-out ends).`,
        confirmLabel: 'Ban site-wide',
        tone: 'danger',
        reasonRequired: true,
        done: `${request.username} is banned from every chat.`,
      };
    case 'unban-site':
      return {
        title: `Lift ${request.username}'s site-wide ban?`,
        explanation: `${request.username} can chat again wherever no channel ban applies.`,
        confirmLabel: 'Lift ban',
        tone: 'primary',
        reasonRequired: false,
        done: `${request.username}'s site-wide sanctions were lifted.`,
      };
  }
}
