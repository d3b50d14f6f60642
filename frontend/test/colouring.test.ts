import { Float64, Int32, Table, TimestampMillisecond, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  columnModel,
  DIMMED_ALPHA,
  EMPTY,
  fillColours,
  OTHER,
  rampColour,
  rampCss,
  SEVERAL,
  TOP_CATEGORIES,
  VISIBLE_ALPHA,
} from '../src/colouring';
import type { ColourInputs, ColourModel, LegendEntry, RangeMask, Rgb } from '../src/colouring';
import { categoryColour, topicColour } from '../src/palette';
import { ipc } from './fixtures';

const OTHER_COLOUR: Rgb = [150, 150, 150];
const EMPTY_COLOUR: Rgb = [205, 205, 205];

function categories(values: (string | null)[]): ArrayBuffer {
  return ipc(tableFromArrays({ value: values }));
}

function numbers(values: (number | null)[]): ArrayBuffer {
  return ipc(new Table({ value: vectorFromArray(values, new Float64()) }));
}

function category(model: ColourModel) {
  if (model.kind !== 'category') throw new Error(`expected a category model, got ${model.kind}`);
  return model;
}

function number(model: ColourModel) {
  if (model.kind !== 'number') throw new Error(`expected a number model, got ${model.kind}`);
  return model;
}

/** RGBA of point i in a filled buffer. */
const rgba = (out: Uint8Array, i: number) => Array.from(out.subarray(i * 4, i * 4 + 4));
const alphas = (out: Uint8Array) => Array.from({ length: out.length / 4 }, (_, i) => out[i * 4 + 3]);

describe('rampColour', () => {
  it('runs through the viridis stops from 0 to 1', () => {
    expect(rampColour(0)).toEqual([68, 1, 84]);
    expect(rampColour(0.25)).toEqual([59, 82, 139]);
    expect(rampColour(0.5)).toEqual([33, 145, 140]);
    expect(rampColour(1)).toEqual([253, 231, 37]);
  });

  it('interpolates between stops', () => {
    // Half way from [68, 1, 84] to [59, 82, 139].
    expect(rampColour(0.125)).toEqual([64, 42, 112]);
  });

  it('clamps out-of-range and non-finite input to the ends', () => {
    expect(rampColour(-1)).toEqual([68, 1, 84]);
    expect(rampColour(7)).toEqual([253, 231, 37]);
    expect(rampColour(NaN)).toEqual([68, 1, 84]);
    expect(rampColour(Infinity)).toEqual([68, 1, 84]);
  });
});

describe('rampCss', () => {
  it('is a left-to-right gradient through the five stops', () => {
    expect(rampCss()).toBe(
      'linear-gradient(to right, rgb(68,1,84), rgb(59,82,139), rgb(33,145,140), rgb(94,201,98), rgb(253,231,37))',
    );
  });
});

