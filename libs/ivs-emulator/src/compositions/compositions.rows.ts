import type { CompositionState, DestinationRecord, LayoutView } from './compositions.rules';

export interface CompositionRow {
  id: string;
  arn: string;
  stage_id: string;
  stage_arn: string;
  state: CompositionState;
  layout: LayoutView;
  destinations: DestinationRecord[];
  encoder_configuration_arns: string[];
  storage_configuration_arns: string[];
  tags: Record<string, string>;
  idempotency_token: string | null;
  request_fingerprint: string;
  failure: { code: string; message: string } | null;
  start_time: Date;
  end_time: Date | null;
  runner_id: string;
  alive_at: Date;
}

/** The `Composition` structure of the IVS real-time API (timestamps as RFC 3339 strings, as AWS sends them). */
export interface CompositionView {
  arn: string;
  stageArn: string;
  state: CompositionState;
  layout: LayoutView;
  destinations: DestinationRecord[];
  tags: Record<string, string>;
  startTime: string;
  endTime?: string;
}

export interface CompositionSummaryView {
  arn: string;
  stageArn: string;
  state: CompositionState;
  destinations: Pick<DestinationRecord, 'id' | 'state' | 'startTime' | 'endTime'>[];
  tags: Record<string, string>;
  startTime: string;
  endTime?: string;
}

export function compositionView(row: CompositionRow): CompositionView {
  return {
    arn: row.arn,
    stageArn: row.stage_arn,
    state: row.state,
    layout: row.layout,
    destinations: row.destinations,
    tags: row.tags,
    startTime: row.start_time.toISOString(),
    ...(row.end_time ? { endTime: row.end_time.toISOString() } : {}),
  };
}

export function compositionSummaryView(row: CompositionRow): CompositionSummaryView {
  const { layout: _layout, destinations, ...rest } = compositionView(row);
  return {
    ...rest,
    destinations: destinations.map((d) => ({ id: d.id, state: d.state, startTime: d.startTime, endTime: d.endTime })),
  };
}

export interface EncoderConfigurationRow {
  id: string;
  arn: string;
  name: string;
  width: number;
  height: number;
  framerate: number;
  bitrate: number;
  tags: Record<string, string>;
}

export function encoderConfigurationView(row: EncoderConfigurationRow) {
  return {
    arn: row.arn,
    name: row.name,
    video: { width: row.width, height: row.height, framerate: row.framerate, bitrate: row.bitrate },
    tags: row.tags,
  };
}

export function encoderConfigurationSummaryView(row: EncoderConfigurationRow) {
  return { arn: row.arn, name: row.name, tags: row.tags };
}

export interface StorageConfigurationRow {
  id: string;
  arn: string;
  name: string;
  bucket_name: string;
  tags: Record<string, string>;
}

export function storageConfigurationView(row: StorageConfigurationRow) {
  return { arn: row.arn, name: row.name, s3: { bucketName: row.bucket_name }, tags: row.tags };
}
