// Cross-filtering: which filters each point fails, so that each chart counts the points every *other* filter
// leaves lit (a chart never hides its own bars), and the histograms and top values a chart draws.
import type { RangeMask } from './colouring';
import { outsideRange } from './colouring';

/** The filters a point may fail, each with an index: the topic, the legend, the selection, then each range. */
export const TOPIC = 0;
export const LEGEND = 1;
export const SELECTION = 2;
export const FIRST_RANGE = 3;

export interface FilterState {
  /** Fine topic ids left lit by a topic filter; null: none. */
  topicFilter: ReadonlySet<number> | null;
  topics: ArrayLike<number>;
  /** Whether the legend dims point i; null: no legend filter. */
  legendDims: ((i: number) => boolean) | null;
  selected: Uint8Array | null;
  ranges: RangeMask[];
}

/** Per point, how many filters it fails (capped at 2) and, when exactly one, which. */
export interface Failures {
  count: Uint8Array;
  which: Uint8Array;
}

export function failures(n: number, f: FilterState): Failures {
  const count = new Uint8Array(n);
  const which = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let c = 0;
    let w = 0;
    const fail = (index: number) => {
      c++;
      w = index;
    };
    if (f.topicFilter !== null && !f.topicFilter.has(f.topics[i])) fail(TOPIC);
    if (f.legendDims !== null && f.legendDims(i)) fail(LEGEND);
    if (f.selected !== null && f.selected[i] === 0) fail(SELECTION);
    for (let r = 0; r < f.ranges.length; r++) if (outsideRange(f.ranges[r], i)) fail(FIRST_RANGE + r);
    count[i] = Math.min(c, 2);
    which[i] = c === 1 ? w : 0;
  }
  return { count, which };
}

/** Whether point i counts in the chart of filter `own` (or in a chart with no filter of its own: own = -1). */
export function countsFor(fails: Failures, i: number, own: number): boolean {
  return fails.count[i] === 0 || (fails.count[i] === 1 && fails.which[i] === own);
}

export interface Histogram {
  min: number;
  max: number;
  /** Points per bin, bins of equal width from min to max (the last one closed). */
  counts: number[];
}

/** A histogram of a column's values over the points that count for its chart. */
export function histogram(
  values: Float64Array,
  valid: Uint8Array,
  min: number,
  max: number,
  bins: number,
  counts: (i: number) => boolean,
): Histogram {
  const out = new Array<number>(bins).fill(0);
  const width = (max - min) / bins || 1;
  for (let i = 0; i < values.length; i++) {
    if (!valid[i] || !counts(i)) continue;
    out[Math.min(bins - 1, Math.max(0, Math.floor((values[i] - min) / width)))]++;
  }
  return { min, max, counts: out };
}

/** The edges [lo, hi] of bins `a` to `b` (either order) of a histogram. */
export function binRange(h: Histogram, a: number, b: number): { lo: number; hi: number } {
  const width = (h.max - h.min) / h.counts.length;
  const [first, last] = a <= b ? [a, b] : [b, a];
  return { lo: h.min + first * width, hi: last === h.counts.length - 1 ? h.max : h.min + (last + 1) * width };
}

/** How many counting points hold each code (a category's entry, a topic), largest first, at most `top`. */
export function topCodes(codes: ArrayLike<number>, counts: (i: number) => boolean, top: number): [number, number][] {
  const tally = new Map<number, number>();
  for (let i = 0; i < codes.length; i++) if (counts(i)) tally.set(codes[i], (tally.get(codes[i]) ?? 0) + 1);
  return [...tally.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, top);
}

/** Per entry of a category model, the points that count (the other filters leave them lit); a point of
 * several entries (rows with several tags) counts in its shared entry and in each entry it belongs to. */
export function entryCounts(
  codes: Uint8Array,
  entries: number,
  counts: (i: number) => boolean,
  several?: { code: number; of: ReadonlyMap<number, Uint8Array> },
): number[] {
  const out = new Array<number>(entries).fill(0);
  for (let i = 0; i < codes.length; i++) {
    if (!counts(i)) continue;
    out[codes[i]]++;
    if (several && codes[i] === several.code) for (const c of several.of.get(i) ?? []) out[c]++;
  }
  return out;
}