describe('columnModel for a category column', () => {
  it('ranks values by count (ties by value), then the empty entry, and codes each point', () => {
    const m = category(columnModel('kind', categories(['b', 'a', 'b', null, 'c', 'b', 'a', 'd']), 8, null));
    expect(m.column).toBe('kind');
    expect(m.entries).toEqual<LegendEntry[]>([
      { key: 'b', label: 'b', count: 3, colour: categoryColour(0) },
      { key: 'a', label: 'a', count: 2, colour: categoryColour(1) },
      { key: 'c', label: 'c', count: 1, colour: categoryColour(2) },
      { key: 'd', label: 'd', count: 1, colour: categoryColour(3) },
      { key: EMPTY, label: '(empty)', count: 1, colour: EMPTY_COLOUR },
    ]);
    expect(Array.from(m.codes)).toEqual([0, 1, 0, 4, 2, 0, 1, 3]);
    expect(m.several).toBeUndefined();
  });

  it(`gives values beyond the top ${TOP_CATEGORIES} one shared "other" entry`, () => {
    // k0 appears 22 times, k1 21 times, ..., k21 once.
    const values: string[] = [];
    for (let k = 0; k < 22; k++) for (let j = 0; j < 22 - k; j++) values.push(`k${k}`);
    const m = category(columnModel('k', categories(values), values.length, null));
    expect(m.entries).toHaveLength(TOP_CATEGORIES + 1);
    expect(m.entries.slice(0, TOP_CATEGORIES).map((e) => e.key)).toEqual(Array.from({ length: 20 }, (_, k) => `k${k}`));
    expect(m.entries[TOP_CATEGORIES]).toEqual({ key: OTHER, label: 'other (2 values)', count: 3, colour: OTHER_COLOUR });
    expect(m.codes[values.indexOf('k19')]).toBe(19);
    expect(m.codes[values.indexOf('k20')]).toBe(TOP_CATEGORIES);
    expect(m.codes[values.indexOf('k21')]).toBe(TOP_CATEGORIES);
  });

  it('has no empty entry when every row has a value', () => {
    const m = category(columnModel('k', categories(['x', 'y']), 2, null));
    expect(m.entries.map((e) => e.key)).toEqual(['x', 'y']);
  });

  it('reads point i from stream row order[i]', () => {
    const m = category(columnModel('k', categories(['a', 'a', 'b', null]), 4, Uint32Array.from([3, 2, 1, 0])));
    // Entries: a (2), b (1), empty (1); the points are the rows reversed.
    expect(m.entries.map((e) => e.key)).toEqual(['a', 'b', EMPTY]);
    expect(Array.from(m.codes)).toEqual([2, 1, 0, 0]);
  });
});

describe('columnModel for a number column', () => {
  it('keeps finite values with their range and marks the rest invalid', () => {
    const m = number(columnModel('score', numbers([3, null, 7, NaN, -5, Infinity]), 6, null));
    expect(Array.from(m.values)).toEqual([3, 0, 7, 0, -5, 0]);
    expect(Array.from(m.valid)).toEqual([1, 0, 1, 0, 1, 0]);
    expect([m.min, m.max]).toEqual([-5, 7]);
    expect(m.date).toBe(false);
  });

  it('has a zero range when no value is valid', () => {
    const m = number(columnModel('score', numbers([null, NaN]), 2, null));
    expect([m.min, m.max]).toEqual([0, 0]);
    expect(Array.from(m.valid)).toEqual([0, 0]);
  });

  it('reads integer and 64-bit integer columns as numbers', () => {
    const ints = number(columnModel('n', ipc(new Table({ value: vectorFromArray([4, 9], new Int32()) })), 2, null));
    expect(Array.from(ints.values)).toEqual([4, 9]);
    const bigs = number(columnModel('n', ipc(tableFromArrays({ value: BigInt64Array.from([10n, -2n]) })), 2, null));
    expect(Array.from(bigs.values)).toEqual([10, -2]);
    expect([bigs.min, bigs.max]).toEqual([-2, 10]);
  });

  it('reads a timestamp column as epoch milliseconds and says it is a date', () => {
    const day = Date.UTC(2024, 0, 2);
    const stream = ipc(new Table({ value: vectorFromArray([day, null, day + 1000], new TimestampMillisecond()) }));
    const m = number(columnModel('when', stream, 3, null));
    expect(m.date).toBe(true);
    expect(Array.from(m.values)).toEqual([day, 0, day + 1000]);
    expect([m.min, m.max]).toEqual([day, day + 1000]);
  });

  it('reads point i from stream row order[i]', () => {
    const m = number(columnModel('score', numbers([1, 2, 3]), 3, Uint32Array.from([2, 0, 1])));
    expect(Array.from(m.values)).toEqual([3, 1, 2]);
  });
});

describe('columnModel errors', () => {
  it('rejects a stream whose length is not the number of points', () => {
    expect(() => columnModel('score', numbers([1, 2]), 3, null)).toThrow('column "score" has 2 values for 3 points');
  });

  it('rejects a stream with no value field', () => {
    const stream = ipc(tableFromArrays({ other: Float64Array.from([1]) }));
    expect(() => columnModel('score', stream, 1, null)).toThrow('column "score" data has no "value" field');
  });
});

