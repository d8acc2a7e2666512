import { join } from 'node:path';
import type { CompositionLayout, CompositionVideo, DestinationMediaState } from '../media/composition/composition-engine';
import type {
  DestinationConfigurationInput,
  GridConfigurationInput,
  LayoutConfigurationInput,
  PipConfigurationInput,
  StartCompositionRequest,
  VideoInput,
} from './compositions.schemas';

/**
 * The decisions of server-side composition, pure: defaults IVS applies, the rules across fields
 * that a schema cannot state, idempotency, where a recording goes, and how a composition's state
 * and its EventBridge events follow from what the media reports. compositions.service.ts does the I/O.
 */

// ---------------------------------------------------------------------------------------------
// Encoder configuration

/** IVS's EncoderConfiguration defaults: 1280×720, 30 fps, 2.5 Mbps. */
export const DEFAULT_VIDEO: CompositionVideo = { width: 1280, height: 720, framerate: 30, bitrate: 2_500_000 };
/** "the maximum total pixels is 2073600 (1920x1080 or 1080x1920)". */
export const MAX_VIDEO_PIXELS = 2_073_600;

/** The video with IVS's defaults for what was left out, and what is wrong with it (empty: fine). */
export function resolveVideo(input: VideoInput | undefined): { video: CompositionVideo; problems: string[] } {
  const video: CompositionVideo = { ...DEFAULT_VIDEO, ...stripUndefined(input ?? {}) };
  const problems: string[] = [];
  if (video.width % 2 !== 0) problems.push('video.width: must be an even number');
  if (video.height % 2 !== 0) problems.push('video.height: must be an even number');
  if (video.width * video.height > MAX_VIDEO_PIXELS) {
    problems.push(`video: width × height is ${video.width * video.height} pixels, more than ${MAX_VIDEO_PIXELS} (1920x1080 or 1080x1920)`);
  }
  return { video, problems };
}

// ---------------------------------------------------------------------------------------------
// Layout

/** The layout as GetComposition shows it: the kind asked for (grid by default) with its defaults filled in. */
export type LayoutView =
  | { grid: Required<Omit<GridConfigurationInput, 'videoFillMode'>> & Pick<GridConfigurationInput, 'videoFillMode'> }
  | { pip: Required<Omit<PipConfigurationInput, 'pipWidth' | 'pipHeight'>> & Pick<PipConfigurationInput, 'pipWidth' | 'pipHeight'> };

/**
 * IVS's documented layout defaults. Grid: no featured participant, gap 2, keep stopped video, VIDEO
 * (16:9) tiles; fill mode unset means COVER for grid tiles and CONTAIN for the featured one. PiP: gap 0,
 * STATIC, offset 0, BOTTOM_RIGHT, fill COVER, PiP size derived from the canvas when unset.
 */
export function resolveLayout(input: LayoutConfigurationInput | undefined): {
  view: LayoutView;
  engine: CompositionLayout;
  problems: string[];
} {
  const problems = input?.grid && input?.pip ? ['layout: specify either grid or pip, not both'] : [];
  if (input?.pip) {
    const p = input.pip;
    const pip = {
      featuredParticipantAttribute: p.featuredParticipantAttribute ?? '',
      participantOrderAttribute: p.participantOrderAttribute ?? '',
      omitStoppedVideo: p.omitStoppedVideo ?? false,
      videoFillMode: p.videoFillMode ?? 'COVER',
      gridGap: p.gridGap ?? 0,
      pipParticipantAttribute: p.pipParticipantAttribute ?? '',
      pipBehavior: p.pipBehavior ?? 'STATIC',
      pipOffset: p.pipOffset ?? 0,
      pipPosition: p.pipPosition ?? 'BOTTOM_RIGHT',
      ...(p.pipWidth !== undefined ? { pipWidth: p.pipWidth } : {}),
      ...(p.pipHeight !== undefined ? { pipHeight: p.pipHeight } : {}),
    };
    return { view: { pip }, engine: { kind: 'pip', ...pip }, problems };
  }
  const g = input?.grid ?? {};
  const grid = {
    featuredParticipantAttribute: g.featuredParticipantAttribute ?? '',
    participantOrderAttribute: g.participantOrderAttribute ?? '',
    omitStoppedVideo: g.omitStoppedVideo ?? false,
    videoAspectRatio: g.videoAspectRatio ?? 'VIDEO',
    gridGap: g.gridGap ?? 2,
    ...(g.videoFillMode !== undefined ? { videoFillMode: g.videoFillMode } : {}),
  };
  // The engine takes one fill mode; unset, the grid tiles' COVER (IVS would CONTAIN the featured tile).
  return { view: { grid }, engine: { kind: 'grid', ...grid, videoFillMode: g.videoFillMode ?? 'COVER' }, problems };
}

