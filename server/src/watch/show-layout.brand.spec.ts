import { brandAssetPath, initialStudioDocument, ShowLayout } from '@streamcat/protocol';
import { showProjection } from './show-layout.projection';

const NOW = new Date('2026-12-04T03:00:00Z');

describe('showProjection and the brand', () => {
  const doc = () => {
    const d = initialStudioDocument({ stageId: 's1', stageName: 'alice', ownerId: 'a', ownerName: 'Alice', now: NOW });
    d.live.realtime = { state: 'open', since: NOW.toISOString() };
    return d;
  };

  it('gives real-time pages the brand the programme draws, and nothing for a studio without one', () => {
    expect(showProjection(doc())).not.toHaveProperty('brand');
    const d = doc();
    d.layout.brand = { primary: '#22aa88', lowerThird: 'box', logo: brandAssetPath('0b0e6c1e-33c3-4b43-9a3c-2f0f4c6f1a11'), overlay: null };
    const show = showProjection(d);
    expect(show?.brand).toEqual(d.layout.brand);
    expect(ShowLayout.safeParse(show).success).toBe(true);
  });
});
