import { describe, expect, it, vi } from 'vitest';
import type { PlacedLabel } from '../src/labels';
import {
  HIGHLIGHT_LAYER_ID,
  highlightData,
  HIT_COUNTS_LAYER_ID,
  stackedHits,
  LABELS_LAYER_ID,
  pointRadius,
  POINTS_LAYER_ID,
  renderLayers,
} from '../src/render';
import type { Frame } from '../src/render';
import { initialMapState } from '../src/state';
import type { MapState } from '../src/state';
import { makePoints } from './fixtures';

const points = makePoints([
  [1, 2],
  [3, 4],
  [5, 6],
]);
const frame: Frame = { labels: [] as PlacedLabel[], colourVersion: 3, pointRadius: 1.5 };
const state = (patch: Partial<MapState> = {}): MapState => ({ ...initialMapState, ...patch });

describe('pointRadius', () => {
  it('draws small maps at 2.5 px and shrinks dots as the map grows, to 1 px', () => {
    expect(pointRadius(0, 0, 0)).toBe(2.5);
    expect(pointRadius(1000, 0, 0)).toBe(2.5);
    // 12 / 100,000^0.2 = 12 / 10.
    expect(pointRadius(100_000, 0, 0)).toBeCloseTo(1.2, 10);
    expect(pointRadius(1_000_000, 0, 0)).toBe(1);
  });

  it('doubles the dot four zoom steps past the fitted view, and never shrinks it below the fitted size', () => {
    expect(pointRadius(100_000, 6, 2)).toBeCloseTo(2.4, 10);
    expect(pointRadius(100_000, 4, 2)).toBeCloseTo(1.2 * Math.SQRT2, 10);
    expect(pointRadius(100_000, -3, 2)).toBeCloseTo(1.2, 10);
  });

  it('caps the dot at 8 px', () => {
    expect(pointRadius(10, 40, 0)).toBe(8);
  });
});

describe('highlightData', () => {
  it('gives the position of each known id, in the order given, skipping unknown ids', () => {
    expect(highlightData(points, [102, 999, 100])).toEqual([
      { id: 102, position: [5, 6] },
      { id: 100, position: [1, 2] },
    ]);
    expect(highlightData(points, [])).toEqual([]);
  });
});

describe('stackedHits', () => {
  const hit = (id: number, x: number, y: number) => ({ id, position: [x, y] as [number, number] });

  it('counts the hits that draw on one spot, at the first of them, and leaves single hits out', () => {
    const hits = [hit(1, 0, 0), hit(2, 0, 0), hit(3, 0.001, 0), hit(4, 10, 10)];
    expect(stackedHits(hits, 0)).toEqual([{ position: [0, 0], count: 3 }]);
  });

  it('parts hits that zooming in has separated on screen', () => {
    const hits = [hit(1, 0, 0), hit(2, 1, 0)];
    // 7 px at zoom 0 reaches 7 units; at zoom 4 it reaches 7/16 of a unit.
    expect(stackedHits(hits, 0)).toEqual([{ position: [0, 0], count: 2 }]);
    expect(stackedHits(hits, 4)).toEqual([]);
  });
});

describe('renderLayers', () => {
  it('draws the points, then the labels, when nothing is searched or selected', () => {
    const layers = renderLayers(points, frame, state());
    expect(layers.map((l) => l.id)).toEqual([POINTS_LAYER_ID, LABELS_LAYER_ID]);
    const dots = layers[0].props as Record<string, unknown>;
    expect(dots.data).toBe(points.binary);
    expect(dots.opacity).toBe(0.85);
    expect(dots.radiusScale).toBe(1.5);
    expect(dots.drawCount).toBe(3);
    expect(dots.updateTriggers).toEqual({ getFillColor: 3 });
  });

  it('fills each point from the shared colour buffer', () => {
    const two = makePoints([
      [0, 0],
      [1, 1],
    ]);
    two.colours.set([10, 20, 30, 40, 50, 60, 70, 80]);
    const getFillColor = (renderLayers(two, frame, state())[0].props as Record<string, unknown>).getFillColor as (
      d: unknown,
      info: { index: number; target: number[] },
    ) => number[];
    expect(getFillColor(null, { index: 1, target: [0, 0, 0, 0] })).toEqual([50, 60, 70, 80]);
  });

  it('fades the points and draws the hits on top while a search is on', () => {
    const layers = renderLayers(points, frame, state({ highlightIds: [101, 5] }));
    expect(layers.map((l) => l.id)).toEqual([POINTS_LAYER_ID, LABELS_LAYER_ID, HIGHLIGHT_LAYER_ID, HIT_COUNTS_LAYER_ID]);
    expect((layers[0].props as Record<string, unknown>).opacity).toBe(0.01);
    expect(layers[2].props.data).toEqual([{ id: 101, position: [3, 4] }]);
  });

  it('rings the selected row last', () => {
    const layers = renderLayers(points, frame, state({ selectedId: 100, highlightIds: [] }));
    expect(layers.map((l) => l.id)).toEqual([
      POINTS_LAYER_ID,
      LABELS_LAYER_ID,
      HIGHLIGHT_LAYER_ID,
      HIT_COUNTS_LAYER_ID,
      'selected',
    ]);
    expect(layers[4].props.data).toEqual([{ id: 100, position: [1, 2] }]);
  });

  it('rings row id 0 too', () => {
    const zero = makePoints([[7, 8]], [0], [0]);
    const layers = renderLayers(zero, frame, state({ selectedId: 0 }));
    expect(layers.map((l) => l.id)).toEqual([POINTS_LAYER_ID, LABELS_LAYER_ID, 'selected']);
    expect(layers[2].props.data).toEqual([{ id: 0, position: [7, 8] }]);
  });

  it('passes the level-of-detail draw count and callback to the points layer', () => {
    const onDrawn = vi.fn();
    const dots = renderLayers(points, frame, state(), { count: 2, onDrawn })[0].props as Record<string, unknown>;
    expect(dots.drawCount).toBe(2);
    expect(dots.onDrawn).toBe(onDrawn);
  });

  it('colours the labels for the theme', () => {
    const label = (theme: MapState['theme']) => renderLayers(points, frame, state({ theme }))[1].props as Record<string, unknown>;
    expect(label('light').getColor).toEqual([30, 30, 30]);
    expect(label('dark').getColor).toEqual([235, 238, 242]);
    expect(label('dark').getBackgroundColor).toEqual([20, 23, 28, 210]);
  });
});
