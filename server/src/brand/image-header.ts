import { BRAND_ASSET_MAX_BYTES, BRAND_ASSET_MAX_PIXELS, type BrandImageType, type ErrorCode } from '@streamcat/protocol';

/**
 * What a file is, by its own bytes: PNG, JPEG or WebP by magic number, and its pixel size from
 * its header (PNG IHDR, the JPEG frame header, WebP's VP8 / VP8L / VP8X chunk). Pure and total:
 * any input, truncated or garbage, gives an answer, never a throw. The name and Content-Type a
 * browser sends say nothing we trust.
 */
export type ImageHeader = { type: BrandImageType; width: number; height: number };
export type HeaderResult = { ok: true; image: ImageHeader } | { ok: false; reason: 'not-an-image' | 'unreadable' };

export function readImageHeader(bytes: Uint8Array): HeaderResult {
  if (startsWith(bytes, 0, PNG_SIGNATURE)) return png(bytes);
  if (startsWith(bytes, 0, [0xff, 0xd8, 0xff])) return jpeg(bytes);
  if (startsWith(bytes, 0, ascii('RIFF')) && startsWith(bytes, 8, ascii('WEBP'))) return webp(bytes);
  return { ok: false, reason: 'not-an-image' };
}

export type BrandImageCheck = { ok: true; image: ImageHeader } | { ok: false; code: ErrorCode; message: string };

/** The upload rules, each refusal a sentence naming the rule and its limit. */
export function checkBrandImage(bytes: Uint8Array): BrandImageCheck {
  if (bytes.length > BRAND_ASSET_MAX_BYTES)
    return {
      ok: false,
      code: 'brand/too-large',
      message: `That image is ${mb(bytes.length)} MB; a brand image may be at most ${mb(BRAND_ASSET_MAX_BYTES)} MB. Upload a smaller file.`,
    };
  const header = readImageHeader(bytes);
  if (!header.ok)
    return header.reason === 'not-an-image'
      ? {
          ok: false,
          code: 'brand/not-an-image',
          message: 'That file is not a PNG, JPEG or WebP image (checked by its content, not its name). Upload one of those.',
        }
      : {
          ok: false,
          code: 'brand/unreadable',
          message: 'That image file is damaged or incomplete: its size cannot be read. Upload it again.',
        };
  const { width, height } = header.image;
  if (width > BRAND_ASSET_MAX_PIXELS || height > BRAND_ASSET_MAX_PIXELS)
    return {
      ok: false,
      code: 'brand/too-many-pixels',
      message: `That image is ${width} × ${height} pixels; a brand image may be at most ${BRAND_ASSET_MAX_PIXELS} pixels wide and ${BRAND_ASSET_MAX_PIXELS} tall.`,
    };
  return header;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function png(b: Uint8Array): HeaderResult {
  // The first chunk must be IHDR, 13 bytes long: width and height as big-endian 32-bit numbers.
  if (b.length < 24 || u32be(b, 8) !== 13 || !startsWith(b, 12, ascii('IHDR'))) return unreadable;
  return sized('image/png', u32be(b, 16), u32be(b, 20));
}

/** Start-of-frame markers (every coding process), which carry the frame's size; C4, C8 and CC are other tables. */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpeg(b: Uint8Array): HeaderResult {
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return unreadable;
    const marker = b[i + 1];
    // Fill bytes before a marker, and markers with no length (TEM, RSTn, a repeated SOI).
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    // Scan data or the end before any frame header: no size to read.
    if (marker === 0xd9 || marker === 0xda) return unreadable;
    if (i + 4 > b.length) return unreadable;
    const length = u16be(b, i + 2);
    if (length < 2) return unreadable;
    if (SOF.has(marker)) {
      if (length < 7 || i + 9 > b.length) return unreadable;
      return sized('image/jpeg', u16be(b, i + 7), u16be(b, i + 5));
    }
    i += 2 + length;
  }
  return unreadable;
}

function webp(b: Uint8Array): HeaderResult {
  if (b.length < 20) return unreadable;
  const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
  const d = 20; // chunk data starts after its fourcc and 32-bit size
  if (chunk === 'VP8X') {
    if (b.length < d + 10) return unreadable;
    // Canvas width and height minus one, 24-bit little-endian, after 4 bytes of flags.
    return sized('image/webp', 1 + u24le(b, d + 4), 1 + u24le(b, d + 7));
  }
  if (chunk === 'VP8 ') {
    // A key frame: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (2 bits of scaling each).
    if (b.length < d + 10 || !startsWith(b, d + 3, [0x9d, 0x01, 0x2a])) return unreadable;
    return sized('image/webp', u16le(b, d + 6) & 0x3fff, u16le(b, d + 8) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Signature 0x2f, then width-1 and height-1 as 14-bit fields packed little-endian.
    if (b.length < d + 5 || b[d] !== 0x2f) return unreadable;
    const bits = (b[d + 1] | (b[d + 2] << 8) | (b[d + 3] << 16) | (b[d + 4] << 24)) >>> 0;
    return sized('image/webp', 1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
  }
  return unreadable;
}

const unreadable: HeaderResult = { ok: false, reason: 'unreadable' };

function sized(type: BrandImageType, width: number, height: number): HeaderResult {
  return width > 0 && height > 0 ? { ok: true, image: { type, width, height } } : unreadable;
}

function startsWith(b: Uint8Array, at: number, prefix: readonly number[]): boolean {
  if (b.length < at + prefix.length) return false;
  return prefix.every((v, k) => b[at + k] === v);
}

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}
