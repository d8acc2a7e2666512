/**
 * Every error a client can see, by code. Codes are stable API; messages are the
 * sentence shown to a person. Add new codes here, never inline.
 */
export const ERRORS = {
  'request/invalid': { status: 400, message: 'The request is not valid.' },
  'request/too-large': { status: 413, message: 'The request body is too large.' },
  'request/malformed-json': { status: 400, message: 'The request body is not valid JSON.' },
  'request/not-found': { status: 404, message: 'There is nothing at this address.' },
  'request/unknown-event': { status: 400, message: 'The server does not know that message.' },
  'request/rate-limited': { status: 429, message: 'Too many attempts. Please wait a moment and try again.' },
  'auth/unauthenticated': { status: 401, message: 'Please log in to continue.' },
  'auth/invalid-token': { status: 401, message: 'Your session has expired or is not valid. Please log in again.' },
  'auth/invalid-credentials': { status: 401, message: 'That username and password do not match.' },
  'auth/username-taken': { status: 409, message: 'That username is already taken.' },
  'auth/forbidden': { status: 403, message: 'You are not allowed to do that.' },
  'vod/recordings-private': {
    status: 403,
    message: "Participant recordings are private: only the broadcast's host and each member (for their own) can see them.",
  },
  'user/not-found': { status: 404, message: 'There is no user with that name.' },
  'channel/not-found': { status: 404, message: 'There is no channel with that name.' },
  'category/not-found': { status: 404, message: 'There is no such category.' },
  'stage/not-found': { status: 404, message: 'There is no stage with that name.' },
  'stage/not-live': { status: 403, message: 'This stage is not open to viewers right now.' },
  'stage/not-on-air': { status: 403, message: 'Only members who are on air publish to the show; a host puts you on air first.' },
  'stage/not-sharing': {
    status: 403,
    message: 'Your screen share is not declared in the studio (or it was stopped); start sharing again.',
  },
  'stage/show-not-needed': {
    status: 409,
    message: 'Nobody is watching the show stage right now (real-time viewing is closed), so there is nothing to publish to.',
  },
  'media/provider-unavailable': { status: 503, message: 'The media service is not reachable right now. Please try again shortly.' },
  'media/provider-rejected': { status: 502, message: 'The media service refused the request.' },
  'media/quota-exceeded': { status: 503, message: 'The media service quota is used up. Please try again later.' },
  'media/throttled': {
    status: 503,
    message: 'Amazon IVS is receiving too many requests from StreamCat right now. Please try again in a moment.',
  },
  'media/busy': { status: 503, message: 'Many requests are waiting their turn at Amazon IVS right now. Please try again shortly.' },
  'media/pending-verification': {
    status: 503,
    message: 'The AWS account behind StreamCat is awaiting verification by Amazon; ask the operator.',
  },
  'media/access-denied': {
    status: 502,
    message: 'StreamCat is not allowed to do this in Amazon IVS (access denied); ask the operator to check its AWS permissions.',
  },
  'media/conflict': { status: 409, message: 'Amazon IVS could not do this now because of a conflicting change. Please try again.' },
  'media/stream-unavailable': { status: 503, message: 'The stream is not available in Amazon IVS right now. Please try again shortly.' },
  'signup/provisioning-failed': { status: 503, message: 'We could not set up your channel just now. Please try signing up again.' },
  'ivs-events/unauthorized': { status: 401, message: 'The x-api-key header is missing or does not match IVS_EVENTS_API_KEY.' },
  'ivs-events/invalid-event': { status: 400, message: 'The IVS event is not valid.' },
  'chat/banned': { status: 403, message: 'You are banned from this chat.' },
  'chat/timed-out': { status: 403, message: 'You are timed out from this chat for a while.' },
  'chat/slow-mode': { status: 429, message: 'Slow mode is on: please wait before sending another message.' },
  'chat/rate-limited': { status: 429, message: 'You are sending messages too fast. Please slow down.' },
  'chat/message-not-found': { status: 404, message: 'That chat message does not exist.' },
  'chat/cannot-sanction': { status: 403, message: 'That person cannot be timed out or banned here.' },
  'watch/too-many-pages': { status: 429, message: 'You have this channel open in too many pages. Close one to open another.' },
  'watch/network-full': {
    status: 429,
    message: 'Too many people on your network are watching this channel without logging in. Log in to watch, or try again later.',
  },
  'studio/version-conflict': { status: 409, message: 'Someone else changed the studio first. Here is the latest state; please try again.' },
  'studio/not-member': { status: 403, message: 'You are not in this studio.' },
  'studio/member-not-found': { status: 404, message: 'That person is not in the studio.' },
  'studio/removed': { status: 403, message: 'You were removed from this show.' },
  'studio/invalid-transition': { status: 409, message: 'The studio cannot do that from its current state.' },
  'studio/cannot-remove-owner': { status: 403, message: 'The owner of a studio cannot be removed or demoted.' },
  'studio/full': {
    status: 409,
    message:
      'This studio is full: 12 people are already on camera, the most one stage carries. Someone must leave before another can join.',
  },
  'studio/command-id-reused': {
    status: 409,
    message: 'That command id was already used for a different change in this studio. Send the change with a new id.',
  },
  'studio/comment-unavailable': { status: 409, message: 'That chat message cannot be shown on screen.' },
  'invite/not-found': { status: 404, message: 'That invite does not exist or is no longer open.' },
  'invite/expired': { status: 410, message: 'That invite has expired.' },
  'invite/revoked': { status: 410, message: 'That invite was withdrawn.' },
  'invite/used-up': { status: 410, message: 'That invite link has been used as many times as allowed.' },
  'invite/already-member': { status: 409, message: 'That person is already in the studio or already invited.' },
  'layout/unknown-layout': { status: 400, message: 'That layout does not exist.' },
  'layout/too-many': { status: 400, message: 'At most 12 people can be on air at once.' },
  'layout/duplicate-member': { status: 400, message: 'Someone is listed on air twice.' },
  'layout/unknown-member': { status: 400, message: 'Someone in this layout is not in the studio.' },
  'layout/featured-required': { status: 400, message: 'Choose someone who is on air to feature in this layout.' },
  'layout/screen-share-required': { status: 400, message: 'This layout needs a screen share that is on air.' },
  'brand/not-an-image': {
    status: 415,
    message: 'That file is not a PNG, JPEG or WebP image (checked by its content, not its name). Upload one of those.',
  },
  'brand/too-large': { status: 413, message: 'That image is larger than 2 MB, the most a brand image may be. Upload a smaller file.' },
  'brand/too-many-pixels': {
    status: 422,
    message: 'That image is wider or taller than 4096 pixels, the most a brand image may be. Upload a smaller one.',
  },
  'brand/unreadable': { status: 422, message: 'That image file is damaged or incomplete: its size cannot be read. Upload it again.' },
  'brand/too-many': {
    status: 409,
    message: 'This studio already keeps as many brand images as it may, all in use. Remove the logo, overlay or background first.',
  },
  'brand/not-found': { status: 404, message: 'There is no such brand image (it may have been replaced and deleted).' },
  'brand/not-yours': { status: 403, message: "That image is not one of this channel's uploads. Upload it to this channel first." },
  'multistream/not-found': { status: 404, message: 'There is no such multistream destination on your channel.' },
  'multistream/too-many': {
    status: 409,
    message: 'Your channel already has as many multistream destinations as it may (5). Remove one first.',
  },
  'multistream/preset-url': { status: 400, message: "A preset destination's URL is fixed; choose Custom to give your own." },
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
