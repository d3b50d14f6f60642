import { describe, expect, it } from 'vitest';
import { mostUnusual } from '../src/controllers/explore';

describe('mostUnusual picks the highest outlier scores among the points shown and scored', () => {
  it('keeps to shown, scored points and answers indices in ascending order', () => {
    const values = Float64Array.from([0.1, 0.9, 0.5, 0.8, 0.7, 0.95]);
    const valid = Uint8Array.from([1, 1, 1, 1, 1, 0]);
    const shown = Uint8Array.from([1, 1, 1, 0, 1, 1]);
    expect([...mostUnusual(values, valid, shown, 2)]).toEqual([1, 4]);
    expect([...mostUnusual(values, valid, shown, 10)]).toEqual([0, 1, 2, 4]);
  });

  it('breaks ties by index and answers nothing for a map without scores', () => {
    const tied = Float64Array.from([0.5, 0.5, 0.5]);
    expect([...mostUnusual(tied, Uint8Array.from([1, 1, 1]), Uint8Array.from([1, 1, 1]), 2)]).toEqual([0, 1]);
    expect(mostUnusual(tied, new Uint8Array(3), Uint8Array.from([1, 1, 1]), 2).length).toBe(0);
  });
});
