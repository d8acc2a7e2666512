import { Column, Entity, PrimaryColumn } from 'typeorm';

export type LedgerOutcome = 'applied' | 'duplicate' | 'ignored' | 'orphan';

/** Every IVS event received, by envelope id: the idempotency record of the pipeline. */
@Entity('ivs_events')
export class IvsEventLedgerEntry {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'detail_type', type: 'text' })
  detailType: string;

  /** event_name / recording_status / limit name, whichever the detail-type uses. */
  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column({ name: 'resource_arn', type: 'text', nullable: true })
  resourceArn: string | null;

  @Column({ name: 'event_time', type: 'timestamptz' })
  eventTime: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'text' })
  outcome: LedgerOutcome;

  @Column({ type: 'jsonb' })
  payload: unknown;
}