// ---------------------------------------------------------------------------------------------
// Destinations

export type DestinationKind = 'channel' | 's3';

export function destinationKind(d: DestinationConfigurationInput): DestinationKind | null {
  if (d.channel && !d.s3) return 'channel';
  if (d.s3 && !d.channel) return 's3';
  return null;
}

/** "Either a channel or an s3 must be specified"; two destinations are one channel and one s3. */
export function checkDestinations(destinations: DestinationConfigurationInput[]): string[] {
  const problems: string[] = [];
  destinations.forEach((d, i) => {
    if (!d.channel && !d.s3) problems.push(`destinations.${i}: specify a channel or an s3 destination`);
    if (d.channel && d.s3) problems.push(`destinations.${i}: specify either a channel or an s3 destination, not both`);
  });
  const kinds = destinations.map(destinationKind);
  if (destinations.length === 2 && kinds[0] !== null && kinds[0] === kinds[1]) {
    problems.push(`destinations: two destinations must be one channel and one s3, not two ${kinds[0]}`);
  }
  return problems;
}

/** HLS segment length of a composite recording when recordingConfiguration leaves it out (IVS default: 2 s). */
export const DEFAULT_RECORDING_SEGMENT_SECONDS = 2;

/**
 * The S3 prefix of a composite recording, `<stage id>/<stage session id>/<composition id>`, under
 * which IVS writes `events/` and `media/hls|thumbnails|latest_thumbnail`. With no stage session yet
 * (nobody joined), the composition id stands in for the session id.
 */
export function compositeRecordingPrefix(stageId: string, stageSessionId: string | null, compositionId: string): string {
  return `${stageId}/${stageSessionId ?? compositionId}/${compositionId}`;
}

/**
 * The local folder standing in for an S3 bucket. The emulator's own bucket (where channel recordings
 * go) is the recordings folder itself; any other bucket name gets its own folder beside that tree,
 * under `_buckets/` (an underscore cannot start an S3 bucket name, so no IVS key collides with it).
 */
export function localBucketDir(recordingsDir: string, emulatorBucket: string, bucketName: string): string {
  return bucketName === emulatorBucket ? recordingsDir : join(recordingsDir, '_buckets', bucketName);
}

// ---------------------------------------------------------------------------------------------
// Idempotency

/** The request as a canonical string (keys sorted, token left out): equal requests, equal strings. */
export function requestFingerprint(req: StartCompositionRequest): string {
  const { idempotencyToken: _token, ...rest } = req;
  return canonicalJson(rest);
}

/**
 * A StartComposition carrying a token already used: the same request gets the composition that token
 * made (a retry after a lost answer); a different request is a conflict (AWS's rule for client tokens;
 * ConflictException is the error the model offers).
 */
