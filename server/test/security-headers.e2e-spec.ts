import { startTestApp, TestApp } from './support/test-app';

/** Security headers on every response: the app's pages, the API, and the API docs (their own relaxed CSP). */
describe('security headers', () => {
  let local: TestApp;
  let https: TestApp;
  beforeAll(async () => {
    local = await startTestApp({ SERVE_CLIENT: 'true' });
    https = await startTestApp({ PUBLIC_URL: 'https://studio.example' }, { db: local.db });
  });
  afterAll(async () => {
    await https.close();
    await local.close();
  });

  const headers = async (base: string, path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { accept: path === '/' ? 'text/html' : '*/*' } });
    await res.arrayBuffer();
    return res.headers;
  };
  const directives = (csp: string | null) =>
    new Map(
      (csp ?? '')
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map(([name, ...values]) => [name, values]),
    );

  it.each(['/', '/api/health', '/api/channels/nobody', '/api/docs'])(
    '%s carries CSP, frame-ancestors, nosniff and a referrer policy',
    async (path) => {
      const h = await headers(local.url, path);
      const csp = directives(h.get('content-security-policy'));
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('x-frame-options')).toBe('DENY');
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('x-powered-by')).toBeNull();
      // Plain http: no HSTS (it would lock browsers out of a local server) and no upgrade.
      expect(h.get('strict-transport-security')).toBeNull();
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
    },
  );

  it("the app's pages allow no inline style; the API docs allow Swagger UI's inline styles but no inline script", async () => {
    const app = directives((await headers(local.url, '/')).get('content-security-policy'));
    expect(app.get('style-src')).toEqual(["'self'"]);
    expect(app.get('connect-src')).toContain(`ws://${new URL(local.config.publicUrl).host}`);
    expect(app.get('worker-src')).toEqual(["'self'", 'blob:']);
    const docs = directives((await headers(local.url, '/api/docs')).get('content-security-policy'));
    expect(docs.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(docs.get('script-src')).toEqual(["'self'"]);
    const page = await fetch(`${local.url}/api/docs`);
    expect(page.status).toBe(200);
    // Swagger UI's scripts are files on this origin, as the policy requires.
    const html = await page.text();
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
    expect(html).toMatch(/<script src=['"][^'"]*swagger-ui-init\.js['"]/);
  });

  it('sends HSTS and upgrades requests only when PUBLIC_URL is https', async () => {
    for (const path of ['/api/health', '/api/docs']) {
      const h = await headers(https.url, path);
      expect(h.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      const csp = directives(h.get('content-security-policy'));
      expect(csp.has('upgrade-insecure-requests')).toBe(true);
      expect(csp.get('connect-src')).toContain('wss://studio.example');
    }
  });
});
