import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { StudioDocument } from '@streamcat/protocol';

/** The studio document of one stage; `version` increases by one per committed change. */
@Entity('studio_documents')
export class StudioDocumentRow {
  @PrimaryColumn({ name: 'stage_id', type: 'uuid' })
  stageId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'jsonb' })
  document: StudioDocument;

  /** Earliest invite / green-room expiry, for the sweeper. */
  @Column({ name: 'next_expiry_at', type: 'timestamptz', nullable: true })
  nextExpiryAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/**
 * A studio command already applied, by (actor, stage, commandId): a retry gets this result
 * back. Secrets in the ack (an invite link's code) are never kept here.
 */
@Entity('studio_commands')
export class StudioCommandRecord {
  @PrimaryColumn({ name: 'actor_key', type: 'text' })
  actorKey: string;

  @PrimaryColumn({ name: 'stage_id', type: 'uuid' })
  stageId: string;

  @PrimaryColumn({ name: 'command_id', type: 'text' })
  commandId: string;

  @Column({ type: 'text' })
  command: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'jsonb' })
  result: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

/** An invite link; only the SHA-256 of its code is stored. */
@Entity('studio_invite_links')
export class InviteLinkRow {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'stage_id', type: 'uuid' })
  stageId: string;

  @Column({ name: 'code_hash', type: 'text' })
  codeHash: string;

  @Column({ name: 'max_uses', type: 'integer' })
  maxUses: number;

  @Column({ type: 'integer', default: 0 })
  uses: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