export function idempotencyDecision(previous: { fingerprint: string } | undefined, fingerprint: string): 'new' | 'replay' | 'conflict' {
  if (!previous) return 'new';
  return previous.fingerprint === fingerprint ? 'replay' : 'conflict';
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

export type CompositionState = 'STARTING' | 'ACTIVE' | 'STOPPING' | 'FAILED' | 'STOPPED';
export type DestinationState = 'STARTING' | 'ACTIVE' | 'STOPPING' | 'RECONNECTING' | 'FAILED' | 'STOPPED';

export const RUNNING_STATES: readonly CompositionState[] = ['STARTING', 'ACTIVE', 'STOPPING'];
export const isRunning = (s: CompositionState): boolean => RUNNING_STATES.includes(s);
const isDestinationDone = (s: DestinationState): boolean => s === 'FAILED' || s === 'STOPPED';

export interface DestinationRecord {
  id: string;
  state: DestinationState;
  startTime?: string;
  endTime?: string;
  configuration: DestinationConfigurationInput;
  detail?: { s3: { recordingPrefix: string } };
}

export interface CompositionSnapshot {
  state: CompositionState;
  destinations: DestinationRecord[];
  /** Set once the composition is bound to end FAILED (a destination or the pipeline failed). */
  failure: { code: string; message: string } | null;
  endTime?: string;
}

/** What happened, as the control plane learns it. */
export type CompositionFact =
  /** engine.start() resolved: the pipeline is up. */
  | { kind: 'sessionStarted' }
  | { kind: 'destination'; destinationId: string; state: DestinationMediaState; error?: { code: string; message: string } }
  /** StopComposition, the idle minute after the last publisher left, or the 24 h maximum. */
  | { kind: 'stopRequested' }
  /** The media is stopped (RunningComposition.stop() resolved). */
  | { kind: 'mediaStopped' }
  /** The pipeline cannot go on: engine.failed(), start() rejected, the stage was deleted, the process died. */
  | { kind: 'failed'; error: { code: string; message: string }; mediaRunning: boolean };

export type CompositionEventName =
  | 'Session Start'
  | 'Session End'
  | 'Session Failure'
  | 'Destination Start'
  | 'Destination End'
  | 'Destination Failure'
  | 'Destination Reconnecting';

/** An `IVS Composition State Change` to emit, in order. */
export interface CompositionEventFact {
  name: CompositionEventName;
  destinationId?: string;
  reason?: string;
}

export interface Transition {
  next: CompositionSnapshot;
  events: CompositionEventFact[];
  /** The media must be stopped now (then a `mediaStopped` fact follows). */
  stopMedia: boolean;
}

/**
 * Applies one fact. Events come in AWS's order: Session Start before any Destination Start; every
 * destination's end (Destination End / Failure) before the session's (Session End / Failure). Facts
 * about a composition that already ended change nothing, so late or repeated media reports are harmless.
 */
export function applyCompositionFact(snapshot: CompositionSnapshot, fact: CompositionFact, now: Date): Transition {
  const at = now.toISOString();
  const next: CompositionSnapshot = { ...snapshot, destinations: snapshot.destinations.map((d) => ({ ...d })) };
  const events: CompositionEventFact[] = [];
  const same: Transition = { next: snapshot, events: [], stopMedia: false };
  if (!isRunning(snapshot.state)) return same;

  const startSession = () => {
    if (next.state === 'STARTING') {
      next.state = 'ACTIVE';
      events.push({ name: 'Session Start' });
    }
  };
  const finish = (destinationEnd: 'STOPPED' | 'FAILED') => {
    for (const d of next.destinations) {
      if (isDestinationDone(d.state)) continue;
      d.state = destinationEnd;
      d.endTime = at;
      if (destinationEnd === 'STOPPED') events.push({ name: 'Destination End', destinationId: d.id });
    }
    next.state = next.failure ? 'FAILED' : 'STOPPED';
    next.endTime = at;
    events.push(next.failure ? { name: 'Session Failure', reason: next.failure.message } : { name: 'Session End' });
  };
  const beginStopping = (): boolean => {
    if (next.state === 'STOPPING') return false;
    next.state = 'STOPPING';
    return true;
  };

  switch (fact.kind) {
    case 'sessionStarted':
      startSession();
      return { next, events, stopMedia: false };

    case 'destination': {
      const d = next.destinations.find((x) => x.id === fact.destinationId);
      if (!d || isDestinationDone(d.state)) return same;
      if (fact.state === 'ACTIVE') {
        if (d.state === 'ACTIVE' || next.state === 'STOPPING') return same;
        startSession();
        d.state = 'ACTIVE';
        d.startTime ??= at;
        events.push({ name: 'Destination Start', destinationId: d.id });
        return { next, events, stopMedia: false };
      }
      if (fact.state === 'RECONNECTING') {
        if (d.state === 'RECONNECTING') return same;
        d.state = 'RECONNECTING';
        events.push({ name: 'Destination Reconnecting', destinationId: d.id });
        return { next, events, stopMedia: false };
      }
      if (fact.state === 'STOPPED') {
        d.state = 'STOPPED';
        d.endTime = at;
        events.push({ name: 'Destination End', destinationId: d.id });
        // Nothing left to compose into: the composition ends too.
        const allDone = next.destinations.every((x) => isDestinationDone(x.state));
        return { next, events, stopMedia: allDone && beginStopping() };
      }
      // FAILED: IVS ends the whole composition when an output fails for good ("Session Failure ... one or more outputs failing").
      const error = fact.error ?? { code: 'DESTINATION_FAILED', message: 'Output to the destination failed.' };
      d.state = 'FAILED';
      d.endTime = at;
      events.push({ name: 'Destination Failure', destinationId: d.id, reason: error.message });
      next.failure ??= error;
      return { next, events, stopMedia: beginStopping() };
    }

    case 'stopRequested':
      return { next, events, stopMedia: beginStopping() };

    case 'mediaStopped':
      finish('STOPPED');
      return { next, events, stopMedia: false };

    case 'failed':
      next.failure ??= fact.error;
      if (fact.mediaRunning) return { next, events, stopMedia: beginStopping() };
      // The pipeline never came up (or is gone): nothing to stop, the composition ends here.
      finish('FAILED');
      return { next, events, stopMedia: false };
  }
}

/**
 * A stopped or failed composition stays readable for a while and is then deleted ("After a few
 * minutes in the STOPPED state, the composition is deleted automatically").
 */
export function isVisible(c: { state: CompositionState; endTime?: Date | null }, now: Date, retentionMs: number): boolean {
  if (isRunning(c.state) || !c.endTime) return true;
  return now.getTime() - c.endTime.getTime() < retentionMs;
}

// ---------------------------------------------------------------------------------------------

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
