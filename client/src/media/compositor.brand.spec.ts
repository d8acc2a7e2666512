import { describe, expect, it } from '@jest/globals';
import { LOWER_THIRD_STYLES } from '@streamcat/protocol/studio-brand';
import { logoRect, lowerThird, textOn } from './compositor.brand';

const canvas = { width: 1280, height: 720 };

describe('logoRect', () => {
  it('fits a wide logo to the box width in the top-right corner, aspect kept', () => {
    const r = logoRect(canvas, { width: 800, height: 200 })!;
    expect(r.w).toBe(205); // 16 % of 1280 = 204.8
    expect(r.h).toBe(51);
    expect(r.x + r.w).toBe(1280 - 22); // right margin 3 % of 720
    expect(r.y).toBe(22);
  });

  it('fits a tall logo to the box height, and scales a small one up to the box', () => {
    const tall = logoRect(canvas, { width: 100, height: 400 })!;
    expect(tall.h).toBe(86); // 12 % of 720 = 86.4
    expect(tall.w).toBe(22);
    const small = logoRect(canvas, { width: 96, height: 48 })!;
    expect(Math.max(small.w / 204.8, small.h / 86.4)).toBeCloseTo(1, 1);
    expect(logoRect(canvas, { width: 0, height: 10 })).toBeNull();
  });
});

describe('textOn', () => {
  it('chooses the colour that reads on the brand colour', () => {
    expect(textOn('#ffffff')).toBe('#000000');
    expect(textOn('#ffd400')).toBe('#000000');
    expect(textOn('#000000')).toBe('#ffffff');
    expect(textOn('#1a3d8f')).toBe('#ffffff');
  });
});

describe('lowerThird', () => {
  it('every style uses the brand colour, keeps its shapes above the bottom line, and the text inside them', () => {
    for (const style of LOWER_THIRD_STYLES) {
      const lt = lowerThird(style, '#0088ff', 100, 600, 240, 20);
      expect(lt.shapes.some((s) => s.fill === '#0088ff')).toBe(true);
      for (const s of lt.shapes) {
        expect(s.rect.y + s.rect.h).toBeLessThanOrEqual(600);
        expect(s.rect.x).toBeGreaterThanOrEqual(100);
      }
      const plate = lt.shapes[0]!.rect;
      expect(lt.text.x).toBeGreaterThan(plate.x);
      expect(lt.text.x + 240).toBeLessThanOrEqual(plate.x + plate.w);
      expect(lt.text.y).toBeGreaterThan(plate.y);
      expect(lt.text.y).toBeLessThan(plate.y + plate.h);
    }
  });

  it('the three styles look different: a coloured plate, an accent bar, an underline', () => {
    const bar = lowerThird('bar', '#ffd400', 0, 100, 200, 20);
    expect(bar.shapes).toHaveLength(1);
    expect(bar.text.colour).toBe('#000000');
    const box = lowerThird('box', '#ffd400', 0, 100, 200, 20);
    expect(box.shapes[1]!.rect.w).toBeLessThan(box.shapes[0]!.rect.w / 10);
    expect(box.text.colour).toBe('#ffffff');
    const underline = lowerThird('underline', '#ffd400', 0, 100, 200, 20);
    expect(underline.shapes[1]!.rect.h).toBeLessThan(underline.shapes[0]!.rect.h / 4);
    expect(underline.shapes[1]!.rect.w).toBe(200);
  });
});
