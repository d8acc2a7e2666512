/** Route meta this app uses; declared here so the guard and the route table agree. */
export interface AccessMeta {
  /** Only for someone with a session; others are sent to login and brought back after. */
  requiresSession?: boolean;
  /** Login / register: someone already signed in goes to their channel instead. */
  guestOnly?: boolean;
}

export type GuardTarget = { fullPath: string; meta: AccessMeta };
export type GuardDecision = true | { name: 'login'; query: { redirect: string } } | { path: string };

export const HOME_AFTER_LOGIN = '/me/channel';

/** Decides a navigation from the route's meta and whether a session exists. */
export function decideNavigation(to: GuardTarget, hasSession: boolean): GuardDecision {
  if (to.meta.requiresSession && !hasSession) return { name: 'login', query: { redirect: to.fullPath } };
  if (to.meta.guestOnly && hasSession) return { path: HOME_AFTER_LOGIN };
  return true;
}

/**
 * Where to go after logging in: only paths inside this app, so a crafted
 * `?redirect=//evil.example` link cannot send someone off-site.
 */
export function safeRedirect(target: unknown, fallback = HOME_AFTER_LOGIN): string {
  if (typeof target !== 'string') return fallback;
  if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return fallback;
  if (/^\/(login|register)(?=$|[/?#])/.test(target)) return fallback;
  return target;
}
