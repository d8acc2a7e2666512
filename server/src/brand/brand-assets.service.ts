import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BRAND_ASSETS_PER_CHANNEL, brandAssetIdOf, brandAssetPath, type BrandAsset, type StudioDocument } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import type { User } from '../users/user.entity';
import { resolveStudioRole } from '../studio/studio.reducer';
import { BrandAssetRow } from './brand-asset.entity';
import { assetsInUse, assetsToPrune, mayUploadBrandAsset } from './brand-assets.rules';
import { checkBrandImage } from './image-header';

/** Brand images: stored after the checks, served by id, and looked up when a command names one. */
@Injectable()
export class BrandAssets {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Stores an upload for a studio. In one transaction: the studio's row is locked (one upload
   * at a time per studio), the document read FOR SHARE (a brand change naming an image waits,
   * so it never points at one being pruned), then the image is checked, stored and the oldest
   * unused uploads beyond the limit deleted. Any refusal stores nothing.
   */
  async upload(user: User, studio: string, bytes: Buffer): Promise<BrandAsset> {
    return this.db.transaction(async (m) => {
      const stage = (
        (await m.query(`SELECT id, user_id FROM stages WHERE lower(name) = lower($1) FOR UPDATE`, [studio])) as {
          id: string;
          user_id: string;
        }[]
      )[0];
      if (!stage) throw new AppError('stage/not-found');
      const doc = (
        (await m.query(`SELECT document FROM studio_documents WHERE stage_id = $1 FOR SHARE`, [stage.id])) as { document: StudioDocument }[]
      )[0]?.document;
      // A studio never opened has no document yet: its owner is its only host.
      const role = resolveStudioRole(
        { kind: 'user', id: user.id, role: user.role },
        doc ?? { stageId: stage.id, ownerId: stage.user_id, members: [] },
      );
      if (!mayUploadBrandAsset(role))
        throw new AppError('auth/forbidden', 'Only the host or a co-host of this studio may upload its brand images.');

      const check = checkBrandImage(bytes);
      if (!check.ok) throw new AppError(check.code, check.message);

      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const repo = m.getRepository(BrandAssetRow);
      const same = await repo.findOne({ where: { stageId: stage.id, sha256 } });
      if (same) return view(same);

      const row = repo.create({
        id: randomUUID(),
        stageId: stage.id,
        uploadedBy: user.id,
        contentType: check.image.type,
        width: check.image.width,
        height: check.image.height,
        bytes: bytes.length,
        sha256,
        data: bytes,
        createdAt: new Date(),
      });
      await repo.insert(row);

      const all = await repo.find({ where: { stageId: stage.id }, select: { id: true, createdAt: true } });
      const inUse = doc ? assetsInUse(doc.layout) : new Set<string>();
      const { prune, full } = assetsToPrune(all, inUse, row.id, BRAND_ASSETS_PER_CHANNEL);
      if (full) throw new AppError('brand/too-many');
      if (prune.length) await m.query(`DELETE FROM brand_assets WHERE stage_id = $1 AND id = ANY($2::uuid[])`, [stage.id, prune]);
      return view(row);
    });
  }

  /** The bytes and type of one image, or null. */
  async read(id: string): Promise<{ contentType: string; data: Buffer } | null> {
    const rows = (await this.db.query(`SELECT content_type, data FROM brand_assets WHERE id = $1`, [id])) as {
      content_type: string;
      data: Buffer;
    }[];
    return rows[0] ? { contentType: rows[0].content_type, data: rows[0].data } : null;
  }

  /**
   * A command may point the studio only at this studio's own uploads (outside http(s) URLs stay
   * allowed for the background, as before). Runs inside the command's transaction.
   */
  async assertUsable(m: EntityManager, stageId: string, urls: ReadonlyArray<string | null | undefined>): Promise<void> {
    const ids = [...new Set(urls.map(brandAssetIdOf).filter((id): id is string => id !== null))];
    if (!ids.length) return;
    const rows = (await m.query(`SELECT id, stage_id FROM brand_assets WHERE id = ANY($1::uuid[])`, [ids])) as {
      id: string;
      stage_id: string;
    }[];
    for (const id of ids) {
      const row = rows.find((r) => r.id === id);
      if (!row) throw new AppError('brand/not-found');
      if (row.stage_id !== stageId) throw new AppError('brand/not-yours');
    }
  }
}

function view(row: BrandAssetRow): BrandAsset {
  return {
    id: row.id,
    url: brandAssetPath(row.id),
    contentType: row.contentType,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    createdAt: row.createdAt.toISOString(),
  };
}
