import { initialStudioDocument } from '@streamcat/protocol';
import { Stage } from '../stages/stage.entity';
import { KnownDocuments } from './known-documents';

const stage = (i: number) => Object.assign(new Stage(), { id: `id-${i}`, name: `Name${i}`, userId: `u-${i}`, isLive: false });
const doc = (i: number) =>
  initialStudioDocument({ stageId: `id-${i}`, stageName: `Name${i}`, ownerId: `u-${i}`, ownerName: `Name${i}`, now: new Date(0) });

describe('KnownDocuments', () => {
  it('finds a studio by id or by name (any case), at the version it was remembered', () => {
    const known = new KnownDocuments();
    known.remember({ stage: stage(1), version: 3, document: doc(1) });
    expect(known.get({ id: 'id-1' })?.version).toBe(3);
    expect(known.get({ name: 'name1' })?.version).toBe(3);
    expect(known.get({ name: 'name2' })).toBeUndefined();
  });

  it('never goes back to an earlier version (a slow writer finishing late)', () => {
    const known = new KnownDocuments();
    known.remember({ stage: stage(1), version: 5, document: doc(1) });
    known.remember({ stage: stage(1), version: 4, document: doc(1) });
    expect(known.get({ id: 'id-1' })?.version).toBe(5);
    known.remember({ stage: stage(1), version: 6, document: doc(1) });
    expect(known.get({ id: 'id-1' })?.version).toBe(6);
  });

  it('forgets a stale studio, and the least recently used one past its capacity', () => {
    const known = new KnownDocuments();
    known.remember({ stage: stage(0), version: 1, document: doc(0) });
    known.forget('id-0');
    expect(known.get({ id: 'id-0' })).toBeUndefined();
    for (let i = 0; i < 1_001; i++) {
      known.remember({ stage: stage(i), version: 1, document: doc(i) });
      if (i === 500) known.get({ id: 'id-1' }); // used again: not the oldest any more
    }
    expect(known.size).toBe(1_000);
    expect(known.get({ id: 'id-0' })).toBeUndefined();
    expect(known.get({ name: 'Name0' })).toBeUndefined();
    expect(known.get({ id: 'id-1' })?.version).toBe(1);
    expect(known.get({ id: 'id-1000' })?.version).toBe(1);
  });
});
