import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Category } from './category.entity';
import { Channel } from './channel.entity';

/** One broadcast of a channel (an IVS stream id), and its recording (the VOD). */
@Entity('streams')
export class Stream {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId: string;

  @ManyToOne(() => Channel, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: Channel;

  /** IVS stream id (`st-...`), unique. */
  @Column({ name: 'stream_id', type: 'text' })
  streamId: string;

  @Column({ type: 'text', default: '' })
  title: string;

  @Column({ name: 'category_id', type: 'int', nullable: true })
  categoryId: number | null;

  @ManyToOne(() => Category, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'category_id' })
  category?: Category | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Column({ name: 'end_reason', type: 'text', nullable: true })
  endReason: string | null;

  @Column({ name: 'recording_started_at', type: 'timestamptz', nullable: true })
  recordingStartedAt: Date | null;

  @Column({ name: 'recording_ended_at', type: 'timestamptz', nullable: true })
  recordingEndedAt: Date | null;

  @Column({ name: 'recording_duration_ms', type: 'bigint', nullable: true })
  recordingDurationMs: string | null;

  @Column({ name: 'recording_key_prefix', type: 'text', nullable: true })
  recordingKeyPrefix: string | null;

  @Column({ name: 'recording_failure_reason', type: 'text', nullable: true })
  recordingFailureReason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
