// The page's filters (legend, topic, ranges) as the `filters` of POST /query, so a search keeps to what the map shows.
import type { ColumnKind, FilterScalar, QueryFilter } from './api';
import type { ColourModel } from './colouring';
import { DUPLICATES_KEY, EMPTY, hiddenEntries, legendDims, OTHER, SEVERAL, TAGS_KEY, TEXT_LENGTH } from './colouring';
import type { Range } from './state';

/** What the map filters by now: the legend it shows with its hidden entries, the topic, the ranges. */
export interface PageFilters {
  model: ColourModel;
  hidden: ReadonlySet<string>;
  topicFilter: number | null;
  ranges: ReadonlyMap<string, Range>;
  /** Each column's kind: a range filters a number or date column only, as the page's own filter does. */
  kinds: ReadonlyMap<string, ColumnKind>;
  /** Row id per point index: what only the page can tell apart (a tag legend's untagged rows) goes as row ids. */
  ids: ArrayLike<number>;
}

/** The server's bound on the values of one filter (maps/filters.py MAX_VALUES). */
export const MAX_ROWS = 10_000;
/** Matches no row: row ids, none of them. */
export const NOTHING: QueryFilter = Object.freeze({ rows: [] });

/** The query filters the page shows, all of which a hit must pass; undefined when nothing is filtered. */
export function queryFilters(page: PageFilters): QueryFilter | undefined {
  const parts: QueryFilter[] = [];
  const legend = legendFilter(page.model, page.hidden, page.ids);
  if (legend) parts.push(legend);
  if (page.topicFilter !== null) parts.push({ topic: page.topicFilter });
  for (const [column, range] of page.ranges) {
    if (column === TEXT_LENGTH) {
      if (range.lo !== null || range.hi !== null) parts.push(textLength(range));
      continue;
    }
    const kind = page.kinds.get(column);
    if (kind !== 'number' && kind !== 'date') continue;
    const ends = kind === 'number' ? numberRange(column, range) : dateRange(column, range);
    // A range dims the rows without a value even when it bounds nothing else.
    parts.push(...(ends.length ? ends : [present(column, kind === 'date')]));
  }
  if (parts.some((p) => p === NOTHING)) return NOTHING;
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { and: parts };
}

function legendFilter(model: ColourModel, hidden: ReadonlySet<string>, ids: ArrayLike<number>): QueryFilter | undefined {
  if (model.kind === 'topic') return undefined;
  if (model.kind === 'number') return hidden.has(EMPTY) ? present(model.column, model.date) : undefined;
  if (model.column === TAGS_KEY) return tagFilter(model, hidden, ids);
  // Duplicate groups are no column the server filters on: the rows the legend lights go as row ids.
  if (model.column === DUPLICATES_KEY) return hidden.size === 0 ? undefined : litRows(model, hidden, ids);
  return categoryFilter(model, hidden);
}

/**
 * A value in the column (not empty): every number is >= 0 or < 0, every text >= "0" or < "0"; the server
 * compares only values of the operand's kind, so an empty (null, missing) value passes neither.
 */