function fill(inputs: Partial<ColourInputs> & Pick<ColourInputs, 'topics'>) {
  const out = new Uint8Array(inputs.topics.length * 4);
  const lit = fillColours(out, { model: { kind: 'topic' }, hidden: new Set(), topicFilter: null, ...inputs });
  return { out, lit };
}

describe('fillColours by topic', () => {
  it('draws lit points at alpha 217 and dimmed ones at a faint 22', () => {
    expect([VISIBLE_ALPHA, DIMMED_ALPHA]).toEqual([217, 22]);
  });

  it('colours each point by its topic, fully lit', () => {
    const { out, lit } = fill({ topics: [0, 3, 25, 0] });
    expect(lit).toBe(4);
    expect(rgba(out, 0)).toEqual([...topicColour(0), VISIBLE_ALPHA]);
    expect(rgba(out, 1)).toEqual([...topicColour(3), VISIBLE_ALPHA]);
    expect(rgba(out, 2)).toEqual([...topicColour(25), VISIBLE_ALPHA]);
    expect(rgba(out, 3)).toEqual(rgba(out, 0));
  });

  it('dims points outside the topic filter, or hides them with hideDimmed', () => {
    const dimmed = fill({ topics: [0, 1, 2, 1], topicFilter: new Set([1]) });
    expect(dimmed.lit).toBe(2);
    expect(alphas(dimmed.out)).toEqual([DIMMED_ALPHA, VISIBLE_ALPHA, DIMMED_ALPHA, VISIBLE_ALPHA]);
    expect(rgba(dimmed.out, 0).slice(0, 3)).toEqual(topicColour(0));
    const hidden = fill({ topics: [0, 1, 2, 1], topicFilter: new Set([1]), hideDimmed: true });
    expect(alphas(hidden.out)).toEqual([0, VISIBLE_ALPHA, 0, VISIBLE_ALPHA]);
  });

  it('dims what the selection leaves out, without counting it against the filters in passes', () => {
    const passes = new Uint8Array(4);
    const { out, lit } = fill({
      topics: [0, 0, 1, 1],
      topicFilter: new Set([0]),
      selected: Uint8Array.from([1, 0, 1, 0]),
      passes,
    });
    expect(lit).toBe(1);
    expect(alphas(out)).toEqual([VISIBLE_ALPHA, DIMMED_ALPHA, DIMMED_ALPHA, DIMMED_ALPHA]);
    expect(Array.from(passes)).toEqual([1, 1, 0, 0]);
  });

  it('dims nothing for a null selection', () => {
    expect(fill({ topics: [0, 1], selected: null }).lit).toBe(2);
  });
});

describe('fillColours by category', () => {
  const entries: LegendEntry[] = [
    { key: 'a', label: 'a', count: 2, colour: [1, 2, 3] },
    { key: 'b', label: 'b', count: 1, colour: [4, 5, 6] },
    { key: EMPTY, label: '(empty)', count: 1, colour: EMPTY_COLOUR },
  ];
  const model: ColourModel = { kind: 'category', column: 'k', codes: Uint8Array.from([0, 1, 0, 2]), entries };

  it('colours each point by its entry and dims hidden entries', () => {
    const { out, lit } = fill({ model, topics: [0, 0, 0, 0], hidden: new Set(['a']) });
    expect(lit).toBe(2);
    expect(rgba(out, 0)).toEqual([1, 2, 3, DIMMED_ALPHA]);
    expect(rgba(out, 1)).toEqual([4, 5, 6, VISIBLE_ALPHA]);
    expect(rgba(out, 3)).toEqual([...EMPTY_COLOUR, VISIBLE_ALPHA]);
  });

  it('dims a point of several entries only when all of them, or the several entry, are hidden', () => {
    const tags: LegendEntry[] = [
      { key: 'x', label: 'x', count: 2, colour: [10, 0, 0] },
      { key: 'y', label: 'y', count: 2, colour: [0, 10, 0] },
      { key: SEVERAL, label: 'several tags', count: 1, colour: [0, 0, 10] },
    ];
    const several: ColourModel = {
      kind: 'category',
      column: 'tags',
      codes: Uint8Array.from([0, 1, 2]),
      entries: tags,
      several: { code: 2, of: new Map([[2, Uint8Array.from([0, 1])]]) },
    };
    const lit = (hidden: string[]) => alphas(fill({ model: several, topics: [0, 0, 0], hidden: new Set(hidden) }).out);
    expect(lit([])).toEqual([VISIBLE_ALPHA, VISIBLE_ALPHA, VISIBLE_ALPHA]);
    expect(lit(['x'])).toEqual([DIMMED_ALPHA, VISIBLE_ALPHA, VISIBLE_ALPHA]);
    expect(lit(['x', 'y'])).toEqual([DIMMED_ALPHA, DIMMED_ALPHA, DIMMED_ALPHA]);
    expect(lit([SEVERAL])).toEqual([VISIBLE_ALPHA, VISIBLE_ALPHA, DIMMED_ALPHA]);
  });
});

