import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Stage } from './stage.entity';

/**
 * Which of a studio's IVS stages: the private studio stage (every member publishes, members
 * and the host's compositor subscribe) or the public show stage (on-air members publish,
 * real-time viewers subscribe).
 */
export type IvsStageKind = 'studio' | 'show';

/**
 * The IVS stage a studio holds right now: created on first need, deleted when the studio has
 * been idle for STAGE_IDLE_MINUTES (AWS counts stages against a per-region quota).
 */
@Entity('ivs_stages')
export class IvsStage {
  @PrimaryColumn({ name: 'stage_id', type: 'uuid' })
  stageId: string;

  @PrimaryColumn({ type: 'text' })
  kind: IvsStageKind;

  @ManyToOne(() => Stage, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'stage_id' })
  stage?: Stage;

  @Column({ type: 'text' })
  arn: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Last time a member asked for it (a token, a studio join); the idle sweeper reads it. */
  @Column({ name: 'last_used_at', type: 'timestamptz' })
  lastUsedAt: Date;
}
