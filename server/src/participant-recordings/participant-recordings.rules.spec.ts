import { recordingsAccess } from './participant-recordings.rules';

describe('recordingsAccess', () => {
  it('the host sees all', () => expect(recordingsAccess('h', 'h', false)).toEqual({ kind: 'all' }));
  it('a member sees their own', () => expect(recordingsAccess('m', 'h', true)).toEqual({ kind: 'own', userId: 'm' }));
  it('anyone else sees nothing', () => expect(recordingsAccess('x', 'h', false)).toEqual({ kind: 'none' }));
});
