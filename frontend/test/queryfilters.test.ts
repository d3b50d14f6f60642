import { Float64, Int32, Table, TimestampMillisecond, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { ColumnKind, QueryFilter } from '../src/api';
import { columnModel, DUPLICATES_KEY, EMPTY, fillColours, OTHER, SEVERAL, TAGS_KEY, TEXT_LENGTH } from '../src/colouring';
import type { ColourModel, LegendEntry, RangeMask } from '../src/colouring';
import { isoStamp, MAX_ROWS, NOTHING, queryFilters, storedAs } from '../src/queryfilters';
import type { PageFilters } from '../src/queryfilters';
import type { Range } from '../src/state';
import { ipc } from './fixtures';

type Stored = string | number | boolean | null;

interface Row {
  id: number;
  topic: number;
  tags: number[];
  /** The map's text (what it embedded). */
  text: string;
  /** As the points table holds them: a column may be missing from a row. */
  fields: Record<string, Stored>;
}

/**
 * The server's reading of a filter (maps/filters.py), row by row: jsonb equality, "!=" as IS DISTINCT FROM,
 * ordered comparisons only between values of the operand's kind (text byte by byte), topics of fine level.
 */
function passes(f: QueryFilter, row: Row): boolean {
  if ('and' in f) return f.and.every((part) => passes(part, row));
  if ('or' in f) return f.or.some((part) => passes(part, row));
  if ('topic' in f) return row.topic === f.topic;
  if ('tag' in f) return row.tags.includes(f.tag);
  if ('rows' in f) return f.rows.includes(row.id);
  if ('text_length' in f) {
    const [low, high] = f.text_length;
    return (low === null || row.text.length >= low) && (high === null || row.text.length <= high);
  }
  const v = f.column in row.fields ? row.fields[f.column] : undefined;
  const same = (a: Stored | undefined, b: Stored) => a !== undefined && typeof a === typeof b && a === b;
  const ordered = (operand: Stored): Stored | undefined =>
    typeof operand === 'string' ? (typeof v === 'string' ? v : undefined) : typeof v === 'number' ? v : undefined;
  const value = f.value;
  switch (f.op) {
    case '=':
      return same(v, value as Stored);
    case '!=':
      return v === undefined || !same(v, value as Stored);
    case 'in':
      return (value as Stored[]).some((item) => same(v, item));
    case 'contains':
      return v !== undefined && v !== null && String(v).toLowerCase().includes(String(value).toLowerCase());
    case 'between': {
      const [lo, hi] = value as (string | number)[];
      const x = ordered(lo);
      return x !== undefined && x !== null && x >= lo && x <= hi;
    }
    default: {
      const x = ordered(value as Stored);
      if (x === undefined || x === null) return false;
      const y = value as string | number;
      return f.op === '<' ? x < y : f.op === '<=' ? x <= y : f.op === '>' ? x > y : x >= y;
    }
  }
}

/** A moment as the server reads a date column's text: a date or a naive date-time is UTC. */
const parseDate = (text: string) => Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(text) || text.length === 10 ? text : `${text}Z`);

const LANGS: (Stored | undefined)[] = ['python', 'rust', 'go', null, undefined];
const MIXED: (Stored | undefined)[] = [3, 'n/a', true, null, '3', false];
const RELEASED = [
  '2020-01-01',
  '2021-06-30T23:59:59Z',
  '2021-12-31',
  '2021-01-01T00:00:00+00:00',
  '2022-01-01',
  '2021-12-31T23:59:59.999',
  '2021-06-30T23:59:59',
  null,
];

/** Rows with every kind of value a column holds: text, numbers, booleans, dates in several forms, null, missing. */
const ROWS: Row[] = Array.from({ length: 30 }, (_, i) => {
  const fields: Record<string, Stored> = {};
  const lang = LANGS[i % LANGS.length];
  if (lang !== undefined) fields.lang = lang;
  const mixed = MIXED[i % MIXED.length];
  if (mixed !== undefined) fields.mixed = mixed;
  fields.stars = i % 7 === 0 ? null : i * 10 - 50;
  fields.released = RELEASED[i % RELEASED.length];
  // 26 distinct words: the legend shows 20 and puts 6 under "other"; the last rows have none.
  if (i < 26) fields.word = `w${String(i).padStart(2, '0')}`;
  return { id: 1000 + i, topic: i % 3, tags: [], text: 'x'.repeat((i * 7) % 23), fields };
});
const IDS = ROWS.map((r) => r.id);
const KINDS = new Map<string, ColumnKind>([
  ['lang', 'category'],
  ['mixed', 'category'],
  ['word', 'category'],
  ['stars', 'number'],
  ['released', 'date'],
]);

