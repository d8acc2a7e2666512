/**
 * The seam between the emulator's composition control plane (`src/compositions/`, the
 * StartComposition API, its rows, limits and events) and the media work that really composes
 * a stage (`src/media/composition/`: SFU tracks → ffmpeg → channel ingest and/or an S3-layout
 * recording). The control plane validates and applies IVS's defaults; the engine gets a
 * complete plan and reports what happens to the media.
 */

/** IVS `GridConfiguration`, defaults applied. */
export interface GridLayout {
  kind: 'grid';
  featuredParticipantAttribute: string;
  participantOrderAttribute: string;
  gridGap: number;
  omitStoppedVideo: boolean;
  videoAspectRatio: 'AUTO' | 'VIDEO' | 'SQUARE' | 'PORTRAIT';
  videoFillMode: 'FILL' | 'COVER' | 'CONTAIN';
}

/** IVS `PipConfiguration`, defaults applied. */
export interface PipLayout {
  kind: 'pip';
  featuredParticipantAttribute: string;
  participantOrderAttribute: string;
  gridGap: number;
  omitStoppedVideo: boolean;
  videoFillMode: 'FILL' | 'COVER' | 'CONTAIN';
  pipParticipantAttribute: string;
  pipBehavior: 'STATIC' | 'DYNAMIC';
  pipOffset: number;
  pipPosition: 'TOP_LEFT' | 'TOP_RIGHT' | 'BOTTOM_LEFT' | 'BOTTOM_RIGHT';
  /** Absent: IVS derives it from the canvas. */
  pipWidth?: number;
  pipHeight?: number;
}

export type CompositionLayout = GridLayout | PipLayout;

/** The encoder configuration's video (IVS defaults 1280×720, 30 fps, 2.5 Mbps). */
export interface CompositionVideo {
  width: number;
  height: number;
  framerate: number;
  bitrate: number;
}

export type CompositionDestinationPlan =
  | { id: string; kind: 'channel'; channelArn: string; streamKey: string; video: CompositionVideo }
  | {
      id: string;
      kind: 's3';
      /** Local folder standing in for `s3://<bucket>/<prefix>` (already made absolute). */
      dir: string;
      video: CompositionVideo[];
      /** recordingConfiguration.hlsConfiguration.targetSegmentDurationSeconds (IVS default 6). */
      segmentSeconds: number;
    };

export interface CompositionPlan {
  compositionId: string;
  compositionArn: string;
  stageArn: string;
  layout: CompositionLayout;
  destinations: CompositionDestinationPlan[];
}

export type DestinationMediaState = 'ACTIVE' | 'RECONNECTING' | 'FAILED' | 'STOPPED';

/** What the engine reports; the control plane turns it into rows and IVS events. */
export interface CompositionMediaListener {
  destinationState(destinationId: string, state: DestinationMediaState, error?: { code: string; message: string }): void;
  /** Publishers on the stage now (the control plane ends a composition a minute after this reaches 0). */
  publishersChanged(count: number): void;
  /** The composition as a whole cannot go on (ffmpeg missing, crashed beyond retry). */
  failed(error: { code: string; message: string }): void;
}

export interface RunningComposition {
  /** Ends the media: flushes the recordings, ends the channel's stream input. Idempotent. */
  stop(): Promise<void>;
}

/** Implemented in this folder; injected into the control plane under this class token. */
export abstract class CompositionEngine {
  abstract start(plan: CompositionPlan, listener: CompositionMediaListener): Promise<RunningComposition>;
}
