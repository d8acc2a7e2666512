import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import { api } from '../services/api';
import type { AuthResponse, MeResponse, PublicUser } from '@streamcat/protocol';
import { browserStorage, readSession, writeSession } from './session.storage';

/**
 * Who is signed in. The token and user survive reloads (localStorage); any 401 on an
 * authenticated call ends the session through `expire`, and `onExpired` listeners (the app
 * shell) send the person to the login page with a "session expired" notice.
 */
export const useSessionStore = defineStore('session', () => {
  const storage = browserStorage();
  const remembered = readSession(storage);

  const token = ref<string | null>(remembered?.accessToken ?? null);
  const user = ref<PublicUser | null>(remembered?.user ?? null);
  const isAuthenticated = computed(() => token.value !== null);

  const expiryListeners = new Set<() => void>();

  api.setToken(token.value);
  api.onUnauthorized(() => expire());

  function begin(auth: AuthResponse): void {
    token.value = auth.accessToken;
    user.value = auth.user;
    api.setToken(auth.accessToken);
    writeSession(storage, auth);
  }

  function end(): void {
    token.value = null;
    user.value = null;
    api.setToken(null);
    writeSession(storage, null);
  }

  async function register(username: string, password: string): Promise<void> {
    begin(await api.register(username, password));
  }

  async function login(username: string, password: string): Promise<void> {
    begin(await api.login(username, password));
  }

  /** The person chose to leave. */
  function logout(): void {
    end();
  }

  /** The server rejected our token: end the session and let the shell tell the person why. */
  function expire(): void {
    end();
    for (const listener of expiryListeners) listener();
  }

  /** The server says who we are now (e.g. a new role): same login, updated user. */
  function adopt(next: PublicUser): void {
    if (!token.value || user.value?.id !== next.id) return;
    user.value = next;
    writeSession(storage, { accessToken: token.value, user: next });
  }

  /** Subscribe to "the session expired" (not to logout); returns the unsubscribe. */
  function onExpired(listener: () => void): () => void {
    expiryListeners.add(listener);
    return () => expiryListeners.delete(listener);
  }

  /** Fetches the signed-in user with their channel and stage, refreshing the remembered user. */
  async function loadMe(): Promise<MeResponse> {
    const me = await api.me();
    if (token.value) {
      user.value = me.user;
      writeSession(storage, { accessToken: token.value, user: me.user });
    }
    return me;
  }

  return {
    token: readonly(token),
    user: readonly(user),
    isAuthenticated,
    register,
    login,
    logout,
    expire,
    adopt,
    onExpired,
    loadMe,
  };
});
