import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BrandImageType } from '@streamcat/protocol';

/**
 * An uploaded brand image of a studio (logo, background, overlay), bytes and all: in
 * PostgreSQL so every replica serves it. Immutable: a new image is a new row and a new id.
 */
@Entity('brand_assets')
export class BrandAssetRow {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'stage_id', type: 'uuid' })
  stageId: string;

  @Column({ name: 'uploaded_by', type: 'uuid', nullable: true })
  uploadedBy: string | null;

  /** Read from the bytes, never from the upload's Content-Type. */
  @Column({ name: 'content_type', type: 'text' })
  contentType: BrandImageType;

  @Column({ type: 'integer' })
  width: number;

  @Column({ type: 'integer' })
  height: number;

  @Column({ type: 'integer' })
  bytes: number;

  /** Hex SHA-256 of the bytes: the same file uploaded twice to a studio is one row. */
  @Column({ type: 'text' })
  sha256: string;

  @Column({ type: 'bytea', select: false })
  data: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
