// Level of detail while the camera moves: a fixed shuffled point order, so any prefix is a uniform sample.
// No imports: tests/unit/test_draw_order.py runs this module by itself in Node.

/**
 * Points drawn while the camera moves on a map bigger than this. Software WebGL (Mesa llvmpipe) pays per
 * point drawn, not per pixel: on the benchmark machine a frame of 1,000,000 points took seconds and a frame of
 * this many ~100-200 ms. Maps of this size or smaller are always drawn whole.
 */
export const MOVING_BUDGET = 40_000;

/** The whole map is drawn again this long after the camera's last move (and once no button is down). */
export const SETTLE_MS = 150;

/**
 * A pseudo-random order of 0..n-1, the same for the same n: out[i] is the point drawn i-th. Any prefix of it
 * is a uniform random sample of the points, so a cluster keeps its share of the prefix and its shape.
 * Fisher-Yates driven by mulberry32 from a fixed seed.
 */
export function drawOrder(n: number, seed = 0x2545f491): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  let state = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const j = Math.floor(r * (i + 1));
    const swap = out[i];
    out[i] = out[j];
    out[j] = swap;
  }
  return out;
}

/** How many points of a map of `total` to draw: all while the camera rests, at most `budget` while it moves. */
export function drawCount(total: number, moving: boolean, budget: number = MOVING_BUDGET): number {
  return moving ? Math.min(total, budget) : total;
}
