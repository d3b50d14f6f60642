import { describe, expect, it } from 'vitest';
import { drawCount, drawOrder, MOVING_BUDGET } from '../src/lod';

function isPermutation(order: Uint32Array, n: number): boolean {
  const seen = new Uint8Array(n);
  for (const v of order) {
    if (v >= n || seen[v]) return false;
    seen[v] = 1;
  }
  return order.length === n;
}

describe('drawOrder', () => {
  it('is a permutation of 0..n-1 for every size', () => {
    for (const n of [0, 1, 2, 7, 1000, 100_003]) expect(isPermutation(drawOrder(n), n)).toBe(true);
  });

  it('is the same order every time for the same size and seed', () => {
    expect(Array.from(drawOrder(5000))).toEqual(Array.from(drawOrder(5000)));
    expect(Array.from(drawOrder(10))).toEqual([9, 7, 2, 4, 5, 0, 3, 1, 6, 8]);
  });

  it('gives another order for another seed', () => {
    const other = drawOrder(5000, 12345);
    expect(isPermutation(other, 5000)).toBe(true);
    expect(Array.from(other)).not.toEqual(Array.from(drawOrder(5000)));
  });

  it('shuffles: few points keep their place and a short prefix spans the whole stream', () => {
    const n = 5000;
    const order = drawOrder(n);
    let fixed = 0;
    order.forEach((v, i) => (fixed += v === i ? 1 : 0));
    expect(fixed).toBeLessThan(10);
    const head = Array.from(order.subarray(0, 100));
    expect(Math.min(...head)).toBeLessThan(n * 0.1);
    expect(Math.max(...head)).toBeGreaterThan(n * 0.9);
  });

  it('samples every cluster in proportion in any prefix', () => {
    // Clusters are contiguous runs of the stream, as a sorted export would give them: 50%, 30%, 15%, 5%.
    const n = 100_000;
    const ends = [50_000, 80_000, 95_000, 100_000];
    const shares = [0.5, 0.3, 0.15, 0.05];
    const cluster = (row: number) => ends.findIndex((end) => row < end);
    const order = drawOrder(n);
    for (const [prefix, tolerance] of [
      [MOVING_BUDGET, 0.01],
      [2000, 0.04],
    ]) {
      const counts = [0, 0, 0, 0];
      for (let i = 0; i < prefix; i++) counts[cluster(order[i])]++;
      counts.forEach((c, k) => expect(Math.abs(c / prefix - shares[k])).toBeLessThan(tolerance));
    }
  });
});

describe('drawCount', () => {
  it('draws the whole map while the camera rests', () => {
    expect(drawCount(1_000_000, false)).toBe(1_000_000);
    expect(drawCount(7, false, 3)).toBe(7);
  });

  it('draws at most the moving budget while the camera moves', () => {
    expect(MOVING_BUDGET).toBe(40_000);
    expect(drawCount(1_000_000, true)).toBe(40_000);
    expect(drawCount(MOVING_BUDGET + 1, true)).toBe(MOVING_BUDGET);
    expect(drawCount(500, true, 100)).toBe(100);
  });

  it('draws a map within the budget whole even while moving', () => {
    expect(drawCount(30_000, true)).toBe(30_000);
    expect(drawCount(MOVING_BUDGET, true)).toBe(MOVING_BUDGET);
    expect(drawCount(0, true)).toBe(0);
  });
});
