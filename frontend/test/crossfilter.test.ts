import { describe, expect, it } from 'vitest';
import { binRange, countsFor, entryCounts, failures, FIRST_RANGE, histogram, SELECTION, TOPIC, topCodes } from '../src/crossfilter';

const values = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
const valid = new Uint8Array(10).fill(1);
const topics = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];

describe('failures', () => {
  it('counts the filters each point fails and names the one when it is alone', () => {
    const fails = failures(10, {
      topicFilter: new Set([0]),
      topics,
      legendDims: null,
      selected: Uint8Array.from([1, 1, 0, 0, 1, 1, 1, 1, 1, 1]),
      ranges: [{ values, valid, lo: 2, hi: null }],
    });
    // Point 0: only the range (1 < 2). Point 2: only the selection. Point 5: only the topic. Point 1: none.
    expect([fails.count[0], fails.which[0]]).toEqual([1, FIRST_RANGE]);
    expect([fails.count[2], fails.which[2]]).toEqual([1, SELECTION]);
    expect([fails.count[5], fails.which[5]]).toEqual([1, TOPIC]);
    expect(fails.count[1]).toBe(0);
  });
});

describe('countsFor', () => {
  it('lets a chart count the points only its own filter leaves out', () => {
    const fails = failures(10, { topicFilter: new Set([0]), topics, legendDims: null, selected: null, ranges: [{ values, valid, lo: 3, hi: null }] });
    const inRangeChart = [...Array(10).keys()].filter((i) => countsFor(fails, i, FIRST_RANGE));
    // The range chart sees every point of topic 0, its own filter aside: 0..4.
    expect(inRangeChart).toEqual([0, 1, 2, 3, 4]);
    const inTopicChart = [...Array(10).keys()].filter((i) => countsFor(fails, i, TOPIC));
    expect(inTopicChart).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('histogram and binRange', () => {
  it('bins the counting values and turns a run of bins back into a range', () => {
    const h = histogram(values, valid, 1, 10, 3, (i) => i !== 9);
    expect(h.counts).toEqual([3, 3, 3]);
    expect(binRange(h, 2, 1)).toEqual({ lo: 4, hi: 10 });
    expect(binRange(h, 0, 0)).toEqual({ lo: 1, hi: 4 });
  });
});

describe('topCodes', () => {
  it('tallies the counting points per code, largest first', () => {
    expect(topCodes([2, 1, 2, 3, 2, 1], (i) => i !== 0, 2)).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });
});

describe('entryCounts', () => {
  it('counts each entry over the counting points, a point of several entries in each of them too', () => {
    const codes = Uint8Array.from([0, 1, 2, 2, 0]);
    const several = { code: 2, of: new Map([[2, Uint8Array.from([0, 1])], [3, Uint8Array.from([0, 1])]]) };
    expect(entryCounts(codes, 3, () => true, several)).toEqual([4, 3, 2]);
    expect(entryCounts(codes, 3, (i) => i !== 3 && i !== 4)).toEqual([1, 1, 1]);
  });
});
