import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, OneToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ChannelType } from '@streamcat/protocol';
import { User } from '../users/user.entity';
import { Category } from './category.entity';

export type StreamHealth = 'HEALTHY' | 'STARVING' | 'UNKNOWN';

/** One IVS low-latency channel per user, created at sign-up. */
@Entity('channels')
export class Channel {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** URL name of the channel (the owner's username). */
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  arn: string;

  /** IVS channel type (BASIC, STANDARD, ADVANCED_SD, ADVANCED_HD), as created. */
  @Column({ type: 'text', default: 'STANDARD' })
  type: ChannelType;

  @Column({ name: 'ingest_endpoint', type: 'text' })
  ingestEndpoint: string;

  @Column({ name: 'playback_url', type: 'text' })
  playbackUrl: string;

  @Column({ name: 'stream_key_arn', type: 'text' })
  streamKeyArn: string;

  @Column({ name: 'stream_key_value', type: 'text' })
  streamKeyValue: string;

  @Column({ type: 'text', default: '' })
  title: string;

  @Column({ name: 'category_id', type: 'int', nullable: true })
  categoryId: number | null;

  @ManyToOne(() => Category, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'category_id' })
  category?: Category | null;

  @Column({ name: 'is_live', type: 'boolean', default: false })
  isLive: boolean;

  /** Time of the stream-state event that last set is_live: older events never move it back. */
  @Column({ name: 'live_state_at', type: 'timestamptz', nullable: true })
  liveStateAt: Date | null;

  /** Envelope id of that event, to break ties between events with the same time. */
  @Column({ name: 'live_state_event_id', type: 'text', nullable: true })
  liveStateEventId: string | null;

  @Column({ name: 'current_stream_id', type: 'text', nullable: true })
  currentStreamId: string | null;

  @Column({ type: 'text', default: 'UNKNOWN' })
  health: StreamHealth;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
