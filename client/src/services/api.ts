// The errors module alone: the package index would also pull the zod schemas into the bundle.
import { ERRORS, type ErrorCode, type ErrorDetail } from '@streamcat/protocol/errors';
// Types only: the runtime schemas (zod) stay out of the browser bundle.
import type {
  AuthResponse,
  CategoryDto,
  HealthResponse,
  MeResponse,
  MyChannel,
  StreamCredentials,
  StreamPage,
  UpdateChannelRequest,
  PublicChannel,
  StageTokenResponse,
} from '@streamcat/protocol';
import type { CategoryPage, DiscoverResponse, FollowState, ParticipantRecordingList, VodResponse } from '@streamcat/protocol/discovery';
import type { ChatReplayPage } from '@streamcat/protocol/chat';
import type { ModerationAuditPage } from '@streamcat/protocol/moderation';
import type { InviteLinkInfo, JoinInviteResponse } from '@streamcat/protocol/studio';
import type { BrandAsset } from '@streamcat/protocol/studio-brand';
import type {
  CreateMultistreamDestination,
  MultistreamDestination,
  MultistreamDestinationList,
  UpdateMultistreamDestination,
} from '@streamcat/protocol/multistream';

/** A code the server sent that this build does not know yet still reaches the UI. */
export type ApiErrorCode = ErrorCode | (string & {});

/** Every failed call becomes one of these: the UI shows `message` and puts `details` beside fields. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details: readonly ErrorDetail[];
  /** From `Retry-After` on a 429: how long the server asks us to wait (null: it did not say). */
  readonly retryAfterSeconds: number | null;

  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    details: readonly ErrorDetail[] = [],
    retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** `Retry-After` in seconds (the server sends delta-seconds; dates and junk are ignored), capped at an hour. */
export function retryAfterOf(header: string | null): number | null {
  if (!header || !/^\d{1,6}$/.test(header.trim())) return null;
  return Math.min(Number(header.trim()), 3600);
}

const NETWORK_MESSAGE = 'We could not reach the StreamCat server. Check your connection and try again.';

function knownMessage(code: string): string | undefined {
  return code in ERRORS ? ERRORS[code as ErrorCode].message : undefined;
}

function isDetail(value: unknown): value is ErrorDetail {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorDetail).path === 'string' &&
    typeof (value as ErrorDetail).message === 'string'
  );
}

/** What a bare status means when the body is not our error shape. */
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  401: 'auth/unauthenticated',
  403: 'auth/forbidden',
  404: 'request/not-found',
  413: 'request/too-large',
  429: 'request/rate-limited',
  502: 'server/unavailable',
  503: 'server/unavailable',
  504: 'server/unavailable',
};

/**
 * Turns a failed HTTP response into an ApiError. Bodies that are not our error shape
 * (a proxy's HTML 502, an empty 500) still yield a sentence a person can read.
 */
export function toApiError(status: number, body: unknown, retryAfterSeconds: number | null = null): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    const { code, message, details } = error as { code: string; message?: unknown; details?: unknown };
    const sentence = typeof message === 'string' && message.trim() ? message : (knownMessage(code) ?? ERRORS['server/internal'].message);
    return new ApiError(status, code, sentence, Array.isArray(details) ? details.filter(isDetail) : [], retryAfterSeconds);
  }
  const code: ErrorCode = CODE_BY_STATUS[status] ?? (status >= 500 ? 'server/internal' : 'request/invalid');
  return new ApiError(status, code, ERRORS[code].message, [], retryAfterSeconds);
}

/**
 * Field name → sentence, from validation details whose path may be `username`, `body.username`
 * or `/username`. Schema messages are fragments ("must be at least 8 characters"); shown under
 * their field's label they read as a sentence once capitalised and closed.
 */
export function fieldErrors(details: readonly ErrorDetail[]): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const { path, message } of details) {
    const field = path.split(/[./]/).filter(Boolean).pop() ?? '';
    if (field && !(field in byField)) byField[field] = asSentence(message);
  }
  return byField;
}

function asSentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Send the session token (default). Login and register do not, so their 401 means "wrong password", not "session expired". */
  auth?: boolean;
  signal?: AbortSignal;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * The one place the browser talks REST. Holds the bearer token and reports a 401 on an
 * authenticated call once, so the session store can end the session wherever it happened.
 */
export class ApiClient {
  private token: string | null = null;
  private unauthorizedHandler: (() => void) | null = null;

  constructor(
    private readonly baseUrl = '',
    // Looked up per call so tests (and polyfills) can swap the global fetch.
    private readonly fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init),
  ) {}

  setToken(token: string | null): void {
    this.token = token;
  }

  onUnauthorized(handler: (() => void) | null): void {
    this.unauthorizedHandler = handler;
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const { method = 'GET', body, auth = true, signal } = options;
    const headers: Record<string, string> = { Accept: 'application/json' };
    // A file (a brand image) goes as its own bytes; anything else as JSON.
    const file = typeof Blob !== 'undefined' && body instanceof Blob;
    if (body !== undefined) headers['Content-Type'] = file ? body.type || 'application/octet-stream' : 'application/json';
    const sentToken = auth ? this.token : null;
    if (sentToken) headers.Authorization = `Bearer ${sentToken}`;

    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : file ? body : JSON.stringify(body),
        signal,
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new ApiError(0, 'server/unavailable', NETWORK_MESSAGE);
    }

    const payload = await readJson(response);
    if (!response.ok) {
      const error = toApiError(response.status, payload, retryAfterOf(response.headers.get('Retry-After')));
      // Only a rejected token means the session is over; a 401 from login is a wrong password.
      if (response.status === 401 && sentToken && sentToken === this.token) this.unauthorizedHandler?.();
      throw error;
    }
    return payload as T;
  }

  // Auth
  register(username: string, password: string): Promise<AuthResponse> {
    return this.request('/api/auth/register', { method: 'POST', body: { username, password }, auth: false });
  }
  login(username: string, password: string): Promise<AuthResponse> {
    return this.request('/api/auth/login', { method: 'POST', body: { username, password }, auth: false });
  }

  // The signed-in user's own channel
  me(): Promise<MeResponse> {
    return this.request('/api/me');
  }
  updateMyChannel(update: UpdateChannelRequest): Promise<MyChannel> {
    return this.request('/api/me/channel', { method: 'PATCH', body: update });
  }
  streamCredentials(): Promise<StreamCredentials> {
    return this.request('/api/me/channel/credentials');
  }
  rotateStreamKey(): Promise<StreamCredentials> {
    return this.request('/api/me/channel/stream-key/rotate', { method: 'POST' });
  }

  // Multistream destinations of the own channel (keys go in, only their hint comes back)
  multistreamDestinations(): Promise<MultistreamDestinationList> {
    return this.request('/api/me/multistream/destinations');
  }
  addMultistreamDestination(body: CreateMultistreamDestination): Promise<MultistreamDestination> {
    return this.request('/api/me/multistream/destinations', { method: 'POST', body });
  }
  updateMultistreamDestination(id: string, body: UpdateMultistreamDestination): Promise<MultistreamDestination> {
    return this.request(`/api/me/multistream/destinations/${encodeURIComponent(id)}`, { method: 'PATCH', body });
  }
  removeMultistreamDestination(id: string): Promise<void> {
    return this.request(`/api/me/multistream/destinations/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /** A brand image for a studio (host or co-host), checked by the server: refused with its sentence. */
  uploadBrandImage(studio: string, file: Blob): Promise<BrandAsset> {
    return this.request(`/api/brand-assets?studio=${encodeURIComponent(studio)}`, { method: 'POST', body: file });
  }

  // Public
  categories(): Promise<CategoryDto[]> {
    return this.request('/api/categories', { auth: false });
  }
  channel(name: string): Promise<PublicChannel> {
    return this.request(`/api/channels/${encodeURIComponent(name)}`);
  }
  channelStreams(name: string, page: { limit?: number; cursor?: string } = {}): Promise<StreamPage> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.cursor) query.set('cursor', page.cursor);
    const suffix = query.size ? `?${query}` : '';
    return this.request(`/api/channels/${encodeURIComponent(name)}/streams${suffix}`);
  }
  health(): Promise<HealthResponse> {
    return this.request('/api/health', { auth: false });
  }

  // Studio and join (stage tokens, invite links, username autocomplete)
  /** The caller's participant token (bearer: a login or, on a guest client, the guest token). */
  stageToken(stageName: string): Promise<StageTokenResponse> {
    return this.request(`/api/stages/${encodeURIComponent(stageName)}/token`, { method: 'POST' });
  }
  searchUsers(prefix: string, signal?: AbortSignal): Promise<{ items: { id: string; username: string }[] }> {
    return this.request(`/api/users?prefix=${encodeURIComponent(prefix)}`, { signal });
  }
  inviteLink(code: string): Promise<InviteLinkInfo> {
    return this.request(`/api/invites/${encodeURIComponent(code)}`, { auth: false });
  }
  joinInviteLink(code: string, displayName: string): Promise<JoinInviteResponse> {
    return this.request(`/api/invites/${encodeURIComponent(code)}/join`, { method: 'POST', body: { displayName }, auth: false });
  }

  // Viewers: discovery, follows, VOD, chat replay, real-time viewing
  discover(): Promise<DiscoverResponse> {
    return this.request('/api/discover');
  }
  categoryPage(slug: string): Promise<CategoryPage> {
    return this.request(`/api/categories/${encodeURIComponent(slug)}`);
  }
  followState(channel: string): Promise<FollowState> {
    return this.request(`/api/channels/${encodeURIComponent(channel)}/follow`);
  }
  setFollowing(channel: string, following: boolean): Promise<FollowState> {
    return this.request(`/api/channels/${encodeURIComponent(channel)}/follow`, { method: following ? 'PUT' : 'DELETE' });
  }
  vod(id: string): Promise<VodResponse> {
    return this.request(`/api/vods/${encodeURIComponent(id)}`, { auth: false });
  }
  /** Each member's own recording of a broadcast: all of them for its host, one's own for a member, 403 for anyone else. */
  participantRecordings(vodId: string): Promise<ParticipantRecordingList> {
    return this.request(`/api/vods/${encodeURIComponent(vodId)}/participant-recordings`);
  }
  chatReplay(channel: string, query: { streamId?: string; limit?: number; cursor?: string } = {}): Promise<ChatReplayPage> {
    const params = new URLSearchParams();
    if (query.streamId) params.set('streamId', query.streamId);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor) params.set('cursor', query.cursor);
    const suffix = params.size ? `?${params}` : '';
    return this.request(`/api/channels/${encodeURIComponent(channel)}/chat${suffix}`, { auth: false });
  }
  /**
   * A subscribe-only participant token while the stage is open (403 `stage/not-live` otherwise).
   * Anonymous viewers are recognised by the server's HttpOnly viewer-session cookie, which
   * same-origin fetches send by themselves; 429 (with retryAfterSeconds) when too many viewers
   * from this network are joining.
   */
  stageViewerToken(stage: string): Promise<StageTokenResponse> {
    return this.request(`/api/stages/${encodeURIComponent(stage)}/viewer-token`, { method: 'POST' });
  }

  // Moderation panel (moderators and admins)
  moderationAudit(page: { limit?: number; cursor?: string } = {}): Promise<ModerationAuditPage> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.cursor) query.set('cursor', page.cursor);
    const suffix = query.size ? `?${query}` : '';
    return this.request(`/api/moderation/audit${suffix}`);
  }
}

async function readJson(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The app's client; same origin as the page (the server serves the SPA, Vite proxies in dev). */
export const api = new ApiClient();
