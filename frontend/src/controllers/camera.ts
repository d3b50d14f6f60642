// The camera and the level of detail: deck.gl's moves are written to the store, flights go to deck.gl, and
// while the camera moves a map bigger than the budget draws a uniform sample of its points (lod.ts).
import { LinearInterpolator } from '@deck.gl/core';
import type { OrthographicViewState } from '@deck.gl/core';
import { fitView } from '../camera';
import { drawCount, MOVING_BUDGET, SETTLE_MS } from '../lod';
import type { Bounds } from '../points';
import type { Camera, MapState, Store } from '../state';

/** How long a flight to a row or a topic takes. */
const FLIGHT_MS = 600;
/** A row flown to is shown at least this many zoom steps past the fitted view. */
const ROW_ZOOM = 2;
/** A lone point or a tight cluster must not zoom in past where points separate. */
const MAX_FIT_ZOOM = 6;

/** The camera of a deck.gl orthographic view state. */
export function cameraOf(view: OrthographicViewState): Camera {
  const target = (view.target ?? [0, 0, 0]) as number[];
  return { x: target[0], y: target[1], zoom: Number(view.zoom ?? 0) };
}

/** The view state of a camera, within the zoom limits of `limits` (the fitted view). */
export function viewStateOf(camera: Camera, limits: OrthographicViewState): OrthographicViewState {
  return { ...limits, target: [camera.x, camera.y, 0], zoom: camera.zoom };
}

export interface Motion {
  /** The camera moved. */
  moved(): void;
  /** A button went down or up, or a transition started or ended. */
  interacting(active: boolean): void;
  /** Points to draw now: all while the camera rests, at most the budget while it moves. */
  count(): number;
}

/**
 * Whether the camera is moving, for a map of `total` points: moving from its first move until `settleMs` after
 * its last, and never while a button is down or a transition runs (the camera may move again any moment).
 * Maps within the budget never count as moving. `changed` is told each time that flips.
 */
export function createMotion(
  total: number,
  changed: () => void,
  budget: number = MOVING_BUDGET,
  settleMs: number = SETTLE_MS,
): Motion {
  let moving = false;
  let active = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  function settleLater(): void {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (active || !moving) return;
      moving = false;
      changed();
    }, settleMs);
  }
  return {
    moved() {
      if (total <= budget) return;
      if (!moving) {
        moving = true;
        changed();
      }
      settleLater();
    },
    interacting(now) {
      active = now;
      if (!active && moving) settleLater();
    },
    count: () => drawCount(total, moving, budget),
  };
}

export interface CameraContext {
  store: Store<MapState>;
  /** The view that fits the whole map: it gives the zoom limits, and the opening view when the store has none. */
  fitted: OrthographicViewState;
  /** Points on the map. */
  total: number;
  /** The level of detail changed: draw again. */
  redraw(): void;
  /** Send deck.gl to this view (a new initialViewState: deck.gl goes there and stays uncontrolled). */
  jump(view: OrthographicViewState): void;
  /** The canvas size in pixels, to fit bounds to. */
  size(): { width: number; height: number };
}

export interface CameraController {
  /** The view deck.gl opens with: the store's camera. */
  opening: OrthographicViewState;
  /** deck.gl's onViewStateChange. */
  viewChanged(view: OrthographicViewState): void;
  /** deck.gl's onInteractionStateChange. */
  interaction(state: { isDragging?: boolean; inTransition?: boolean }): void;
  /** Points to draw now (level of detail). */
  drawCount(): number;
  /** The camera now as a deck.gl view state. */
  view(): OrthographicViewState;
  /** Fly to centre on this data point, zoomed in at least a little past the fitted view. */
  centreOn(x: number, y: number): void;
  /** Fly so these bounds fill the view. */
  flyTo(bounds: Bounds): void;
  /** Zoom in (a positive step) or out about the view's centre. */
  zoomBy(step: number): void;
  /** Back to the view that shows the whole map. */
  reset(): void;
}

export function createCamera(ctx: CameraContext): CameraController {
  const { store, fitted } = ctx;
  const fittedZoom = Number(fitted.zoom);
  if (!store.get().camera) store.set({ camera: cameraOf(fitted) });
  const motion = createMotion(ctx.total, ctx.redraw);
  const view = () => {
    const camera = store.get().camera;
    return camera ? viewStateOf(camera, fitted) : fitted;
  };

  function fly(target: [number, number], zoom: number): void {
    ctx.jump({
      ...view(),
      target: [target[0], target[1], 0],
      zoom,
      transitionDuration: FLIGHT_MS,
      transitionInterpolator: new LinearInterpolator(['target', 'zoom']),
    });
  }

  return {
    opening: view(),
    viewChanged(next) {
      motion.moved();
      store.set({ camera: cameraOf(next) });
    },
    interaction(s) {
      motion.interacting(Boolean(s.isDragging || s.inTransition));
    },
    drawCount: motion.count,
    view,
    centreOn(x, y) {
      const zoom = Math.max(store.get().camera?.zoom ?? fittedZoom, fittedZoom + ROW_ZOOM);
      fly([x, y], zoom);
    },
    zoomBy(step) {
      const now = view();
      const target = now.target as number[];
      fly([target[0], target[1]], Number(now.zoom ?? fittedZoom) + step);
    },
    reset() {
      const target = fitted.target as number[];
      fly([target[0], target[1]], fittedZoom);
    },
    flyTo(b) {
      const { width, height } = ctx.size();
      const fit = fitView(b, width, height);
      const target = fit.target as number[];
      fly([target[0], target[1]], Math.min(Number(fit.zoom), fittedZoom + MAX_FIT_ZOOM));
    },
  };
}
