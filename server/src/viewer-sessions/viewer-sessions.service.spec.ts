import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config/config';
import { ViewerSessions } from './viewer-sessions.service';

const request = (cookie?: string) => ({ headers: cookie ? { cookie } : {} }) as IncomingMessage;
const sessions = (publicUrl: string) => new ViewerSessions({ jwtSecret: 'a-server-secret-for-this-spec-0123', publicUrl } as AppConfig);

describe('ViewerSessions', () => {
  it('issues a cookie once per request and reads it back from the next one', () => {
    const v = sessions('http://localhost:3000');
    const cookies: string[] = [];
    const req = request('other=1');
    const id = v.ensure(req, (c) => cookies.push(c));
    expect(v.ensure(req, (c) => cookies.push(c))).toBe(id);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^streamcat-viewer=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(v.of(request(`a=b; ${cookies[0].split(';')[0]}`))).toBe(id);
  });

  it('marks the cookie Secure when the public URL is https, and ignores what another secret signed', () => {
    const secure = sessions('https://streamcat.example');
    let cookie = '';
    secure.ensure(request(), (c) => (cookie = c));
    expect(cookie).toMatch(/; Secure/);
    const other = new ViewerSessions({ jwtSecret: 'another-secret-entirely-0123456789', publicUrl: 'https://x' } as AppConfig);
    expect(other.of(request(cookie.split(';')[0]))).toBeNull();
    expect(secure.of(request(`streamcat-viewer=${'x'.repeat(9000)}`))).toBeNull();
  });
});
