import { RESERVED_USERNAMES } from '@streamcat/protocol/usernames';

/**
 * Sign-up and login field rules, checked as people type. The server checks the same
 * rules again; these exist so a mistake is shown before a round trip.
 */
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/** What the username box should hold after a keystroke: lower-case, no spaces around. */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Returns the sentence to show under the field, or null when the username is acceptable. */
export function usernameProblem(username: string, { forSignup }: { forSignup: boolean }): string | null {
  if (username.length === 0) return 'Enter a username.';
  if (!forSignup) return null;
  if (username.length < USERNAME_MIN) return `Usernames are at least ${USERNAME_MIN} characters long.`;
  if (username.length > USERNAME_MAX) return `Usernames are at most ${USERNAME_MAX} characters long.`;
  if (!/^[a-z0-9_-]+$/.test(username)) {
    return 'Use only lower-case letters, digits, “_” and “-”.';
  }
  if (RESERVED_USERNAMES.has(username)) return 'That name is reserved. Please choose another.';
  return null;
}

export function passwordProblem(password: string, { forSignup }: { forSignup: boolean }): string | null {
  if (password.length === 0) return 'Enter a password.';
  if (!forSignup) return null;
  if (password.length < PASSWORD_MIN) return `Passwords are at least ${PASSWORD_MIN} characters long.`;
  if (password.length > PASSWORD_MAX) return `Passwords are at most ${PASSWORD_MAX} characters long.`;
  return null;
}
