// Colour-by as data: turns a column (Arrow) into a colour model and fills the one stable RGBA buffer from it.
import { DataType, tableFromIPC } from 'apache-arrow';
import { categoryColour, topicColour } from './palette';

export type Rgb = [number, number, number];

/** Legend keys for the two entries that are not a value of the column. */
export const OTHER = '\u0000other';
export const EMPTY = '\u0000empty';
/** The colour-by value that colours by tag (column names never start with a NUL; the URL says ct=1). */
export const TAGS_KEY = '\u0000tags';
/** The tag legend's entry for rows with more than one tag. */
export const SEVERAL = '\u0000several';
/** The colour-by value that colours by outlier score (the URL says co=1). */
export const OUTLIERS_KEY = '\u0000outliers';
/** The colour-by value that colours by duplicate group, at the Duplicates panel's similarity (the URL says cd=1). */
export const DUPLICATES_KEY = '\u0000duplicates';
/** The range filter on the length of each point's text (not a column: no column name holds a NUL). */
export const TEXT_LENGTH = '\u0000text-length';
/** Categories beyond this many share the "other" colour; a legend longer than that is not read. */
export const TOP_CATEGORIES = 20;

export interface LegendEntry {
  key: string;
  label: string;
  count: number;
  colour: Rgb;
  /** The tag the entry stands for (colouring by tag). */
  tag?: number;
}

export type ColourModel =
  | { kind: 'topic' }
  | {
      kind: 'category';
      column: string;
      /** Per point: index into `entries` (top values, then other, then empty). */
      codes: Uint8Array;
      entries: LegendEntry[];
      /** The column's values beyond the top ones: they share the "other" entry. */
      others?: string[];
      /**
       * Points that belong to several entries at once (rows with several tags): they are drawn in the entry
       * `code` and dimmed only when every entry they belong to is hidden (or `code` itself is).
       */
      several?: { code: number; of: ReadonlyMap<number, Uint8Array> };
      /** A line under the legend saying how to read it. */
      note?: string;
    }
  | {
      kind: 'number';
      column: string;
      values: Float64Array;
      valid: Uint8Array;
      min: number;
      max: number;
      /** Values are milliseconds since the epoch (a date column). */
      date: boolean;
    };

/** Points whose value in a column lies outside [lo, hi] (either end open when null) are dimmed. */
export interface RangeMask {
  values: Float64Array;
  valid: Uint8Array;
  lo: number | null;
  hi: number | null;
}

/** Whether point i falls outside a range filter (no value counts as outside). */
export function outsideRange(r: RangeMask, i: number): boolean {
  return !r.valid[i] || (r.lo !== null && r.values[i] < r.lo) || (r.hi !== null && r.values[i] > r.hi);
}

const OTHER_COLOUR: Rgb = [150, 150, 150];
const EMPTY_COLOUR: Rgb = [205, 205, 205];
// Viridis at five stops: perceptually even and readable on both themes.
const RAMP: Rgb[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
export const VISIBLE_ALPHA = 217;
export const DIMMED_ALPHA = 22;

export function rampColour(t: number): Rgb {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(u));
  const f = u - i;
  return [0, 1, 2].map((c) => Math.round(RAMP[i][c] + (RAMP[i + 1][c] - RAMP[i][c]) * f)) as Rgb;
}

export function rampCss(): string {
  return `linear-gradient(to right, ${RAMP.map((c) => `rgb(${c.join(',')})`).join(', ')})`;
}

/**
 * Parses the /columns/<name> stream, whose rows are in the /points order; `order` gives the stream row of each
 * point index (PointData.order), null where they are the same.
 */
export function columnModel(column: string, buffer: ArrayBuffer, length: number, order: Uint32Array | null): ColourModel {
  const table = tableFromIPC(new Uint8Array(buffer));
  const vector = table.getChild('value');
  if (!vector) throw new Error(`column "${column}" data has no "value" field`);
  if (vector.length !== length) throw new Error(`column "${column}" has ${vector.length} values for ${length} points`);
  if (DataType.isDictionary(vector.type)) {
    // Value strings per point, via each batch's dictionary, counted once per distinct value.
    const values: (string | null)[] = new Array(length);
    const counts = new Map<string, number>();
    let nulls = 0;
    for (let i = 0; i < length; i++) {
      const v = vector.get(order ? order[i] : i) as string | null;
      values[i] = v;
      if (v === null) nulls++;
      else counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const top = ranked.slice(0, TOP_CATEGORIES);
    const entries: LegendEntry[] = top.map(([value, count], i) => ({ key: value, label: value, count, colour: categoryColour(i) }));
    const rest = ranked.slice(TOP_CATEGORIES).reduce((s, [, c]) => s + c, 0);
    const index = new Map(top.map(([value], i) => [value, i]));
    const otherIndex = entries.length;
    if (rest > 0) entries.push({ key: OTHER, label: `other (${ranked.length - TOP_CATEGORIES} values)`, count: rest, colour: OTHER_COLOUR });
    const emptyIndex = entries.length;
    if (nulls > 0) entries.push({ key: EMPTY, label: '(empty)', count: nulls, colour: EMPTY_COLOUR });
    const codes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const v = values[i];
      codes[i] = v === null ? emptyIndex : (index.get(v) ?? otherIndex);
    }
    return { kind: 'category', column, codes, entries, others: ranked.slice(TOP_CATEGORIES).map(([value]) => value) };
  }
  const values = new Float64Array(length);
  const valid = new Uint8Array(length);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    const raw = vector.get(order ? order[i] : i) as number | bigint | Date | null;
    // Timestamps come as epoch milliseconds (number, bigint or Date, depending on the Arrow build).
    const v = raw === null ? null : raw instanceof Date ? raw.getTime() : Number(raw);
    if (v === null || !Number.isFinite(v)) continue;
    values[i] = v;
    valid[i] = 1;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) min = max = 0;
  return { kind: 'number', column, values, valid, min, max, date: DataType.isTimestamp(vector.type) };
}

