// Pure mapping from (point data, topics, UI state) to the deck.gl layer list; no DOM, no fetches.
import type { Layer } from '@deck.gl/core';
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { PlacedLabel } from './labels';
import { LABEL_FONT_PX } from './labels';
import type { PointData } from './points';
import { PointsLayer } from './pointslayer';
import type { MapState } from './state';

export const POINTS_LAYER_ID = 'points';
export const HIGHLIGHT_LAYER_ID = 'search-highlight';
export const LABELS_LAYER_ID = 'topic-labels';
export const HIT_COUNTS_LAYER_ID = 'search-hit-counts';
/** A hit's marker radius in pixels: hits closer than this on screen draw as one marker. */
const HIT_RADIUS_PX = 7;

export interface HighlightDatum {
  id: number;
  position: [number, number];
}

export function highlightData(points: PointData, ids: number[]): HighlightDatum[] {
  const out: HighlightDatum[] = [];
  for (const id of ids) {
    const i = points.idToIndex.get(id);
    if (i === undefined) continue;
    out.push({ id, position: [points.positions[i * 2], points.positions[i * 2 + 1]] });
  }
  return out;
}

/** Hits that draw on top of each other at this zoom (within `radiusPx` on screen): each group with its size,
 * at its first (best-ranked) hit. A pile of ten identical rows then says 10 instead of looking like one. */
export function stackedHits(
  hits: HighlightDatum[],
  zoom: number,
  radiusPx: number = HIT_RADIUS_PX,
): { position: [number, number]; count: number }[] {
  const reach = radiusPx / Math.pow(2, zoom);
  const groups: { position: [number, number]; count: number }[] = [];
  for (const hit of hits) {
    const near = groups.find(
      (g) => Math.abs(g.position[0] - hit.position[0]) <= reach && Math.abs(g.position[1] - hit.position[1]) <= reach,
    );
    if (near) near.count += 1;
    else groups.push({ position: hit.position, count: 1 });
  }
  return groups.filter((g) => g.count > 1);
}

export const LABEL_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
export const LABEL_WEIGHT = 600;

/** What a frame draws besides the store: the placed labels, the colour buffer's version and the dot size. */
export interface Frame {
  labels: PlacedLabel[];
  colourVersion: number;
  /** Radius of a dot in pixels (pointRadius): a uniform, so a new size rebuilds no buffer. */
  pointRadius: number;
}

/**
 * Dot radius in pixels for a map of `count` points seen at `zoom`: smaller the more points there are (a
 * dense map reads as shapes of small dots: 2.5 px up to a few thousand points, 1.2 px at 100,000, 1 px at a
 * million), and twice as large four zoom steps past the fitted view, so zooming in separates close
 * neighbours without hiding the space between them; at most 8 pixels.
 */
export function pointRadius(count: number, zoom: number, fittedZoom: number): number {
  const base = Math.min(2.5, Math.max(1, 12 / Math.pow(Math.max(count, 1), 0.2)));
  return Math.min(8, base * Math.pow(2, 0.25 * Math.max(0, zoom - fittedZoom)));
}

/** How much of the points layer to draw: all while the camera rests, a prefix while it moves (lod.ts). */
export interface PointsDraw {
  count: number;
  /** Told how many points each draw of the points layer drew. */
  onDrawn: ((count: number) => void) | null;
}

