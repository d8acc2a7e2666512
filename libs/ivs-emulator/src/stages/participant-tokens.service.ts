import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { notFoundError } from '../aws-protocol/ivs-api.errors';
import { queryOne, queryRows, Sql } from '../database/emulator-sql';
import { newParticipantId } from '../ivs-arns';
import { IvsEmulatorEvents } from '../ivs-emulator.events';
import {
  emulatorEndpoints,
  EmulatorEndpoints,
  IVS_EMULATOR_CLOCK,
  IVS_EMULATOR_OPTIONS,
  IvsEmulatorClock,
  IvsEmulatorOptions,
} from '../ivs-emulator.options';
import { ParticipantTokenClaims, ParticipantTokenSigner } from '../tokens/participant-token.signer';
import { ParticipantsService } from './participants.service';
import { requireStage, StageRow } from './stage.rows';
import { CAPABILITIES, ParticipantCapability, ParticipantTokenConfiguration } from './stages.schemas';

/** The `ParticipantToken` structure of the IVS real-time API. */
export interface ParticipantTokenView {
  participantId: string;
  token: string;
  userId?: string;
  attributes?: Record<string, string>;
  duration: number;
  capabilities: ParticipantCapability[];
  expirationTime: string;
}

export type ParticipantTokenErrorCode = 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'TOKEN_DISCONNECTED' | 'STAGE_DELETED';

/** Outcome of checking a token presented to the media plane; failures are values, not throws. */
export type ParticipantTokenVerification =
  | {
      ok: true;
      claims: ParticipantTokenClaims;
      participantId: string;
      stageArn: string;
      stageId: string;
      userId: string;
      attributes: Record<string, string>;
      canPublish: boolean;
      canSubscribe: boolean;
    }
  | { ok: false; code: ParticipantTokenErrorCode; message: string };

interface TokenRow {
  participant_id: string;
  stage_id: string;
  user_id: string;
  disconnected_at: Date | null;
}

/** Mints, verifies and revokes participant tokens. */
@Injectable()
export class ParticipantTokensService {
  private readonly endpoints: EmulatorEndpoints;

  constructor(
    private readonly db: DataSource,
    private readonly signer: ParticipantTokenSigner,
    private readonly participants: ParticipantsService,
    private readonly events: IvsEmulatorEvents,
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    @Inject(IVS_EMULATOR_CLOCK) private readonly now: IvsEmulatorClock,
  ) {
    this.endpoints = emulatorEndpoints(options);
  }

  async createParticipantToken(stageArn: string, config: ParticipantTokenConfiguration): Promise<ParticipantTokenView> {
    const stage = await requireStage(this.db, stageArn, this.options.accountId);
    return this.mint(this.db, stage, config);
  }

  /** Every call is a new participant: IVS never reuses a participant id. */
  async mint(sql: Sql, stage: StageRow, config: ParticipantTokenConfiguration): Promise<ParticipantTokenView> {
    const participantId = newParticipantId();
    const iat = Math.floor(this.now().getTime() / 1000);
    const exp = iat + config.duration * 60;
    // Canonical order, no duplicates: the JWT and the response describe the same grant.
    const capabilities = CAPABILITIES.filter((c) => config.capabilities.includes(c));
    const claims: ParticipantTokenClaims = {
      exp,
      iat,
      jti: participantId,
      resource: stage.arn,
      topic: stage.id,
      events_url: this.endpoints.stage.events,
      whip_url: this.endpoints.stage.whip,
      ...(config.userId !== undefined ? { user_id: config.userId } : {}),
      ...(config.attributes !== undefined ? { attributes: config.attributes } : {}),
      capabilities: { allow_publish: capabilities.includes('PUBLISH'), allow_subscribe: capabilities.includes('SUBSCRIBE') },
      version: '1.0',
    };
    const expiresAt = new Date(exp * 1000);
    await sql.query(
      `INSERT INTO ivs_emu_participant_tokens
         (participant_id, stage_id, user_id, attributes, capabilities, duration_minutes, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        participantId,
        stage.id,
        config.userId ?? '',
        JSON.stringify(config.attributes ?? {}),
        JSON.stringify(capabilities),
        config.duration,
        expiresAt,
        new Date(iat * 1000),
      ],
    );
    return {
      participantId,
      token: this.signer.sign(claims),
      userId: config.userId,
      attributes: config.attributes,
      duration: config.duration,
      capabilities,
      expirationTime: expiresAt.toISOString(),
    };
  }

  /**
   * Whether the media plane may admit this token now: our signature, not expired, stage still
   * there, participant not disconnected. Checked against the database on every call so a
   * DisconnectParticipant on any replica is honoured.
   */
  async verifyParticipantToken(token: string): Promise<ParticipantTokenVerification> {
    const checked = this.signer.check(token, this.now());
    if (!checked.ok) return checked;
    const { claims } = checked;
    const stage = await queryOne<{ id: string }>(this.db, `SELECT id FROM ivs_emu_stages WHERE arn = $1`, [claims.resource]);
    if (!stage) return { ok: false, code: 'STAGE_DELETED', message: `Stage ${claims.resource} no longer exists.` };
    const row = await queryOne<TokenRow>(
      this.db,
      `SELECT participant_id, stage_id, user_id, disconnected_at FROM ivs_emu_participant_tokens WHERE participant_id = $1`,
      [claims.jti],
    );
    if (!row || row.stage_id !== stage.id || claims.topic !== stage.id) {
      return { ok: false, code: 'TOKEN_INVALID', message: 'The participant token was not issued for this stage.' };
    }
    if (row.disconnected_at) {
      return { ok: false, code: 'TOKEN_DISCONNECTED', message: 'This participant was disconnected; the token cannot be used again.' };
    }
    return {
      ok: true,
      claims,
      participantId: claims.jti,
      stageArn: claims.resource,
      stageId: stage.id,
      userId: claims.user_id ?? '',
      attributes: claims.attributes ?? {},
      canPublish: claims.capabilities.allow_publish,
      canSubscribe: claims.capabilities.allow_subscribe,
    };
  }

  /** Kills the participant's token for good and tells the media plane to drop the connection. */
  async disconnectParticipant(stageArn: string, participantId: string, reason: string | undefined): Promise<void> {
    const userId = await this.db.transaction(async (tx) => {
      const stage = await requireStage(tx, stageArn, this.options.accountId, true);
      // COALESCE keeps the first disconnect's time and reason: repeating the call is harmless.
      const rows = await queryRows<{ user_id: string }>(
        tx,
        `UPDATE ivs_emu_participant_tokens
           SET disconnected_at = COALESCE(disconnected_at, $3), disconnect_reason = COALESCE(disconnect_reason, $4)
         WHERE participant_id = $1 AND stage_id = $2 RETURNING user_id`,
        [participantId, stage.id, this.now(), reason ?? ''],
      );
      if (rows.length === 0) throw notFoundError(`Participant ${participantId} is not known on stage ${stageArn}.`);
      await this.participants.markLeft(tx, stage, participantId);
      return rows[0].user_id;
    });
    await this.events.emit('participantDisconnected', {
      stageArn,
      participantId,
      userId,
      reason: reason ?? '',
      cause: 'DISCONNECT_PARTICIPANT',
    });
  }

  /** The PEM public key verifiers outside this process can use (tests, a separate SFU). */
  get publicKeyPem(): string {
    return this.signer.publicKeyPem;
  }
}