type CategoryModel = Extract<ColourModel, { kind: 'category' }>;

/** 1 per entry of a category model that the legend hides. */
export function hiddenEntries(model: CategoryModel, hidden: ReadonlySet<string>): Uint8Array {
  return Uint8Array.from(model.entries, (e) => (hidden.has(e.key) ? 1 : 0));
}

/** Whether the legend dims point `i`: its entry is hidden, or (a point of several entries) every one of them is. */
export function legendDims(model: CategoryModel, hiddenCodes: Uint8Array, i: number): boolean {
  const code = model.codes[i];
  if (hiddenCodes[code]) return true;
  if (!model.several || code !== model.several.code) return false;
  const of = model.several.of.get(i);
  return of !== undefined && of.every((c) => hiddenCodes[c] === 1);
}

export interface ColourInputs {
  model: ColourModel;
  /** Fine topic id per point. */
  topics: ArrayLike<number>;
  /** Legend keys whose points are dimmed. */
  hidden: ReadonlySet<string>;
  /** Fine topic ids that stay lit while a topic filter is on; null: no filter. */
  topicFilter: ReadonlySet<number> | null;
  /** 1 per selected point; null: no selection (nothing dimmed for it). */
  selected?: Uint8Array | null;
  /** Range filters, all of which a point must pass to stay lit. */
  ranges?: RangeMask[];
  /** Points filtered out vanish instead of dimming. */
  hideDimmed?: boolean;
  /** Filled with 1 where the filters (legend, topic, ranges) leave a point shown, the selection aside. */
  passes?: Uint8Array;
}

/**
 * Refills `out` (RGBA per point) in place; returns how many points stay lit. The buffer is the same
 * object for the page's life, so only deck.gl's colour attribute is refreshed (via updateTriggers).
 */
export function fillColours(
  out: Uint8Array,
  { model, topics, hidden, topicFilter, selected, ranges = [], hideDimmed = false, passes }: ColourInputs,
): number {
  const dimAlpha = hideDimmed ? 0 : DIMMED_ALPHA;
  const n = topics.length;
  let lit = 0;
  const hiddenCodes = model.kind === 'category' ? hiddenEntries(model, hidden) : new Uint8Array(0);
  const topicLut = new Map<number, Rgb>();
  const span = model.kind === 'number' ? model.max - model.min || 1 : 1;
  // 256 ramp steps are finer than the eye can tell apart and spare a colour computation per point.
  const ramp: Rgb[] = model.kind === 'number' ? Array.from({ length: 256 }, (_, k) => rampColour(k / 255)) : [];
  for (let i = 0; i < n; i++) {
    let rgb: Rgb;
    let dim = topicFilter !== null && !topicFilter.has(topics[i]);
    for (const r of ranges) if (outsideRange(r, i)) dim = true;
    if (model.kind === 'category') {
      rgb = model.entries[model.codes[i]].colour;
      if (legendDims(model, hiddenCodes, i)) dim = true;
    } else if (model.kind === 'number') {
      rgb = model.valid[i] ? ramp[Math.round(((model.values[i] - model.min) / span) * 255)] : EMPTY_COLOUR;
      if (!model.valid[i] && hidden.has(EMPTY)) dim = true;
    } else {
      const t = topics[i];
      let c = topicLut.get(t);
      if (!c) topicLut.set(t, (c = topicColour(t)));
      rgb = c;
    }
    if (passes) passes[i] = dim ? 0 : 1;
    if (selected && selected[i] === 0) dim = true;
    const o = i * 4;
    out[o] = rgb[0];
    out[o + 1] = rgb[1];
    out[o + 2] = rgb[2];
    out[o + 3] = dim ? dimAlpha : VISIBLE_ALPHA;
    if (!dim) lit++;
  }
  return lit;
}