export function renderLayers(
  points: PointData,
  frame: Frame,
  state: MapState,
  draw: PointsDraw = { count: points.length, onDrawn: null },
): Layer[] {
  const highlighting = state.highlightIds !== null;
  const dark = state.theme === 'dark';
  const colours = points.colours;
  const layers: Layer[] = [
    new PointsLayer({
      id: POINTS_LAYER_ID,
      // Same object every time: deck.gl diffs by identity and keeps the GPU buffers.
      data: points.binary,
      radiusUnits: 'pixels',
      getRadius: 1,
      radiusScale: frame.pointRadius,
      radiusMinPixels: 1,
      stroked: false,
      // The buffer is refilled in place; the trigger tells deck.gl to re-read it, positions stay put.
      getFillColor: (_: unknown, { index, target }: { index: number; target: number[] }) => {
        const o = index * 4;
        target[0] = colours[o];
        target[1] = colours[o + 1];
        target[2] = colours[o + 2];
        target[3] = colours[o + 3];
        return target as [number, number, number, number];
      },
      updateTriggers: { getFillColor: frame.colourVersion },
      // deck.gl draws opacity^(1/2.2) (gamma), and dense clusters stack dimmed dots: 0.01 shows as about
      // 0.12 per dot, a faint backdrop to the hits.
      opacity: highlighting ? 0.01 : 0.85,
      pickable: true,
      // The buffers hold every point in a shuffled order (points.ts); a smaller count draws a uniform sample.
      drawCount: draw.count,
      onDrawn: draw.onDrawn,
    }),
  ];

  layers.push(
    new TextLayer<PlacedLabel>({
      id: LABELS_LAYER_ID,
      data: frame.labels,
      getPosition: (l) => [l.topic.x, l.topic.y],
      getText: (l) => l.topic.label,
      getSize: LABEL_FONT_PX,
      sizeUnits: 'pixels',
      getColor: dark ? [235, 238, 242] : [30, 30, 30],
      getTextAnchor: 'middle',
      getAlignmentBaseline: 'center',
      // Labels are arbitrary user text; 'auto' builds the glyph atlas from what is actually there.
      characterSet: 'auto',
      fontFamily: LABEL_FONT,
      fontWeight: LABEL_WEIGHT,
      background: true,
      getBackgroundColor: dark ? [20, 23, 28, 210] : [255, 255, 255, 210],
      backgroundPadding: [4, 2],
      // A click on a label zooms into its topic. Only the label's own box picks (small next to the
      // clusters), so the points around it still answer hovers.
      pickable: true,
      updateTriggers: { getColor: dark, getBackgroundColor: dark },
    }),
  );

  // Last, so search hits stay visible even under a label.
  if (state.highlightIds) {
    const hits = highlightData(points, state.highlightIds);
    layers.push(
      new ScatterplotLayer<HighlightDatum>({
        id: HIGHLIGHT_LAYER_ID,
        data: hits,
        getPosition: (d) => d.position,
        radiusUnits: 'pixels',
        getRadius: HIT_RADIUS_PX,
        getFillColor: [235, 20, 110],
        stroked: true,
        getLineColor: [255, 210, 0],
        lineWidthUnits: 'pixels',
        getLineWidth: 2.5,
        pickable: true,
      }),
      new TextLayer<{ position: [number, number]; count: number }>({
        id: HIT_COUNTS_LAYER_ID,
        data: stackedHits(hits, state.camera?.zoom ?? 0),
        getPosition: (d) => d.position,
        getText: (d) => String(d.count),
        getSize: 12,
        sizeUnits: 'pixels',
        getPixelOffset: [10, -10],
        getColor: [255, 255, 255],
        background: true,
        getBackgroundColor: [235, 20, 110, 255],
        backgroundPadding: [3, 1],
        fontFamily: LABEL_FONT,
        fontWeight: LABEL_WEIGHT,
        pickable: false,
      }),
    );
  }

  if (state.selectedId !== null) {
    const selected = highlightData(points, [state.selectedId]);
    layers.push(
      new ScatterplotLayer<HighlightDatum>({
        id: 'selected',
        data: selected,
        getPosition: (d) => d.position,
        radiusUnits: 'pixels',
        getRadius: 11,
        filled: false,
        stroked: true,
        getLineColor: dark ? [240, 240, 240] : [20, 20, 20],
        lineWidthUnits: 'pixels',
        getLineWidth: 2,
        pickable: false,
      }),
    );
  }
  return layers;
}
