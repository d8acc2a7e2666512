import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Stage } from './stage.entity';

export type StageCapability = 'PUBLISH' | 'SUBSCRIBE';

/** A participant token minted for a stage (seed lesson 4.3), reused while valid. */
@Entity('stage_tokens')
export class StageToken {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'stage_id', type: 'uuid' })
  stageId: string;

  @ManyToOne(() => Stage, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'stage_id' })
  stage?: Stage;

  /** The registered user the token is for (null for invite-link guests). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /**
   * Who the token is for: `member:<memberId>` (studio stage), `show:<memberId>` (show stage,
   * owner included) or `viewer:<id>`; NULL for the owner's studio-stage token.
   */
  @Column({ type: 'text', nullable: true })
  holder: string | null;

  /** The IVS stage it was minted for: once that stage is given back, the token is worthless. */
  @Column({ name: 'stage_arn', type: 'text' })
  stageArn: string;

  @Column({ name: 'participant_id', type: 'text' })
  participantId: string;

  @Column({ type: 'text' })
  token: string;

  @Column({ type: 'text', array: true })
  capabilities: StageCapability[];

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
