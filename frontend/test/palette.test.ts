import { describe, expect, it } from 'vitest';
import { categoryColour, topicColour } from '../src/palette';

const key = (c: readonly number[]) => c.join(',');

describe('topicColour', () => {
  it('gives the base colours to the first twenty topics', () => {
    expect(topicColour(0)).toEqual([31, 119, 180]);
    expect(topicColour(1)).toEqual([255, 127, 14]);
    expect(topicColour(19)).toEqual([158, 218, 229]);
    expect(new Set(Array.from({ length: 20 }, (_, t) => key(topicColour(t)))).size).toBe(20);
  });

  it('returns a copy, so a caller cannot change the palette', () => {
    const c = topicColour(0);
    c[0] = 0;
    expect(topicColour(0)).toEqual([31, 119, 180]);
  });

  it('gives golden-angle hues beyond the base set, darker for even topics and lighter for odd', () => {
    // 20 * 137.508 mod 360 = 230.16 degrees, saturation 0.65, lightness 0.45 (even).
    expect(topicColour(20)).toEqual([40, 65, 189]);
    // 21 * 137.508 mod 360 = 7.668 degrees, lightness 0.6 (odd).
    expect(topicColour(21)).toEqual([219, 104, 87]);
    const lightness = (c: number[]) => (Math.max(...c) + Math.min(...c)) / 2 / 255;
    expect(lightness(topicColour(40))).toBeCloseTo(0.45, 1);
    expect(lightness(topicColour(41))).toBeCloseTo(0.6, 1);
  });

  it('colours negative topic ids too, by their absolute hue', () => {
    // 137.508 degrees, lightness 0.6 (-1 % 2 is -1, not 0).
    const c = topicColour(-1);
    expect(c).toEqual([87, 219, 125]);
    for (const v of c) expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
  });

  it('keeps neighbouring topics apart and is the same every time', () => {
    for (let t = 20; t < 200; t++) {
      expect(key(topicColour(t))).not.toBe(key(topicColour(t + 1)));
      expect(topicColour(t)).toEqual(topicColour(t));
    }
    expect(new Set(Array.from({ length: 200 }, (_, t) => key(topicColour(t)))).size).toBe(200);
  });
});

describe('categoryColour', () => {
  it('is the topic palette', () => {
    expect(categoryColour).toBe(topicColour);
    expect(categoryColour(2)).toEqual([44, 160, 44]);
  });
});