/** A value as the legend reads it: the column's text (`fields ->> name`), null when empty or missing. */
const asText = (v: Stored | undefined) => (v === undefined || v === null ? null : String(v));

/** The colour model the page loads for a column of ROWS (GET .../columns/<name>, parsed by columnModel). */
function modelOf(column: string): ColourModel {
  if (column === TEXT_LENGTH) {
    const lengths = ROWS.map((r) => r.text.length);
    return columnModel(column, ipc(new Table({ value: vectorFromArray(lengths, new Int32()) })), ROWS.length, null);
  }
  const values = ROWS.map((r) => r.fields[column]);
  let stream: ArrayBuffer;
  if (KINDS.get(column) === 'number') stream = ipc(new Table({ value: vectorFromArray(values as (number | null)[], new Float64()) }));
  else if (KINDS.get(column) === 'date') {
    const ms = values.map((v) => (typeof v === 'string' ? parseDate(v) : null));
    stream = ipc(new Table({ value: vectorFromArray(ms, new TimestampMillisecond()) }));
  } else stream = ipc(tableFromArrays({ value: values.map(asText) }));
  return columnModel(column, stream, ROWS.length, null);
}

const TOPIC: ColourModel = { kind: 'topic' };

interface Case {
  name: string;
  colourBy?: string;
  hidden?: string[];
  topic?: number;
  ranges?: [string, Range][];
}

function pageOf(c: Case, model: ColourModel = c.colourBy ? modelOf(c.colourBy) : TOPIC): PageFilters {
  return {
    model,
    hidden: new Set(c.hidden ?? []),
    topicFilter: c.topic ?? null,
    ranges: new Map(c.ranges ?? []),
    kinds: KINDS,
    ids: IDS,
  };
}

/** The rows the map leaves lit for these filters, as fillColours decides. */
function litOnMap(page: PageFilters, rows: Row[] = ROWS): number[] {
  const ranges: RangeMask[] = [...page.ranges].map(([column, range]) => {
    const m = modelOf(column);
    if (m.kind !== 'number') throw new Error(`${column} is not ranged`);
    return { values: m.values, valid: m.valid, ...range };
  });
  const passed = new Uint8Array(rows.length);
  fillColours(new Uint8Array(rows.length * 4), {
    model: page.model,
    topics: rows.map((r) => r.topic),
    hidden: page.hidden,
    topicFilter: page.topicFilter === null ? null : new Set([page.topicFilter]),
    ranges,
    passes: passed,
  });
  return rows.filter((_, i) => passed[i]).map((r) => r.id);
}

const kept = (filters: QueryFilter | undefined, rows: Row[] = ROWS) =>
  rows.filter((r) => filters === undefined || passes(filters, r)).map((r) => r.id);

const DAY = 86_400_000;
/** The words the legend shows by name: the 20 most frequent, ties by value. */
const TOP_WORDS = Array.from({ length: 20 }, (_, i) => `w${String(i).padStart(2, '0')}`);
const YEAR_2021: Range = { lo: Date.UTC(2021, 0, 1), hi: Date.UTC(2021, 11, 31) + DAY - 1 };

