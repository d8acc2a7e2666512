import { brandAssetPath, DEFAULT_BRAND, initialStudioDocument } from '@streamcat/protocol';
import { isAllowed, ROLES } from '../auth/authorization';
import { ActorContext, applyStudioCommand } from './studio.reducer';

const now = new Date('2026-12-04T03:00:00Z');
const host: ActorContext = { role: 'host', memberId: 'owner', userId: 'owner', label: 'owner' };
const logo = brandAssetPath('0b0e6c1e-33c3-4b43-9a3c-2f0f4c6f1a11');

function fresh() {
  return initialStudioDocument({ stageId: 'st', stageName: 'alice', ownerId: 'owner', ownerName: 'alice', now });
}

describe('studio:brand', () => {
  it('is for the host and co-hosts only', () => {
    expect(ROLES.filter((r) => isAllowed('studio:brand', r))).toEqual(['cohost', 'host']);
  });

  it('patches the brand over the default, leaving the rest of the document as it was', () => {
    const d0 = fresh();
    expect(d0.layout.brand).toBeUndefined();
    const r = applyStudioCommand(d0, { type: 'brand', patch: { primary: '#112233', logo } }, host, now);
    if (!r.ok) throw new Error(r.code);
    expect(r.doc.layout.brand).toEqual({ ...DEFAULT_BRAND, primary: '#112233', logo });
    expect({ ...r.doc.layout, brand: undefined }).toEqual({ ...d0.layout, brand: undefined });
    expect(r.change).toMatchObject({ type: 'brand', by: 'owner' });
    expect(d0.layout.brand).toBeUndefined(); // never mutates its input

    const r2 = applyStudioCommand(r.doc, { type: 'brand', patch: { lowerThird: 'underline', logo: null } }, host, now);
    if (!r2.ok) throw new Error(r2.code);
    expect(r2.doc.layout.brand).toEqual({ primary: '#112233', lowerThird: 'underline', logo: null, overlay: null });
  });

  it('survives a layout change (a layout patch does not name the brand)', () => {
    const r = applyStudioCommand(fresh(), { type: 'brand', patch: { lowerThird: 'box' } }, host, now);
    if (!r.ok) throw new Error(r.code);
    const r2 = applyStudioCommand(
      r.doc,
      { type: 'layout', patch: { nameTags: false, background: { kind: 'image', url: logo } } },
      host,
      now,
    );
    if (!r2.ok) throw new Error(r2.code);
    expect(r2.doc.layout.brand?.lowerThird).toBe('box');
    expect(r2.doc.layout.background).toEqual({ kind: 'image', url: logo });
  });
});
