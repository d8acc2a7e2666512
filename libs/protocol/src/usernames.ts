/**
 * A username is also its channel's address (`/<channel>`), so it must not shadow an app
 * page or a server path. Kept free of zod so the client can import it cheaply.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  '_ivs',
  'admin',
  'api',
  'assets',
  'category',
  'docs',
  'join',
  'live',
  'login',
  'logout',
  'me',
  'moderation',
  'register',
  'settings',
  'signup',
  'socket-io',
  'studio',
  'vod',
]);