const CASES: Case[] = [
  { name: 'a hidden category', colourBy: 'lang', hidden: ['rust'] },
  { name: 'two hidden categories and the empty entry', colourBy: 'lang', hidden: ['rust', 'go', EMPTY] },
  { name: 'only the empty entry hidden', colourBy: 'lang', hidden: [EMPTY] },
  { name: 'every entry hidden', colourBy: 'lang', hidden: ['python', 'rust', 'go', EMPTY] },
  { name: 'every value hidden, empty rows lit', colourBy: 'lang', hidden: ['python', 'rust', 'go'] },
  { name: 'the "other" entry hidden', colourBy: 'word', hidden: [OTHER] },
  { name: 'the "other" entry and empty rows hidden', colourBy: 'word', hidden: [OTHER, EMPTY, 'w03'] },
  { name: 'only "other" shown', colourBy: 'word', hidden: [...TOP_WORDS, EMPTY] },
  { name: 'numbers and booleans read as text', colourBy: 'mixed', hidden: ['3', 'true'] },
  { name: 'numbers and booleans read as text, empty hidden', colourBy: 'mixed', hidden: ['n/a', EMPTY] },
  { name: 'a number legend hiding empty values', colourBy: 'stars', hidden: [EMPTY] },
  { name: 'a date legend hiding empty values', colourBy: 'released', hidden: [EMPTY] },
  { name: 'a topic', topic: 1 },
  { name: 'a number range', ranges: [['stars', { lo: 0, hi: 120 }]] },
  { name: 'a number range open above', ranges: [['stars', { lo: 100, hi: null }]] },
  { name: 'a number range open below', ranges: [['stars', { lo: null, hi: -0.5 }]] },
  { name: 'a range of whole days', ranges: [['released', YEAR_2021]] },
  { name: 'a range of days open below', ranges: [['released', { lo: null, hi: Date.UTC(2021, 5, 30) + DAY - 1 }]] },
  { name: 'a range starting within a day', ranges: [['released', { lo: Date.UTC(2021, 5, 30, 23, 59, 59), hi: null }]] },
  { name: 'a range ending within a day', ranges: [['released', { lo: null, hi: Date.UTC(2021, 5, 30, 23, 59, 58, 500) }]] },
  { name: 'an inverted range', ranges: [['stars', { lo: 100, hi: 0 }]] },
  { name: 'a range open at both ends', ranges: [['stars', { lo: null, hi: null }]] },
  { name: 'a date range wider than any file writes', ranges: [['released', { lo: -1e17, hi: 1e17 }]] },
  { name: 'a text length range', ranges: [[TEXT_LENGTH, { lo: 5, hi: 14 }]] },
  { name: 'a text length range with fractional ends', ranges: [[TEXT_LENGTH, { lo: 4.5, hi: 13.7 }]] },
  { name: 'a text length range open above', ranges: [[TEXT_LENGTH, { lo: 10, hi: null }]] },
  { name: 'a text length range below every text', ranges: [[TEXT_LENGTH, { lo: null, hi: -1 }]] },
  { name: 'a text length range between two whole lengths', ranges: [[TEXT_LENGTH, { lo: 4.2, hi: 4.8 }]] },
  {
    name: 'all of them at once',
    colourBy: 'lang',
    hidden: ['go'],
    topic: 1,
    ranges: [
      ['stars', { lo: 0, hi: null }],
      ['released', YEAR_2021],
    ],
  },
];

describe('queryFilters keeps a search to the rows the map shows', () => {
  it.each(CASES)('$name', (c) => {
    const page = pageOf(c);
    const lit = litOnMap(page);
    // Each case filters something out, and leaves something to find unless the map shows nothing.
    expect(lit.length).toBeLessThan(ROWS.length);
    expect(kept(queryFilters(page))).toEqual(lit);
  });
});

