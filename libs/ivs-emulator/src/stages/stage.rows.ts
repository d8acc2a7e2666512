import { notFoundError } from '../aws-protocol/ivs-api.errors';
import { assertOwnAccount } from '../ivs-arns';
import { queryOne, Sql } from '../database/emulator-sql';
import type { EmulatorEndpoints } from '../ivs-emulator.options';
import { AutoParticipantRecording, resolveAutoParticipantRecording } from './participant-recording.rules';

export interface StageRow {
  id: string;
  arn: string;
  name: string;
  tags: Record<string, string>;
  active_session_id: string | null;
  /** As given to CreateStage / UpdateStage, with defaults applied; NULL when never set. */
  auto_participant_recording: AutoParticipantRecording | null;
}

/** The `Stage` structure of the IVS real-time API. */
export interface StageView {
  arn: string;
  name: string;
  activeSessionId?: string;
  tags: Record<string, string>;
  autoParticipantRecordingConfiguration: AutoParticipantRecording;
  endpoints: EmulatorEndpoints['stage'];
}

export type StageSummaryView = Omit<StageView, 'endpoints' | 'autoParticipantRecordingConfiguration'>;

/**
 * Loads a stage by ARN or answers as IVS would: 403 for another account's ARN, 404 if absent.
 * `lock` serialises changes to the stage's session and participants across replicas.
 */
export async function requireStage(sql: Sql, arn: string, accountId: string, lock = false): Promise<StageRow> {
  assertOwnAccount(arn, accountId);
  const row = await queryOne<StageRow>(sql, `SELECT * FROM ivs_emu_stages WHERE arn = $1 ${lock ? 'FOR UPDATE' : ''}`, [arn]);
  if (!row) throw notFoundError(`Stage ${arn} does not exist.`);
  return row;
}

export function stageSummaryView(row: StageRow): StageSummaryView {
  return { arn: row.arn, name: row.name, activeSessionId: row.active_session_id ?? undefined, tags: row.tags };
}

export function stageView(row: StageRow, endpoints: EmulatorEndpoints): StageView {
  return {
    ...stageSummaryView(row),
    autoParticipantRecordingConfiguration: row.auto_participant_recording ?? resolveAutoParticipantRecording(undefined),
    endpoints: endpoints.stage,
  };
}
