import { readFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { BRAND_ASSET_MAX_BYTES, BRAND_ASSETS_PER_CHANNEL, type BrandAsset } from '@streamcat/protocol';
import { expectOk, join, seat, studio } from './support/studio-client';
import { register, type Account } from './support/test-app';
import { useTestApp } from './support/use-test-app';

const fixture = (name: string) => readFileSync(joinPath(__dirname, 'fixtures/brand', name));

describe('brand images: uploaded by content, stored in PostgreSQL, served by id', () => {
  const t = useTestApp();

  /** The raw file as the body, as the studio page sends it; the Content-Type is only a claim. */
  async function upload(account: Account | null, studioName: string, bytes: Uint8Array, type = 'image/png') {
    const res = await fetch(`${t.url}/api/brand-assets?studio=${encodeURIComponent(studioName)}`, {
      method: 'POST',
      headers: { 'content-type': type, ...(account ? { authorization: `Bearer ${account.accessToken}` } : {}) },
      body: bytes,
    });
    return { status: res.status, body: (await res.json()) as BrandAsset & { error: { code: string; message: string } } };
  }
  const rows = async (stageName: string) =>
    Number(
      (await t.pg.query(`SELECT count(*) FROM brand_assets b JOIN stages s ON s.id = b.stage_id WHERE s.name = $1`, [stageName])).rows[0]
        .count,
    );

  it('stores a real PNG and a real JPEG and serves them back byte for byte, same origin, cached for good', async () => {
    const owner = await register(t.url);
    const png = await upload(owner, owner.user.username, fixture('logo.png'));
    expect(png.status).toBe(201);
    expect(png.body).toMatchObject({ contentType: 'image/png', width: 96, height: 48, bytes: fixture('logo.png').length });
    expect(png.body.url).toBe(`/api/brand-assets/${png.body.id}`);
    // Told it was a PNG, it is a JPEG: the bytes decide.
    const jpg = await upload(owner, owner.user.username, fixture('photo.jpg'), 'image/png');
    expect(jpg.status).toBe(201);
    expect(jpg.body).toMatchObject({ contentType: 'image/jpeg', width: 320, height: 180 });
    const webp = await upload(owner, owner.user.username, fixture('alpha.webp'), 'application/octet-stream');
    expect(webp.body).toMatchObject({ contentType: 'image/webp', width: 300, height: 120 });
    expect(await rows(owner.user.username)).toBe(3);

    const served = await fetch(`${t.url}${jpg.body.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('cache-control')).toContain('immutable');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await served.arrayBuffer()).equals(fixture('photo.jpg'))).toBe(true);

    // The same file again is the same asset, not a second row.
    const again = await upload(owner, owner.user.username, fixture('logo.png'));
    expect(again.body.id).toBe(png.body.id);
    expect(await rows(owner.user.username)).toBe(3);
    expect((await fetch(`${t.url}/api/brand-assets/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await fetch(`${t.url}/api/brand-assets/not-an-id`)).status).toBe(400);
  });

  it('refuses a file over 2 MB, a text file named .png and a 4097 px image, each with a sentence, storing nothing', async () => {
    const owner = await register(t.url);
    const before = await t.pg.count('brand_assets');
    const big = Buffer.alloc(BRAND_ASSET_MAX_BYTES + 1);
    fixture('logo.png').copy(big);
    const cases: [Uint8Array, number, string, string][] = [
      [big, 413, 'brand/too-large', 'larger than 2 MB'],
      [fixture('not-an-image.png'), 415, 'brand/not-an-image', 'not a PNG, JPEG or WebP image'],
      [fixture('wide-4097.png'), 422, 'brand/too-many-pixels', '4097 × 16 pixels; a brand image may be at most 4096'],
      [fixture('photo.jpg').subarray(0, 60), 422, 'brand/unreadable', 'damaged or incomplete'],
    ];
    for (const [bytes, status, code, sentence] of cases) {
      const res = await upload(owner, owner.user.username, bytes);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
      expect(res.body.error.message).toContain(sentence);
    }
    expect(await rows(owner.user.username)).toBe(0);
    expect(await t.pg.count('brand_assets')).toBe(before);
  });

  it('only the host and co-hosts upload; the brand names only this studio’s uploads and reaches every member', async () => {
    const owner = await register(t.url);
    const cohost = await register(t.url);
    const guest = await register(t.url);
    const stranger = await register(t.url);
    const stage = owner.user.username;
    const hs = await t.open({ token: owner.accessToken });
    const cs = await t.open({ token: cohost.accessToken });
    const gs = await t.open({ token: guest.accessToken });
    await join(hs, stage);
    await seat(hs, cs, stage, cohost.user.username, 'cohost');
    await seat(hs, gs, stage, guest.user.username, 'guest');

    const refusedGuest = await upload(guest, stage, fixture('logo.png'));
    expect(refusedGuest).toMatchObject({ status: 403, body: { error: { code: 'auth/forbidden' } } });
    expect((await upload(stranger, stage, fixture('logo.png'))).status).toBe(403);
    expect((await upload(null, stage, fixture('logo.png'))).status).toBe(401);
    expect((await upload(owner, 'no-such-studio', fixture('logo.png'))).status).toBe(404);
    expect(await rows(stage)).toBe(0);

    const logo = await upload(cohost, stage, fixture('logo.png'));
    expect(logo.status).toBe(201);
    const foreign = await upload(stranger, stranger.user.username, fixture('photo.jpg'));

    await join(gs, stage);
    const changed = new Promise<{ document: { layout: { brand?: unknown } } }>((resolve) => gs.once('studio:changed', resolve));
    expectOk(await studio(cs, 'studio:brand', { stage, patch: { primary: '#0088ff', lowerThird: 'underline', logo: logo.body.url } }));
    expect((await changed).document.layout.brand).toEqual({
      primary: '#0088ff',
      lowerThird: 'underline',
      logo: logo.body.url,
      overlay: null,
    });

    const notOurs = await studio(hs, 'studio:brand', { stage, patch: { overlay: foreign.body.url } });
    expect(notOurs).toMatchObject({ ok: false, error: { code: 'brand/not-yours' } });
    const bgNotOurs = await studio(hs, 'studio:layout', { stage, patch: { background: { kind: 'image', url: foreign.body.url } } });
    expect(bgNotOurs).toMatchObject({ ok: false, error: { code: 'brand/not-yours' } });
    expect(await studio(gs, 'studio:brand', { stage, patch: { primary: '#000000' } })).toMatchObject({
      ok: false,
      error: { code: 'auth/forbidden' },
    });
    expectOk(await studio(hs, 'studio:layout', { stage, patch: { background: { kind: 'image', url: logo.body.url } } }));
  });

  it('documents the upload and the image in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.url}/api/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content: object } }>>;
    };
    const post = doc.paths['/api/brand-assets'].post;
    expect(post.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['query:studio']);
    expect(Object.keys(post.requestBody?.content ?? {})).toEqual(['image/png', 'image/jpeg', 'image/webp', 'application/octet-stream']);
    expect(doc.paths['/api/brand-assets/{id}'].get.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id']);
  });

  it('keeps at most 8 per studio, deleting the oldest the brand does not show', async () => {
    const owner = await register(t.url);
    const stage = owner.user.username;
    const hs = await t.open({ token: owner.accessToken });
    await join(hs, stage);
    const first = await upload(owner, stage, fixture('logo.png'));
    expectOk(await studio(hs, 'studio:brand', { stage, patch: { logo: first.body.url } }));
    // Distinct files: a real PNG with a different trailing byte each (PNG readers ignore data after IEND).
    const uploaded: string[] = [first.body.id];
    for (let k = 1; k <= BRAND_ASSETS_PER_CHANNEL + 2; k++) {
      const res = await upload(owner, stage, Buffer.concat([fixture('logo.png'), Buffer.from([k])]));
      expect(res.status).toBe(201);
      uploaded.push(res.body.id);
    }
    expect(await rows(stage)).toBe(BRAND_ASSETS_PER_CHANNEL);
    const kept = (await t.pg.query(`SELECT id FROM brand_assets WHERE id = ANY($1::uuid[])`, [uploaded])).rows.map((r) => r.id);
    // The logo in use stays; of the rest, the oldest went.
    expect(kept).toContain(first.body.id);
    expect(kept).not.toContain(uploaded[1]);
    expect(kept).not.toContain(uploaded[2]);
    expect(kept).not.toContain(uploaded[3]);
    expect(kept).toContain(uploaded[uploaded.length - 1]);
  });
});
