import {
  brandAssetIdOf,
  BrandPatch,
  cloudCannotShow,
  DEFAULT_BRAND,
  initialStudioDocument,
  patchBrand,
  StudioCommands,
  StudioLayout,
} from './index';

const id = '0b0e6c1e-33c3-4b43-9a3c-2f0f4c6f1a11';

describe('brand schemas', () => {
  it('a layout stored before brands existed still parses; one with a brand too', () => {
    const old = {
      name: 'grid',
      order: [],
      featuredId: null,
      screenShareId: null,
      nameTags: true,
      banner: { text: '', visible: false },
      background: { kind: 'colour', colour: '#101418' },
    };
    expect(StudioLayout.safeParse(old).success).toBe(true);
    expect(StudioLayout.safeParse({ ...old, brand: { ...DEFAULT_BRAND, logo: `/api/brand-assets/${id}` } }).success).toBe(true);
  });

  it('logo and overlay are uploads only; the background takes an upload or an http(s) URL', () => {
    expect(BrandPatch.safeParse({ logo: `/api/brand-assets/${id}` }).success).toBe(true);
    for (const bad of [
      'https://example.com/logo.png',
      `/api/brand-assets/${id}/../../x`,
      'javascript:alert(1)',
      `/api/brand-assets/${id.toUpperCase()}`,
    ])
      expect(BrandPatch.safeParse({ logo: bad }).success).toBe(false);
    expect(BrandPatch.safeParse({}).success).toBe(false);
    expect(BrandPatch.safeParse({ lowerThird: 'ticker' }).success).toBe(false);
    expect(BrandPatch.safeParse({ primary: 'red' }).success).toBe(false);

    const layout = StudioCommands.layout.schema;
    const base = { stage: 'alice', commandId: 'command-1' };
    expect(layout.safeParse({ ...base, patch: { background: { kind: 'image', url: `/api/brand-assets/${id}` } } }).success).toBe(true);
    expect(layout.safeParse({ ...base, patch: { background: { kind: 'image', url: 'https://example.com/bg.jpg' } } }).success).toBe(true);
    expect(layout.safeParse({ ...base, patch: { background: { kind: 'image', url: '/etc/passwd' } } }).success).toBe(false);
  });

  it('patchBrand keeps unnamed fields; brandAssetIdOf finds uploads only', () => {
    expect(patchBrand(undefined, { overlay: `/api/brand-assets/${id}` })).toEqual({ ...DEFAULT_BRAND, overlay: `/api/brand-assets/${id}` });
    expect(brandAssetIdOf(`/api/brand-assets/${id}`)).toBe(id);
    expect(brandAssetIdOf('https://example.com/x.png')).toBeNull();
    expect(brandAssetIdOf(null)).toBeNull();
  });
});

describe('the cloud programme and the brand', () => {
  it('says the cloud programme shows neither the logo nor the overlay', () => {
    const d = initialStudioDocument({ stageId: 's', stageName: 'alice', ownerId: 'o', ownerName: 'alice', now: new Date(0) });
    expect(cloudCannotShow(d)).not.toContain('the logo');
    d.layout.brand = { ...DEFAULT_BRAND, logo: `/api/brand-assets/${id}`, overlay: `/api/brand-assets/${id}` };
    expect(cloudCannotShow(d)).toEqual(expect.arrayContaining(['the logo', 'the overlay']));
  });
});
