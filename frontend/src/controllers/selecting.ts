// Box and lasso selection: modes from buttons and keys, the drawn shape to point indices, and the summary panel.
import { unproject } from '../camera';
import type { OrthographicViewState } from '@deck.gl/core';
import type { Topic } from '../api';
import type { PointData } from '../points';
import { boxPolygon, pointsInPolygon, topTopics } from '../selection';
import type { Polygon } from '../selection';
import type { MapState, SelectMode, Store } from '../state';
import { createSelectTool } from '../ui/selecttool';
import { createSelectionPanel } from '../ui/selectionpanel';
import { typingIn } from '../ui/keys';

export interface SelectingContext {
  points: PointData;
  topics: Topic[];
  store: Store<MapState>;
  root: HTMLElement;
  mapEl: HTMLElement;
  /** The camera now, to turn the drawn pixels into data space. */
  camera(): OrthographicViewState;
}

const KEYS: Record<string, SelectMode> = { b: 'box', l: 'lasso' };

/**
 * The points a drawn outline (canvas pixels; a box as its four corners) selects, for this camera and canvas
 * size; null when it holds none.
 */
export function selectOutline(
  points: PointData,
  view: OrthographicViewState,
  width: number,
  height: number,
  mode: 'box' | 'lasso',
  outline: [number, number][],
): Int32Array | null {
  const data: Polygon = outline.map(([px, py]) => unproject(view, width, height, px, py));
  const poly = mode === 'box' ? boxPolygon(data[0], data[2]) : data;
  // What the filters leave out (dimmed or hidden) is not picked up: a drag selects what it shows.
  const found = pointsInPolygon(points, poly, points.shown);
  return found.length ? found : null;
}

export function createSelecting(ctx: SelectingContext): void {
  const { points, store, root, mapEl } = ctx;
  const labels = new Map(ctx.topics.map((t) => [t.id, t.label]));
  const tool = createSelectTool(
    mapEl,
    document.getElementById('select-modes') ?? mapEl,
    (mode) => store.set({ selectMode: store.get().selectMode === mode ? 'pan' : mode }),
    (mode, outline) =>
      store.set({ selection: selectOutline(points, ctx.camera(), mapEl.clientWidth, mapEl.clientHeight, mode, outline) }),
  );
  const panel = createSelectionPanel(document.getElementById('selection') ?? mapEl, () =>
    store.set({ selection: null }),
  );

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
    const mode = KEYS[e.key];
    if (mode) store.set({ selectMode: store.get().selectMode === mode ? 'pan' : mode });
    else if (e.key === 'Escape') store.set({ selectMode: 'pan', selection: null });
  });

  function showSelection(selection: Int32Array | null): void {
    if (!selection) {
      panel.hide();
      delete root.dataset.selectionCount;
      return;
    }
    root.dataset.selectionCount = String(selection.length);
    panel.show(selection.length, topTopics(points, selection, 5), (t) => labels.get(t) ?? `Topic ${t}`);
  }

  store.subscribe((state, prev) => {
    if (state.selectMode !== prev.selectMode) tool.setMode(state.selectMode);
    if (state.selection !== prev.selection) showSelection(state.selection);
  });
  tool.setMode(store.get().selectMode);
}
