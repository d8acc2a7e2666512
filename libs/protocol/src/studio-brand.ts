import { z } from 'zod';

/**
 * A channel's brand in the studio document (`layout.brand`): primary colour, the style of the
 * lower thirds (name tags and banner), a logo and an optional full-frame overlay. Images are
 * uploads (`POST /api/brand-assets`), checked by content on the server and stored in
 * PostgreSQL, so the document names them by a same-origin path every replica serves and the
 * compositor's canvas is never tainted. The studio document is per stage, and a stage is the
 * channel's for good, so the brand carries over from one show to the next.
 */

/** Upload limits, enforced on the server from the file's own bytes. */
export const BRAND_ASSET_MAX_BYTES = 2 * 1024 * 1024;
export const BRAND_ASSET_MAX_PIXELS = 4096;
/** Uploads kept per channel: older ones the brand no longer uses are deleted to make room. */
export const BRAND_ASSETS_PER_CHANNEL = 8;
export const BRAND_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type BrandImageType = (typeof BRAND_IMAGE_TYPES)[number];

export const BRAND_ASSET_PATH_PREFIX = '/api/brand-assets/';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
export const BrandAssetId = z.string().regex(new RegExp(`^${UUID}$`), 'is not a valid asset id');
/** Where an uploaded image is served: relative, so it is always this site's. */
export const BrandAssetPath = z
  .string()
  .regex(new RegExp(`^/api/brand-assets/${UUID}$`), 'must be an uploaded image (/api/brand-assets/<id>)');

export function brandAssetPath(id: string): string {
  return `${BRAND_ASSET_PATH_PREFIX}${id}`;
}

/** The asset id in a path, or null when the path is no upload (an outside URL, say). */
export function brandAssetIdOf(url: string | null | undefined): string | null {
  return url && BrandAssetPath.safeParse(url).success ? url.slice(BRAND_ASSET_PATH_PREFIX.length) : null;
}

export const LOWER_THIRD_STYLES = ['bar', 'box', 'underline'] as const;
export type LowerThirdStyle = (typeof LOWER_THIRD_STYLES)[number];

const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a2b3c');

export const StudioBrand = z.strictObject({
  primary: Colour,
  lowerThird: z.enum(LOWER_THIRD_STYLES),
  logo: BrandAssetPath.nullable(),
  overlay: BrandAssetPath.nullable(),
});
export type StudioBrand = z.infer<typeof StudioBrand>;

/** What a studio without a brand looks like (the colours name tags and banner always had). */
export const DEFAULT_BRAND: StudioBrand = { primary: '#f0561f', lowerThird: 'bar', logo: null, overlay: null };

/** The brand of a document's layout, with the default for documents stored before brands existed. */
export function brandOf(layout: { brand?: StudioBrand }): StudioBrand {
  return layout.brand ?? DEFAULT_BRAND;
}

export const BrandPatch = z
  .strictObject({
    primary: Colour.optional(),
    lowerThird: z.enum(LOWER_THIRD_STYLES).optional(),
    logo: BrandAssetPath.nullable().optional(),
    overlay: BrandAssetPath.nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'give at least one brand field to change');
export type BrandPatch = z.infer<typeof BrandPatch>;

/** The brand after a patch: fields not named keep their value. */
export function patchBrand(current: StudioBrand | undefined, patch: BrandPatch): StudioBrand {
  const base = current ?? DEFAULT_BRAND;
  return {
    primary: patch.primary ?? base.primary,
    lowerThird: patch.lowerThird ?? base.lowerThird,
    logo: patch.logo !== undefined ? patch.logo : base.logo,
    overlay: patch.overlay !== undefined ? patch.overlay : base.overlay,
  };
}

/** `POST /api/brand-assets?studio=<stage name>`: the body is the image file's bytes, whatever its Content-Type says. */
export const BrandAssetUploadQuery = z.strictObject({
  studio: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a valid stage name'),
});
export type BrandAssetUploadQuery = z.infer<typeof BrandAssetUploadQuery>;

export const BrandAsset = z.object({
  id: z.string(),
  /** Same-origin path to put in the brand or the background. */
  url: z.string(),
  contentType: z.enum(BRAND_IMAGE_TYPES),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
  createdAt: z.string(),
});
export type BrandAsset = z.infer<typeof BrandAsset>;
