import type { OrthographicViewState } from '@deck.gl/core';
import { describe, expect, it } from 'vitest';
import { selectOutline } from '../src/controllers/selecting';
import { boxPolygon, pointsInPolygon, rowIds, topTopics } from '../src/selection';
import type { Polygon } from '../src/selection';
import { makePoints } from './fixtures';

const list = (a: Int32Array | null) => (a === null ? null : Array.from(a));

describe('pointsInPolygon', () => {
  const grid = makePoints([
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
    [1, 2],
    [-1, 1],
  ]);
  const square: Polygon = [
    [0.5, 0.5],
    [2.5, 0.5],
    [2.5, 2.5],
    [0.5, 2.5],
  ];

  it('finds the points inside, in ascending index order', () => {
    expect(list(pointsInPolygon(grid, square))).toEqual([1, 2, 4]);
  });

  it('gives the same points whichever way round the outline runs', () => {
    expect(list(pointsInPolygon(grid, [...square].reverse()))).toEqual([1, 2, 4]);
  });

  it('leaves out the notch of a concave lasso', () => {
    // A U shape over x 0..3, y 0..3 whose notch x 1..2, y 1..3 is open at the top.
    const u: Polygon = [
      [-0.5, -0.5],
      [3.5, -0.5],
      [3.5, 3.5],
      [2.5, 3.5],
      [2.5, 0.5],
      [0.5, 0.5],
      [0.5, 3.5],
      [-0.5, 3.5],
    ];
    const points = makePoints([
      [0, 0],
      [1.5, 2],
      [3, 3],
      [0, 3],
      [1.5, 0],
    ]);
    expect(list(pointsInPolygon(points, u))).toEqual([0, 2, 3, 4]);
  });

  it('uses the even-odd rule where a lasso crosses itself', () => {
    // A five-pointed star drawn in one stroke: its tips are inside, its centre pentagon is crossed twice: outside.
    const star: Polygon = [90, 234, 18, 162, 306].map((deg) => {
      const a = (deg * Math.PI) / 180;
      return [Math.cos(a), Math.sin(a)];
    });
    const points = makePoints([
      [0, 0],
      [0, 0.8],
      [0, 0.2],
      [0, -0.9],
    ]);
    expect(list(pointsInPolygon(points, star))).toEqual([1]);
  });

  it('selects both wings of a bow tie and not the space beside its crossing', () => {
    // Corners (0,0) (2,2) (2,0) (0,2): wings left and right of the crossing at (1, 1).
    const bowTie: Polygon = [
      [0, 0],
      [2, 2],
      [2, 0],
      [0, 2],
    ];
    const points = makePoints([
      [1, 0.5],
      [1, 1.5],
      [0.2, 1],
      [1.8, 1],
    ]);
    expect(list(pointsInPolygon(points, bowTie))).toEqual([2, 3]);
  });

  it('selects nothing with fewer than three corners', () => {
    expect(list(pointsInPolygon(grid, []))).toEqual([]);
    expect(
      list(
        pointsInPolygon(grid, [
          [0, 0],
          [3, 3],
        ]),
      ),
    ).toEqual([]);
  });

  it('keeps only the points marked shown', () => {
    expect(list(pointsInPolygon(grid, square, Uint8Array.from([1, 1, 0, 1, 1, 1])))).toEqual([1, 4]);
  });
});

describe('boxPolygon', () => {
  it('gives the four corners of the box spanned by two opposite corners', () => {
    expect(boxPolygon([0, 0], [2, 1])).toEqual([
      [0, 0],
      [2, 0],
      [2, 1],
      [0, 1],
    ]);
  });

  it('selects the same points whichever corners span it', () => {
    const points = makePoints([
      [0, 0],
      [1, 1],
      [5, 5],
      [1, 3],
    ]);
    const expected = [1];
    expect(list(pointsInPolygon(points, boxPolygon([0.5, 0.5], [2, 2])))).toEqual(expected);
    expect(list(pointsInPolygon(points, boxPolygon([2, 2], [0.5, 0.5])))).toEqual(expected);
    expect(list(pointsInPolygon(points, boxPolygon([0.5, 2], [2, 0.5])))).toEqual(expected);
  });
});

