import { brandAssetIdOf, type StudioDocument } from '@streamcat/protocol';
import type { ActorRole } from '../auth/authorization';

/**
 * Who may upload brand images to a studio: the people who may change its brand (`studio:brand`
 * is host and co-host), since an upload is only ever used there. Guests, viewers and site staff
 * may not: an upload costs the channel database space.
 */
export function mayUploadBrandAsset(role: ActorRole): boolean {
  return role === 'host' || role === 'cohost';
}

/** The uploads the studio shows now (logo, overlay, background image): never deleted to make room. */
export function assetsInUse(layout: Pick<StudioDocument['layout'], 'brand' | 'background'>): Set<string> {
  const urls = [layout.brand?.logo, layout.brand?.overlay, layout.background.kind === 'image' ? layout.background.url : null];
  return new Set(urls.map(brandAssetIdOf).filter((id): id is string => id !== null));
}

/**
 * Which uploads to delete so a channel keeps at most `limit`: the oldest ones the studio does not
 * show, never `keep` (the one just uploaded). `full` when that is not enough (everything left is
 * in use), and the upload must be refused.
 */
export function assetsToPrune(
  assets: ReadonlyArray<{ id: string; createdAt: Date }>,
  inUse: ReadonlySet<string>,
  keep: string,
  limit: number,
): { prune: string[]; full: boolean } {
  const excess = assets.length - limit;
  if (excess <= 0) return { prune: [], full: false };
  const candidates = [...assets]
    .filter((a) => a.id !== keep && !inUse.has(a.id))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  const prune = candidates.slice(0, excess).map((a) => a.id);
  return { prune, full: prune.length < excess };
}
