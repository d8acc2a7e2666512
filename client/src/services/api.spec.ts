import { describe, expect, jest, test } from '@jest/globals';
import { ApiClient, ApiError, fieldErrors, toApiError, type FetchLike } from './api';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('toApiError', () => {
  test('keeps the server code, sentence and field details', () => {
    const error = toApiError(400, {
      error: { code: 'request/invalid', message: 'The request is not valid.', details: [{ path: 'username', message: 'Too short.' }] },
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'request/invalid', message: 'The request is not valid.' });
    expect(error.details).toEqual([{ path: 'username', message: 'Too short.' }]);
  });

  test('falls back to the catalogue sentence when the server sends a code without a message', () => {
    const error = toApiError(429, { error: { code: 'request/rate-limited' } });
    expect(error.message).toBe('Too many attempts. Please wait a moment and try again.');
  });

  test('turns a non-JSON gateway failure into a readable sentence', () => {
    const error = toApiError(502, undefined);
    expect(error.code).toBe('server/unavailable');
    expect(error.message).toMatch(/unavailable/);
  });

  test('drops malformed details instead of showing garbage beside a field', () => {
    const error = toApiError(400, {
      error: { code: 'request/invalid', message: 'Bad.', details: [{ path: 3 }, 'x', { path: 'title', message: 'Too long.' }] },
    });
    expect(error.details).toEqual([{ path: 'title', message: 'Too long.' }]);
  });
});

describe('fieldErrors', () => {
  test('maps nested and pointer-style paths to the field name, first message wins', () => {
    expect(
      fieldErrors([
        { path: 'body.username', message: 'Taken.' },
        { path: '/password', message: 'Too short.' },
        { path: 'username', message: 'Second message.' },
      ]),
    ).toEqual({ username: 'Taken.', password: 'Too short.' });
  });

  test('turns schema fragments into sentences to show under the field', () => {
    expect(fieldErrors([{ path: 'password', message: 'must be at least 8 characters' }])).toEqual({
      password: 'Must be at least 8 characters.',
    });
  });
});

describe('ApiClient', () => {
  test('sends the bearer token on authenticated calls but not on login', async () => {
    const fetch = jest.fn<FetchLike>(async () => jsonResponse(200, {}));
    const client = new ApiClient('', fetch);
    client.setToken('tok');

    await client.me();
    await client.login('ann', 'password1');

    const [, meInit] = fetch.mock.calls[0]!;
    const [loginUrl, loginInit] = fetch.mock.calls[1]!;
    expect((meInit.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(loginUrl).toBe('/api/auth/login');
    expect((loginInit.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(JSON.parse(loginInit.body as string)).toEqual({ username: 'ann', password: 'password1' });
  });

  test('a 401 on an authenticated call reports the session as over; a 401 from login does not', async () => {
    const fetch = jest.fn<FetchLike>(async () =>
      jsonResponse(401, { error: { code: 'auth/invalid-token', message: 'Your session has expired.' } }),
    );
    const client = new ApiClient('', fetch);
    const unauthorized = jest.fn();
    client.onUnauthorized(unauthorized);

    await expect(client.login('ann', 'wrong-password')).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).not.toHaveBeenCalled();

    client.setToken('tok');
    await expect(client.me()).rejects.toMatchObject({ code: 'auth/invalid-token' });
    expect(unauthorized).toHaveBeenCalledTimes(1);
  });

  test('a late 401 for a token that was already replaced does not end the new session', async () => {
    let respond!: (r: Response) => void;
    const fetch = jest.fn<FetchLike>(() => new Promise<Response>((resolve) => (respond = resolve)));
    const client = new ApiClient('', fetch);
    const unauthorized = jest.fn();
    client.onUnauthorized(unauthorized);
    client.setToken('old');

    const pending = client.me();
    client.setToken('new');
    respond(jsonResponse(401, { error: { code: 'auth/invalid-token', message: 'Expired.' } }));

    await expect(pending).rejects.toBeInstanceOf(ApiError);
    expect(unauthorized).not.toHaveBeenCalled();
  });

  test('a network failure becomes an ApiError with a sentence, not a TypeError', async () => {
    const client = new ApiClient('', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(client.categories()).rejects.toMatchObject({
      status: 0,
      message: expect.stringMatching(/could not reach/i),
    });
  });

  test('a 429 carries the Retry-After wait the server asked for; junk or a date is ignored', async () => {
    const refused = (retryAfter: string | null) =>
      new ApiClient('', async () => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (retryAfter !== null) headers['Retry-After'] = retryAfter;
        const body = {
          error: {
            code: 'request/rate-limited',
            message: 'Too many viewers from your network joining right now. Try again in 42 seconds.',
          },
        };
        return new Response(JSON.stringify(body), { status: 429, headers });
      }).stageViewerToken('ann');
    await expect(refused('42')).rejects.toMatchObject({ status: 429, code: 'request/rate-limited', retryAfterSeconds: 42 });
    await expect(refused('Wed, 21 Oct 2015 07:28:00 GMT')).rejects.toMatchObject({ retryAfterSeconds: null });
    await expect(refused(null)).rejects.toMatchObject({ retryAfterSeconds: null });
    await expect(refused('99999999')).rejects.toMatchObject({ retryAfterSeconds: null });
  });

  test('builds the streams query only from what was given and escapes the channel name', async () => {
    const fetch = jest.fn<FetchLike>(async () => jsonResponse(200, { items: [], nextCursor: null }));
    const client = new ApiClient('', fetch);
    await client.channelStreams('a b', { limit: 10, cursor: 'c1' });
    await client.channelStreams('ann');
    expect(fetch.mock.calls[0]![0]).toBe('/api/channels/a%20b/streams?limit=10&cursor=c1');
    expect(fetch.mock.calls[1]![0]).toBe('/api/channels/ann/streams');
  });
});
