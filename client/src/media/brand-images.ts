/**
 * Brand images for the compositor, decoded once per URL and kept as ready-to-draw bitmaps: a
 * frame only looks one up, never decodes. Images the brand stops naming are released. Same
 * origin uploads (or CORS-enabled URLs): a tainted canvas could not be captured for the broadcast.
 */
export type DrawableImage = ImageBitmap | HTMLImageElement;

interface Entry {
  image: DrawableImage | null;
  failed: boolean;
}

export class BrandImages {
  private readonly entries = new Map<string, Entry>();

  /** The decoded image, or null while it loads (or if it failed: the frame is drawn without it). */
  get(url: string | null | undefined): DrawableImage | null {
    return url ? (this.entries.get(url)?.image ?? null) : null;
  }

  /** Starts loading the URLs not held yet and releases the ones no longer named. */
  retain(urls: ReadonlyArray<string | null | undefined>): void {
    const wanted = new Set(urls.filter((u): u is string => !!u));
    for (const [url, entry] of this.entries) {
      if (wanted.has(url)) continue;
      if (entry.image && 'close' in entry.image) entry.image.close();
      this.entries.delete(url);
    }
    for (const url of wanted) if (!this.entries.has(url)) this.load(url);
  }

  clear(): void {
    this.retain([]);
  }

  private load(url: string): void {
    const entry: Entry = { image: null, failed: false };
    this.entries.set(url, entry);
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.src = url;
    void img
      .decode()
      .then(async () => {
        // A bitmap is drawn without per-frame decoding work; where unsupported, the decoded element does.
        const ready: DrawableImage = typeof createImageBitmap === 'function' ? await createImageBitmap(img).catch(() => img) : img;
        if (this.entries.get(url) === entry) entry.image = ready;
        else if ('close' in ready) ready.close();
      })
      .catch(() => {
        entry.failed = true;
      });
  }
}

export function imageSize(image: DrawableImage): { width: number; height: number } {
  return 'naturalWidth' in image
    ? { width: image.naturalWidth, height: image.naturalHeight }
    : { width: image.width, height: image.height };
}
