// Pure mapping from (point data, topics, UI state) to the deck.gl layer list; no DOM, no fetches.
import type { Layer } from '@deck.gl/core';
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { Topic } from './api';
import type { PointData } from './points';
import type { MapState } from './state';

export const POINTS_LAYER_ID = 'points';
export const HIGHLIGHT_LAYER_ID = 'search-highlight';
const MAX_LABELS = 30;

export interface HighlightDatum {
  id: number;
  position: [number, number];
}

/** The broad topics get labels (the largest, if there are many); more than ~30 would overlap at the fitted zoom. */
export function labelTopics(topics: Topic[]): Topic[] {
  const broad = topics.filter((t) => t.level === 'broad');
  return (broad.length ? broad : topics)
    .filter((t) => t.label && Number.isFinite(t.x) && Number.isFinite(t.y))
    .sort((a, b) => b.size - a.size)
    .slice(0, MAX_LABELS);
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

export function renderLayers(points: PointData, labels: Topic[], state: MapState): Layer[] {
  const highlighting = state.highlightIds !== null;
  const layers: Layer[] = [
    new ScatterplotLayer({
      id: POINTS_LAYER_ID,
      // Same object every time: deck.gl diffs by identity and keeps the GPU buffers.
      data: points.binary,
      radiusUnits: 'pixels',
      getRadius: 2.5,
      radiusMinPixels: 1,
      stroked: false,
      opacity: highlighting ? 0.15 : 0.85,
      pickable: true,
    }),
  ];

  layers.push(
    new TextLayer<Topic>({
      id: 'topic-labels',
      data: labels,
      getPosition: (t) => [t.x, t.y],
      getText: (t) => t.label,
      getSize: 13,
      sizeUnits: 'pixels',
      getColor: [30, 30, 30],
      getTextAnchor: 'middle',
      getAlignmentBaseline: 'center',
      // Labels are arbitrary user text; 'auto' builds the glyph atlas from what is actually there.
      characterSet: 'auto',
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      fontWeight: 600,
      background: true,
      getBackgroundColor: [255, 255, 255, 210],
      backgroundPadding: [4, 2],
      // Labels sit under the cursor often; don't let them steal point hovers.
      pickable: false,
    }),
  );

  // Last, so search hits stay visible even under a label.
  if (state.highlightIds) {
    layers.push(
      new ScatterplotLayer<HighlightDatum>({
        id: HIGHLIGHT_LAYER_ID,
        data: highlightData(points, state.highlightIds),
        getPosition: (d) => d.position,
        radiusUnits: 'pixels',
        getRadius: 7,
        getFillColor: [235, 20, 110],
        stroked: true,
        getLineColor: [255, 210, 0],
        lineWidthUnits: 'pixels',
        getLineWidth: 2.5,
        pickable: true,
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
        getLineColor: [20, 20, 20],
        lineWidthUnits: 'pixels',
        getLineWidth: 2,
        pickable: false,
      }),
    );
  }
  return layers;
}
