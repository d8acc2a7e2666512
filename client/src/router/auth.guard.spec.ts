import { describe, expect, test } from '@jest/globals';
import { decideNavigation, safeRedirect } from './auth.guard';

describe('decideNavigation', () => {
  const myChannel = { fullPath: '/me/channel?tab=keys', meta: { requiresSession: true } };
  const login = { fullPath: '/login', meta: { guestOnly: true } };

  test('sends a visitor without a session to login, remembering where they wanted to go', () => {
    expect(decideNavigation(myChannel, false)).toEqual({ name: 'login', query: { redirect: '/me/channel?tab=keys' } });
  });

  test('lets a signed-in person through to their channel', () => {
    expect(decideNavigation(myChannel, true)).toBe(true);
  });

  test('sends a signed-in person away from the login page', () => {
    expect(decideNavigation(login, true)).toEqual({ path: '/me/channel' });
    expect(decideNavigation(login, false)).toBe(true);
  });
});

describe('safeRedirect', () => {
  test.each([
    ['/me/channel', '/me/channel'],
    ['/vod/42?t=10', '/vod/42?t=10'],
    ['//evil.example/x', '/me/channel'],
    ['/\\evil.example', '/me/channel'],
    ['https://evil.example', '/me/channel'],
    ['/login?redirect=/x', '/me/channel'],
    ['/register', '/me/channel'],
    [undefined, '/me/channel'],
    [['/a', '/b'], '/me/channel'],
  ])('%j → %j', (target, expected) => {
    expect(safeRedirect(target)).toBe(expected);
  });

  test('a channel whose name starts with "login" is not mistaken for the login page', () => {
    expect(safeRedirect('/loginlover')).toBe('/loginlover');
  });
});
