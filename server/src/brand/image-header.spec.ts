import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BRAND_ASSET_MAX_BYTES } from '@streamcat/protocol';
import { checkBrandImage, readImageHeader } from './image-header';

// Real files, made with ffmpeg (server/test/fixtures/brand): the parser must read what encoders write.
const fixture = (name: string) => new Uint8Array(readFileSync(join(__dirname, '../../test/fixtures/brand', name)));

describe('readImageHeader', () => {
  it.each([
    ['logo.png', 'image/png', 96, 48],
    ['wide-4097.png', 'image/png', 4097, 16],
    ['overlay.png', 'image/png', 160, 90],
    ['photo.jpg', 'image/jpeg', 320, 180],
    ['lossy.webp', 'image/webp', 200, 100],
    ['lossless.webp', 'image/webp', 150, 76],
    ['alpha.webp', 'image/webp', 300, 120],
  ])('reads %s as %s %i×%i', (name, type, width, height) => {
    expect(readImageHeader(fixture(name))).toEqual({ ok: true, image: { type, width, height } });
  });

  it('says a text file named .png is no image', () => {
    expect(readImageHeader(fixture('not-an-image.png'))).toEqual({ ok: false, reason: 'not-an-image' });
    expect(readImageHeader(new Uint8Array())).toEqual({ ok: false, reason: 'not-an-image' });
  });

  it('answers every truncation of every fixture without throwing, and never with a size it could not read', () => {
    for (const name of ['logo.png', 'photo.jpg', 'lossy.webp', 'lossless.webp', 'alpha.webp']) {
      const whole = fixture(name);
      const full = readImageHeader(whole);
      for (let n = 0; n < Math.min(whole.length, 700); n++) {
        const r = readImageHeader(whole.subarray(0, n));
        // A prefix either still holds the whole header (the same answer) or is refused.
        if (r.ok) expect(r).toEqual(full);
        else expect(['not-an-image', 'unreadable']).toContain(r.reason);
      }
    }
  });

  it('refuses a JPEG whose scan starts before any frame header, and one whose segment lengths run off the end', () => {
    expect(readImageHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08]))).toEqual({ ok: false, reason: 'unreadable' });
    expect(readImageHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 1, 2, 3]))).toEqual({ ok: false, reason: 'unreadable' });
    // A zero width is no size.
    expect(readImageHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 8, 0, 10, 0, 0]))).toEqual({
      ok: false,
      reason: 'unreadable',
    });
  });

  it('survives random garbage behind each magic number', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const magics = [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff], [...Buffer.from('RIFF\0\0\0\0WEBP')], []];
    for (let k = 0; k < 4000; k++) {
      const magic = magics[k % magics.length];
      const bytes = Uint8Array.from([...magic, ...Array.from({ length: rand() % 64 }, rand)]);
      const r = readImageHeader(bytes);
      if (r.ok) expect(r.image.width).toBeGreaterThan(0);
    }
  });
});

describe('checkBrandImage', () => {
  it('accepts a real PNG, JPEG and WebP', () => {
    for (const name of ['logo.png', 'photo.jpg', 'lossy.webp']) expect(checkBrandImage(fixture(name)).ok).toBe(true);
  });

  it('refuses each broken rule with a sentence naming the limit', () => {
    const wide = checkBrandImage(fixture('wide-4097.png'));
    expect(wide).toMatchObject({ ok: false, code: 'brand/too-many-pixels' });
    expect(!wide.ok && wide.message).toContain('4097 × 16 pixels; a brand image may be at most 4096');

    const text = checkBrandImage(fixture('not-an-image.png'));
    expect(text).toMatchObject({ ok: false, code: 'brand/not-an-image' });
    expect(!text.ok && text.message).toContain('not a PNG, JPEG or WebP');

    // A real PNG padded past the limit: the size rule decides before the header is looked at.
    const big = new Uint8Array(BRAND_ASSET_MAX_BYTES + 1);
    big.set(fixture('logo.png'));
    const large = checkBrandImage(big);
    expect(large).toMatchObject({ ok: false, code: 'brand/too-large' });
    expect(!large.ok && large.message).toContain('at most 2 MB');
    expect(checkBrandImage(big.subarray(0, BRAND_ASSET_MAX_BYTES)).ok).toBe(true);

    expect(checkBrandImage(fixture('photo.jpg').subarray(0, 40))).toMatchObject({ ok: false, code: 'brand/unreadable' });
  });
});
