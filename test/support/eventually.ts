/**
 * Polls `check` until it returns something truthy and resolves with that, or fails after
 * `timeoutMs` naming `what`. For effects that happen after an answer (a push handled on
 * another node, a call made once a transaction commits): wait for the effect, never a fixed time.
 */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 5_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
