import { newViewerSession, verifyViewerSession, viewerSessionKey } from './viewer-session';

describe('viewer session cookie values', () => {
  const key = viewerSessionKey('server-secret-for-tests-0123456789');

  it('verify what this server issued, each with a fresh id', () => {
    const a = newViewerSession(key);
    const b = newViewerSession(key);
    expect(a.id).not.toBe(b.id);
    expect(verifyViewerSession(key, a.value)).toBe(a.id);
  });

  it('refuse forged, altered, foreign and malformed values', () => {
    const { id, value } = newViewerSession(key);
    const other = viewerSessionKey('another-server-secret-0123456789');
    const chosenId = 'AAAAAAAAAAAAAAAAAAAAAA';
    expect(verifyViewerSession(other, value)).toBeNull();
    expect(verifyViewerSession(key, `${chosenId}${value.slice(22)}`)).toBeNull();
    expect(verifyViewerSession(key, `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    for (const bad of [undefined, '', id, `${id}.`, `${value}x`, `${value}.x`, 'x'.repeat(10_240)])
      expect(verifyViewerSession(key, bad)).toBeNull();
  });
});