describe('topTopics', () => {
  const points = makePoints(
    Array.from({ length: 8 }, (_, i) => [i, 0] as [number, number]),
    [5, 2, 5, 7, 2, 5, 9, 9],
  );

  it('counts the selected points per topic, most first, ties by topic id', () => {
    expect(topTopics(points, Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), 10)).toEqual([
      { topic: 5, count: 3 },
      { topic: 2, count: 2 },
      { topic: 9, count: 2 },
      { topic: 7, count: 1 },
    ]);
  });

  it('counts only the given points and keeps at most `limit` topics', () => {
    expect(topTopics(points, Int32Array.from([3, 6, 7]), 1)).toEqual([{ topic: 9, count: 2 }]);
    expect(topTopics(points, new Int32Array(0), 5)).toEqual([]);
  });
});

describe('rowIds', () => {
  it('maps point indices to row ids', () => {
    const points = makePoints([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect(rowIds(points, Int32Array.from([2, 0]))).toEqual([102, 100]);
  });
});

describe('selectOutline', () => {
  // Canvas 100 x 100 centred on data (0, 0) at zoom 0: one pixel is one unit and y grows up the screen.
  const view: OrthographicViewState = { target: [0, 0, 0], zoom: 0 };
  const points = makePoints([
    [0, 0],
    [5, 8],
    [5, -8],
    [20, 0],
    [-9, 9],
  ]);
  /** The four corners of a drawn box in pixels, as the select tool gives them. */
  const drawnBox = (x0: number, y0: number, x1: number, y1: number): [number, number][] => [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];

  it('selects the points under a drawn box, with screen y pointing down', () => {
    // Pixels x 40..60, y 30..55 are data x -10..10, y -5..20.
    expect(list(selectOutline(points, view, 100, 100, 'box', drawnBox(40, 30, 60, 55)))).toEqual([0, 1, 4]);
    expect(list(selectOutline(points, view, 100, 100, 'box', drawnBox(50, 55, 60, 60)))).toEqual([2]);
  });

  it('scales pixels by the zoom and follows the camera target', () => {
    // Zoom 1: two pixels per unit, so 20 pixels either side of the centre reach 10 units.
    const zoomed: OrthographicViewState = { target: [20, 0, 0], zoom: 1 };
    expect(list(selectOutline(points, zoomed, 100, 100, 'box', drawnBox(30, 30, 70, 70)))).toEqual([3]);
    // The canvas's left fifth is data x -5..5 now: the point at the origin.
    expect(list(selectOutline(points, zoomed, 100, 100, 'box', drawnBox(0, 40, 20, 60)))).toEqual([0]);
  });

  it('selects the points inside a drawn lasso, not the rest of its bounding box', () => {
    const few = makePoints([
      [0, 0],
      [2, 8],
      [8, 2],
    ]);
    // A triangle over data (-1, -2), (-1, 10), (10, 10): the upper left of its bounding box, which holds (8, 2).
    const lasso: [number, number][] = [
      [49, 52],
      [49, 40],
      [60, 40],
    ];
    expect(list(selectOutline(few, view, 100, 100, 'lasso', lasso))).toEqual([0, 1]);
    expect(list(selectOutline(few, view, 100, 100, 'box', drawnBox(49, 40, 60, 52)))).toEqual([0, 1, 2]);
  });

  it('gives null when the shape holds no point', () => {
    expect(selectOutline(points, view, 100, 100, 'box', drawnBox(0, 0, 10, 10))).toBeNull();
    expect(selectOutline(points, view, 100, 100, 'lasso', [[50, 50]])).toBeNull();
  });

  it('leaves out what the filters do not show', () => {
    const filtered = makePoints([
      [0, 0],
      [5, 8],
      [5, -8],
    ]);
    filtered.shown.set([1, 0, 1]);
    expect(list(selectOutline(filtered, view, 100, 100, 'box', drawnBox(0, 0, 100, 100)))).toEqual([0, 2]);
    filtered.shown.set([0, 0, 0]);
    expect(selectOutline(filtered, view, 100, 100, 'box', drawnBox(0, 0, 100, 100))).toBeNull();
  });
});