describe('queryFilters', () => {
  it('is undefined when nothing is filtered', () => {
    expect(queryFilters(pageOf({ name: 'plain' }))).toBeUndefined();
    expect(queryFilters(pageOf({ name: 'legend, nothing hidden', colourBy: 'lang' }))).toBeUndefined();
    expect(queryFilters(pageOf({ name: 'numbers, empty shown', colourBy: 'stars' }))).toBeUndefined();
    // Hidden keys of another legend filter nothing, as on the map.
    expect(queryFilters(pageOf({ name: 'topic colours', hidden: ['rust', EMPTY] }))).toBeUndefined();
  });

  it('leaves out hidden values with "!=" while empty rows stay lit, so rows without the value pass', () => {
    expect(queryFilters(pageOf({ name: '', colourBy: 'lang', hidden: ['rust'] }))).toEqual({ column: 'lang', op: '!=', value: 'rust' });
    expect(queryFilters(pageOf({ name: '', colourBy: 'lang', hidden: ['rust', 'go'] }))).toEqual({
      // In the legend's order: most frequent first, ties by value.
      and: [
        { column: 'lang', op: '!=', value: 'go' },
        { column: 'lang', op: '!=', value: 'rust' },
      ],
    });
  });

  it('names the shown values with "in" once empty rows are hidden', () => {
    expect(queryFilters(pageOf({ name: '', colourBy: 'lang', hidden: ['rust', EMPTY] }))).toEqual({
      column: 'lang',
      op: 'in',
      value: ['go', 'python'],
    });
  });

  it('sends the values of "other" by name', () => {
    const filters = queryFilters(pageOf({ name: '', colourBy: 'word', hidden: [OTHER] }));
    expect(filters).toEqual({ and: ['w20', 'w21', 'w22', 'w23', 'w24', 'w25'].map((value) => ({ column: 'word', op: '!=', value })) });
  });

  it('combines the legend, the topic and the ranges with "and", numbers as between and dates as ISO text', () => {
    const ranges: [string, Range][] = [
      ['stars', { lo: 1, hi: 5 }],
      ['released', YEAR_2021],
    ];
    const page = pageOf({ name: '', colourBy: 'lang', hidden: ['go'], topic: 7, ranges });
    expect(queryFilters(page)).toEqual({
      and: [
        { column: 'lang', op: '!=', value: 'go' },
        { topic: 7 },
        { column: 'stars', op: 'between', value: [1, 5] },
        { column: 'released', op: '>=', value: '2021-01-01' },
        { column: 'released', op: '<', value: '2022-01-01' },
      ],
    });
  });

  it('ignores a range on a column that is not a number or a date, as the map does', () => {
    const page = { ...pageOf({ name: '', ranges: [['lang', { lo: 1, hi: 2 }]] }) };
    expect(queryFilters(page)).toBeUndefined();
    expect(queryFilters({ ...page, kinds: new Map() })).toBeUndefined();
  });

  it('matches nothing when the map shows nothing, or a date range lies beyond the years a file can write', () => {
    expect(queryFilters(pageOf({ name: '', colourBy: 'lang', hidden: ['python', 'rust', 'go', EMPTY], topic: 1 }))).toBe(NOTHING);
    expect(queryFilters(pageOf({ name: '', ranges: [['released', { lo: 1e17, hi: null }]] }))).toBe(NOTHING);
    expect(queryFilters(pageOf({ name: '', ranges: [['released', { lo: null, hi: -1e17 }]] }))).toBe(NOTHING);
    // Wider than any date a file writes, a range still leaves out the rows without a date, as on the map.
    expect(queryFilters(pageOf({ name: '', ranges: [['released', { lo: -1e17, hi: 1e17 }]] }))).toEqual({
      or: [
        { column: 'released', op: '>=', value: '0' },
        { column: 'released', op: '<', value: '0' },
      ],
    });
  });
});

describe('storedAs', () => {
  it.each([
    ['rust', ['rust']],
    ['3', ['3', 3]],
    ['-2.5e3', ['-2.5e3', -2500]],
    ['true', ['true', true]],
    ['false', ['false', false]],
    [' 3', [' 3']],
    ['03', ['03']],
    ['null', ['null']],
  ])('reads %j as %j', (text, stored) => {
    expect(storedAs(text)).toEqual(stored);
  });
});

describe('isoStamp', () => {
  it.each([
    [Date.UTC(2021, 2, 4), '2021-03-04'],
    [Date.UTC(2021, 2, 4, 5), '2021-03-04T05:00'],
    [Date.UTC(2021, 2, 4, 5, 6), '2021-03-04T05:06'],
    [Date.UTC(2021, 2, 4, 5, 6, 7), '2021-03-04T05:06:07'],
    [Date.UTC(2021, 2, 4, 0, 0, 0, 5), '2021-03-04T00:00:00.005'],
  ])('writes %d as %s', (ms, text) => {
    expect(isoStamp(ms)).toBe(text);
  });
});

