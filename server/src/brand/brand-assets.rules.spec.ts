import { brandAssetPath, initialStudioDocument } from '@streamcat/protocol';
import { ROLES } from '../auth/authorization';
import { assetsInUse, assetsToPrune, mayUploadBrandAsset } from './brand-assets.rules';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (n: number) => new Date(Date.UTC(2026, 11, 1, 0, n));

describe('mayUploadBrandAsset', () => {
  it('lets exactly the host and co-hosts upload', () => {
    expect(ROLES.filter(mayUploadBrandAsset)).toEqual(['cohost', 'host']);
  });
});

describe('assetsInUse', () => {
  it('names the uploads in the logo, the overlay and the background image, not outside URLs', () => {
    const { layout } = initialStudioDocument({ stageId: 's', stageName: 'n', ownerId: 'o', ownerName: 'o', now: at(0) });
    expect(assetsInUse(layout)).toEqual(new Set());
    layout.brand = { primary: '#123456', lowerThird: 'box', logo: brandAssetPath(id(1)), overlay: brandAssetPath(id(2)) };
    layout.background = { kind: 'image', url: brandAssetPath(id(3)) };
    expect(assetsInUse(layout)).toEqual(new Set([id(1), id(2), id(3)]));
    layout.background = { kind: 'image', url: 'https://example.com/bg.png' };
    expect(assetsInUse(layout)).toEqual(new Set([id(1), id(2)]));
  });
});

describe('assetsToPrune', () => {
  const assets = (n: number) => Array.from({ length: n }, (_, k) => ({ id: id(k + 1), createdAt: at(k) }));

  it('deletes nothing under the limit', () => {
    expect(assetsToPrune(assets(8), new Set(), id(8), 8)).toEqual({ prune: [], full: false });
  });

  it('deletes the oldest uploads not in use, never the new one', () => {
    const list = assets(10);
    expect(assetsToPrune(list, new Set([id(1), id(3)]), id(10), 8)).toEqual({ prune: [id(2), id(4)], full: false });
  });

  it('says full when everything but the new upload is in use', () => {
    const list = assets(3);
    expect(assetsToPrune(list, new Set([id(1), id(2)]), id(3), 2)).toEqual({ prune: [], full: true });
  });
});
