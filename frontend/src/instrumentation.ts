// What the browser tests and benchmarks read off the map page: frame counts, points drawn, search hits as drawn,
// when the first full frame appeared. Nothing in the product reads these.
import { MOVING_BUDGET } from './lod';
import type { MapState, Store } from './state';

export interface InstrumentContext {
  root: HTMLElement;
  store: Store<MapState>;
  pointCount: number;
  /** Label levels switch at zoom steps past this; tests and links can aim at a level with it. */
  fittedZoom: number;
}

export interface Instruments {
  /** The points layer drew this many points (its onDrawn); published with the next frame. */
  pointsDrawn(count: number): void;
  /** deck.gl drew a frame. */
  frameDrawn(): void;
  /** The first frame at the canvas's full size is drawn. */
  ready(): void;
}

export function instrument(ctx: InstrumentContext): Instruments {
  const { root } = ctx;
  root.dataset.pointCount = String(ctx.pointCount);
  root.dataset.movingBudget = String(MOVING_BUDGET);
  root.dataset.fittedZoom = ctx.fittedZoom.toFixed(4);

  // Frames deck.gl has drawn, read by the browser benchmark (window.atlasFrames) to time panning.
  let frames = 0;
  Object.defineProperty(window, 'atlasFrames', { get: () => frames, configurable: true });
  // Points the points layer drew last (data-drawn-points).
  let drawn = ctx.pointCount;
  // Search hits (data-highlighted) are published once a frame shows them. undefined: nothing pending;
  // null: remove; string: ids to publish.
  let pendingHighlight: string | null | undefined;
  ctx.store.subscribe((state, prev) => {
    if (state.highlightIds === prev.highlightIds) return;
    pendingHighlight = state.highlightIds ? state.highlightIds.join(',') : null;
    if (!state.highlightIds) root.removeAttribute('data-highlighted');
  });

  return {
    pointsDrawn(count) {
      drawn = count;
    },
    frameDrawn() {
      frames++;
      root.dataset.drawnPoints = String(drawn);
      if (pendingHighlight === undefined) return;
      if (pendingHighlight === null) root.removeAttribute('data-highlighted');
      else root.dataset.highlighted = pendingHighlight;
      pendingHighlight = undefined;
    },
    ready() {
      document.body.dataset.mapReady = '1';
      // Milliseconds from navigation start to this first full-size frame, read by the browser benchmark.
      document.body.dataset.mapReadyMs = String(Math.round(performance.now()));
    },
  };
}