function present(column: string, date: boolean): QueryFilter {
  const zero = date ? '0' : 0;
  return {
    or: [
      { column, op: '>=', value: zero },
      { column, op: '<', value: zero },
    ],
  };
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * The stored values a category shows as: the legend reads each value as text, so "3" is the text "3" or the
 * number 3, "true" the text or the boolean.
 */
export function storedAs(text: string): FilterScalar[] {
  if (JSON_NUMBER.test(text) && Number.isFinite(Number(text))) return [text, Number(text)];
  if (text === 'true' || text === 'false') return [text, text === 'true'];
  return [text];
}

type CategoryModel = Extract<ColourModel, { kind: 'category' }>;

/** Values of a column's legend: the shown ones, or (when empty rows stay lit) the hidden ones left out. */
function categoryFilter(model: CategoryModel, hidden: ReadonlySet<string>): QueryFilter | undefined {
  const column = model.column;
  const shown: string[] = [];
  const dropped: string[] = [];
  let emptyRows = false;
  for (const e of model.entries) {
    if (e.key === EMPTY) emptyRows = true;
    else (hidden.has(e.key) ? dropped : shown).push(...(e.key === OTHER ? (model.others ?? []) : [e.key]));
  }
  const emptyLit = emptyRows && !hidden.has(EMPTY);
  if (dropped.length === 0 && emptyLit) return undefined;
  if (emptyLit) {
    // "!=" keeps rows without the value (null or missing), as the lit "(empty)" entry does.
    const parts = dropped.flatMap(storedAs).map((value): QueryFilter => ({ column, op: '!=', value }));
    return parts.length === 1 ? parts[0] : { and: parts };
  }
  if (shown.length === 0) return NOTHING;
  if (dropped.length === 0 && !emptyRows) return undefined;
  return { column, op: 'in', value: shown.flatMap(storedAs) };
}

/**
 * A tag legend lights a row with one tag when that tag is shown, a row with several when "several tags" is
 * shown and any of its tags is, and an untagged row when "(untagged)" is. Filters have no "not": when untagged
 * rows stay lit beside hidden tags, the rows lit go as row ids, or (more than the server takes) unfiltered.
 */
function tagFilter(model: CategoryModel, hidden: ReadonlySet<string>, ids: ArrayLike<number>): QueryFilter | undefined {
  const tags = model.entries.filter((e) => e.tag !== undefined);
  const shownTags = tags.filter((e) => !hidden.has(e.key));
  const severalHidden = model.several !== undefined && hidden.has(SEVERAL);
  const untaggedHidden = hidden.has(EMPTY);
  if (shownTags.length === tags.length && !severalHidden && !untaggedHidden) return undefined;
  if (untaggedHidden && !severalHidden) {
    if (shownTags.length === 0) return NOTHING;
    const parts = shownTags.map((e): QueryFilter => ({ tag: e.tag as number }));
    return parts.length === 1 ? parts[0] : { or: parts };
  }
  return litRows(model, hidden, ids);
}

/** The rows the legend lights, as row ids; undefined (unfiltered) when more than the server takes. */
function litRows(model: CategoryModel, hidden: ReadonlySet<string>, ids: ArrayLike<number>): QueryFilter | undefined {
  const codes = hiddenEntries(model, hidden);
  const rows: number[] = [];
  for (let i = 0; i < model.codes.length; i++) {
    if (legendDims(model, codes, i)) continue;
    if (rows.length === MAX_ROWS) return undefined;
    rows.push(ids[i]);
  }
  return { rows };
}

/** The page's text-length range as whole characters: a length is whole, so the ends round inwards. */
function textLength({ lo, hi }: Range): QueryFilter {
  const low = lo === null ? null : Math.max(0, Math.ceil(lo));
  const high = hi === null ? null : Math.floor(hi);
  if (high !== null && (high < 0 || (low !== null && low > high))) return NOTHING;
  return { text_length: [low, high] };
}

function numberRange(column: string, { lo, hi }: Range): QueryFilter[] {
  if (lo !== null && hi !== null) return [{ column, op: 'between', value: [lo, hi] }];
  if (lo !== null) return [{ column, op: '>=', value: lo }];
  if (hi !== null) return [{ column, op: '<=', value: hi }];
  return [];
}

// The server compares dates as ISO text, so ends are written as years 0000 to 9999, like the dates in a file.
const MIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00Z
const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/**
 * A moment (epoch ms) as the shortest ISO text that sorts with the dates a file writes: "2021-03-04" at
 * midnight UTC, else "2021-03-04T05:06", seconds and milliseconds only when not zero, no zone (UTC).
 */
export function isoStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .slice(0, -1)
    .replace(/\.000$/, '')
    .replace(/(T\d\d:\d\d):00$/, '$1')
    .replace(/T00:00$/, '');
}

/**
 * A date range's ends (epoch ms, inclusive) as text comparisons: from `lo` on, and before the moment after
 * `hi`, so a value written with more precision or a zone ("2021-12-31T23:59:59Z") still sorts inside its day.
 */
function dateRange(column: string, { lo, hi }: Range): QueryFilter[] {
  const parts: QueryFilter[] = [];
  if (lo !== null && lo > MAX_MS) return [NOTHING];
  if (hi !== null && hi < MIN_MS) return [NOTHING];
  if (lo !== null && lo > MIN_MS) parts.push({ column, op: '>=', value: isoStamp(lo) });
  if (hi !== null && hi < MAX_MS) parts.push({ column, op: '<', value: isoStamp(hi + 1) });
  return parts;
}