describe('fillColours by number', () => {
  const model: ColourModel = {
    kind: 'number',
    column: 'score',
    values: Float64Array.from([10, 20, 15, 0]),
    valid: Uint8Array.from([1, 1, 1, 0]),
    min: 10,
    max: 20,
    date: false,
  };

  it('maps the range onto the ramp and gives invalid points the empty colour', () => {
    const { out, lit } = fill({ model, topics: [0, 0, 0, 0] });
    expect(lit).toBe(4);
    expect(rgba(out, 0)).toEqual([...rampColour(0), VISIBLE_ALPHA]);
    expect(rgba(out, 1)).toEqual([...rampColour(1), VISIBLE_ALPHA]);
    // 15 is half way: ramp step round(0.5 * 255) = 128 of 255.
    expect(rgba(out, 2)).toEqual([...rampColour(128 / 255), VISIBLE_ALPHA]);
    expect(rgba(out, 3)).toEqual([...EMPTY_COLOUR, VISIBLE_ALPHA]);
  });

  it('dims points with no value when the empty entry is hidden', () => {
    expect(alphas(fill({ model, topics: [0, 0, 0, 0], hidden: new Set([EMPTY]) }).out)).toEqual([
      VISIBLE_ALPHA,
      VISIBLE_ALPHA,
      VISIBLE_ALPHA,
      DIMMED_ALPHA,
    ]);
  });

  it('colours every point the low end when all values are equal', () => {
    const flat: ColourModel = { ...model, values: Float64Array.from([5, 5]), valid: Uint8Array.from([1, 1]), min: 5, max: 5 };
    const { out } = fill({ model: flat, topics: [0, 0] });
    expect(rgba(out, 1)).toEqual([...rampColour(0), VISIBLE_ALPHA]);
  });
});

describe('fillColours with range filters', () => {
  const mask = (lo: number | null, hi: number | null): RangeMask => ({
    values: Float64Array.from([1, 2, 3, 4, 0]),
    valid: Uint8Array.from([1, 1, 1, 1, 0]),
    lo,
    hi,
  });
  const topics = [0, 0, 0, 0, 0];

  it('keeps lit the points inside the range, ends included, and dims points with no value', () => {
    const passes = new Uint8Array(5);
    const { out, lit } = fill({ topics, ranges: [mask(2, 3)], passes });
    expect(lit).toBe(2);
    expect(alphas(out)).toEqual([DIMMED_ALPHA, VISIBLE_ALPHA, VISIBLE_ALPHA, DIMMED_ALPHA, DIMMED_ALPHA]);
    expect(Array.from(passes)).toEqual([0, 1, 1, 0, 0]);
  });

  it('treats a null end as open', () => {
    expect(fill({ topics, ranges: [mask(3, null)] }).lit).toBe(2);
    expect(fill({ topics, ranges: [mask(null, 1)] }).lit).toBe(1);
    expect(fill({ topics, ranges: [mask(null, null)] }).lit).toBe(4);
  });

  it('needs a point to pass every range', () => {
    expect(fill({ topics, ranges: [mask(2, null), mask(null, 3)] }).lit).toBe(2);
    expect(fill({ topics, ranges: [mask(4, null), mask(null, 1)] }).lit).toBe(0);
  });
});
