import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A provider resource that a failed sign-up created and could not delete at once
 * (the provider was down). A sweeper retries the delete until it succeeds.
 */
@Entity('orphaned_media_resources')
export class OrphanedMediaResource {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  kind: 'channel' | 'stage';

  @Column({ type: 'text' })
  arn: string;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