describe('queryFilters for a tag legend', () => {
  // Rows: untagged, tag 1, tag 2, tags 1 and 2, tag 3; the legend as the tagging controller builds it.
  const rows: Row[] = [[], [1], [2], [1, 2], [3]].map((tags, i) => ({ id: 50 + i, topic: 0, tags, text: '', fields: {} }));
  const tag = (id: number, count: number): LegendEntry => ({ key: `tag:${id}`, label: `t${id}`, count, colour: [0, 0, 0], tag: id });
  const model: ColourModel = {
    kind: 'category',
    column: TAGS_KEY,
    codes: Uint8Array.from([4, 0, 1, 3, 2]),
    entries: [
      tag(1, 2),
      tag(2, 2),
      tag(3, 1),
      { key: SEVERAL, label: 'several tags', count: 1, colour: [80, 80, 88] },
      { key: EMPTY, label: '(untagged)', count: 1, colour: [205, 205, 205] },
    ],
    several: { code: 3, of: new Map([[3, Uint8Array.from([0, 1])]]) },
  };
  const page = (hidden: string[], ids: number[] = rows.map((r) => r.id)): PageFilters => ({
    model,
    hidden: new Set(hidden),
    topicFilter: null,
    ranges: new Map(),
    kinds: new Map(),
    ids,
  });

  it.each([
    [[EMPTY, 'tag:2', 'tag:3']],
    [[EMPTY, 'tag:1']],
    [[EMPTY]],
    [['tag:1']],
    [[SEVERAL]],
    [[SEVERAL, EMPTY, 'tag:3']],
    [['tag:1', 'tag:2', 'tag:3', EMPTY]],
  ])('hiding %j keeps the rows the map shows', (hidden) => {
    const p = page(hidden);
    expect(kept(queryFilters(p), rows)).toEqual(litOnMap(p, rows));
  });

  it('says "this tag" with tag filters when only tagged rows show (the tag panel\'s "show")', () => {
    expect(queryFilters(page([EMPTY, 'tag:2', 'tag:3']))).toEqual({ tag: 1 });
    expect(queryFilters(page([EMPTY, 'tag:3']))).toEqual({ or: [{ tag: 1 }, { tag: 2 }] });
    expect(queryFilters(page([]))).toBeUndefined();
  });

  it('sends the lit rows by id when untagged rows show beside hidden tags, and nothing past the server\'s bound', () => {
    expect(queryFilters(page(['tag:1']))).toEqual({ rows: [50, 52, 53, 54] });
    const many = { ...page(['tag:1']), model: { ...model, codes: new Uint8Array(MAX_ROWS + 1).fill(4) } };
    expect(queryFilters({ ...many, ids: Array.from({ length: MAX_ROWS + 1 }, (_, i) => i) })).toBeUndefined();
  });
});

describe('queryFilters for a duplicate-group legend', () => {
  // Rows 0-1 in group 1, 2-3 in group 2, 4 in none: the server has no column to filter, so the lit rows go by id.
  const model: ColourModel = {
    kind: 'category',
    column: DUPLICATES_KEY,
    codes: Uint8Array.from([0, 0, 1, 1, 2]),
    entries: [
      { key: '1. same text', label: '1. same text', count: 2, colour: [0, 0, 0] },
      { key: '2. other text', label: '2. other text', count: 2, colour: [1, 1, 1] },
      { key: EMPTY, label: '(empty)', count: 1, colour: [205, 205, 205] },
    ],
  };
  const page = (hidden: string[]): PageFilters => ({
    model,
    hidden: new Set(hidden),
    topicFilter: null,
    ranges: new Map(),
    kinds: new Map(),
    ids: [10, 11, 12, 13, 14],
  });

  it('sends the rows the legend lights as row ids, and nothing while every entry shows', () => {
    expect(queryFilters(page([]))).toBeUndefined();
    expect(queryFilters(page([EMPTY]))).toEqual({ rows: [10, 11, 12, 13] });
    expect(queryFilters(page([EMPTY, '1. same text']))).toEqual({ rows: [12, 13] });
  });
});
