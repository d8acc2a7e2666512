import { defineStore } from 'pinia';
import { readonly, ref, watch } from 'vue';
import { RealtimeClient, type ConnectionState } from '../services/realtime';
import { useSessionStore } from './session.store';

/**
 * The app's single realtime connection and its state (for the reconnecting banner).
 * It reconnects with the current login whenever the person logs in or out; an invite-link
 * guest sets a guest token instead. Feature stores call `client()` and register resync
 * hooks with `client().onReconnect`.
 */
export const useRealtimeStore = defineStore('realtime', () => {
  const session = useSessionStore();
  const state = ref<ConnectionState>('idle');
  const detail = ref<string | null>(null);
  const guestToken = ref<string | null>(null);

  const realtime = new RealtimeClient({
    auth: () => (guestToken.value ? { guestToken: guestToken.value } : session.token ? { token: session.token } : {}),
    onState: (s, d) => {
      state.value = s;
      detail.value = d ?? null;
    },
    // An expired or deleted login ends the session (the shell sends the person to log in); a new
    // role is adopted while the client reconnects with the same login.
    onSessionEnded: (e) => {
      if (e.reason === 'role-changed' && e.user) session.adopt(e.user);
      else if (e.reason !== 'role-changed') session.expire();
    },
  });

  function client(): RealtimeClient {
    if (realtime.connectionState === 'idle') realtime.connect();
    return realtime;
  }

  /** Invite-link guests have no account: their socket authenticates with a guest token. */
  function useGuestToken(token: string | null): void {
    guestToken.value = token;
    reconnect();
  }

  function reconnect(): void {
    if (realtime.connectionState === 'idle') return;
    realtime.disconnect();
    realtime.connect();
  }

  // A new login (or logout) must not keep talking as the previous identity.
  watch(
    () => session.token,
    () => reconnect(),
  );

  return { state: readonly(state), detail: readonly(detail), client, useGuestToken, reconnect };
});
