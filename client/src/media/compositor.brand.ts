import type { LowerThirdStyle } from '@streamcat/protocol/studio-brand';

/**
 * Where the brand goes on the programme, as pure geometry: the logo's box, and the shapes of a
 * lower third (name tag or banner) in each style. The compositor only paints what these say,
 * so the look is tested without a canvas.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The logo's corner box, as fractions of the canvas: big enough to read, small enough to stay out of the way. */
export const LOGO_BOX = { width: 0.16, height: 0.12, margin: 0.03 } as const;

/** The logo scaled to fit its box in the top-right corner, aspect kept, flush with the right and top margins. */
export function logoRect(canvas: { width: number; height: number }, image: { width: number; height: number }): Rect | null {
  if (image.width <= 0 || image.height <= 0) return null;
  const margin = Math.round(canvas.height * LOGO_BOX.margin);
  const boxW = canvas.width * LOGO_BOX.width;
  const boxH = canvas.height * LOGO_BOX.height;
  const scale = Math.min(boxW / image.width, boxH / image.height);
  const w = Math.round(image.width * scale);
  const h = Math.round(image.height * scale);
  return { x: canvas.width - margin - w, y: margin, w, h };
}

/** Black or white, whichever reads better on `hex` (WCAG relative luminance). */
export function textOn(hex: string): '#000000' | '#ffffff' {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  // Contrast with white is (1.05)/(l+0.05), with black (l+0.05)/0.05: equal at l ≈ 0.179.
  return l > 0.179 ? '#000000' : '#ffffff';
}

export interface LowerThirdShape {
  fill: string;
  rect: Rect;
}

export interface LowerThird {
  /** Painted in order, before the text. */
  shapes: LowerThirdShape[];
  text: { x: number; y: number; colour: string };
}

const SHADE = 'rgba(12, 13, 18, 0.72)';
const LIGHT_SHADE = 'rgba(12, 13, 18, 0.45)';

/**
 * A lower third whose text (already fitted, `textWidth` wide, `size` px) sits with its
 * baseline box's bottom-left at (`left`, `bottom`):
 * - `bar`: a plate in the brand colour, text in black or white to read on it;
 * - `box`: a dark plate with a brand-coloured bar on its left edge, white text;
 * - `underline`: a light shade with a brand-coloured rule under the text, white text.
 * The text's `y` is its middle (the compositor draws with textBaseline = middle).
 */
export function lowerThird(
  style: LowerThirdStyle,
  primary: string,
  left: number,
  bottom: number,
  textWidth: number,
  size: number,
): LowerThird {
  const pad = Math.round(size * 0.5);
  const h = size + 2 * pad;
  const top = bottom - h;
  const mid = top + h / 2;
  switch (style) {
    case 'box': {
      const accent = Math.max(3, Math.round(size * 0.3));
      return {
        shapes: [
          { fill: SHADE, rect: { x: left, y: top, w: accent + textWidth + 2 * pad, h } },
          { fill: primary, rect: { x: left, y: top, w: accent, h } },
        ],
        text: { x: left + accent + pad, y: mid, colour: '#ffffff' },
      };
    }
    case 'underline': {
      const rule = Math.max(2, Math.round(size * 0.18));
      return {
        shapes: [
          { fill: LIGHT_SHADE, rect: { x: left, y: top, w: textWidth + 2 * pad, h } },
          { fill: primary, rect: { x: left + pad, y: bottom - pad + Math.round(rule / 2), w: textWidth, h: rule } },
        ],
        text: { x: left + pad, y: mid - Math.round(rule / 2), colour: '#ffffff' },
      };
    }
    case 'bar':
    default:
      return {
        shapes: [{ fill: primary, rect: { x: left, y: top, w: textWidth + 2 * pad, h } }],
        text: { x: left + pad, y: mid, colour: textOn(primary) },
      };
  }
}
