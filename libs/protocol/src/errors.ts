/**
 * Every error a client can see, by code. Codes are stable API; messages are the
 * sentence shown to a person. Add new codes here, never inline.
 */
export const ERRORS = {
  'request/invalid': { status: 400, message: 'The request is not valid.' },
  'request/too-large': { status: 413, message: 'The request body is too large.' },
  'request/malformed-json': { status: 400, message: 'The request body is not valid JSON.' },
  'request/not-found': { status: 404, message: 'There is nothing at this address.' },
  'request/rate-limited': { status: 429, message: 'Too many attempts. Please wait a moment and try again.' },
  'auth/unauthenticated': { status: 401, message: 'Please log in to continue.' },
  'auth/invalid-token': { status: 401, message: 'Your session has expired or is not valid. Please log in again.' },
  'auth/invalid-credentials': { status: 401, message: 'That username and password do not match.' },
  'auth/username-taken': { status: 409, message: 'That username is already taken.' },
  'auth/forbidden': { status: 403, message: 'You are not allowed to do that.' },
  'user/not-found': { status: 404, message: 'There is no user with that name.' },
  'channel/not-found': { status: 404, message: 'There is no channel with that name.' },
  'category/not-found': { status: 404, message: 'There is no such category.' },
  'stage/not-found': { status: 404, message: 'There is no stage with that name.' },
  'stage/not-live': { status: 403, message: 'This stage is not open to viewers right now.' },
  'media/provider-unavailable': { status: 503, message: 'The media service is not reachable right now. Please try again shortly.' },
  'media/provider-rejected': { status: 502, message: 'The media service refused the request.' },
  'media/quota-exceeded': { status: 503, message: 'The media service quota is used up. Please try again later.' },
  'signup/provisioning-failed': { status: 503, message: 'We could not set up your channel just now. Please try signing up again.' },
  'server/unavailable': { status: 503, message: 'A service we depend on is unavailable. Please try again shortly.' },
  'server/internal': { status: 500, message: 'Something went wrong on our side.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** The one error body every REST endpoint and socket ack uses. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

/** Which field was wrong and why (validation errors). */
export interface ErrorDetail {
  path: string;
  message: string;
}
