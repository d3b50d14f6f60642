// The canvas: one deck.gl Deck drawing render(state) from the store and the current frame, and redrawing when
// what it draws changes.
import { Deck, OrthographicView } from '@deck.gl/core';
import type { OrthographicViewState } from '@deck.gl/core';
import type { CameraController } from './camera';
import type { Pointer } from './pointer';
import type { PointData } from '../points';
import { pointRadius, renderLayers } from '../render';
import type { Frame } from '../render';
import type { MapState, Store } from '../state';

export interface CanvasContext {
  mapEl: HTMLDivElement;
  points: PointData;
  store: Store<MapState>;
  camera: CameraController;
  pointer: Pointer;
  fittedZoom: number;
  /** Told how many points each draw of the points layer drew. */
  onDrawn(count: number): void;
  /** After every frame drawn. */
  onFrame(): void;
  /** The first frame at the canvas's full size is drawn. */
  onReady(): void;
  onError(error: Error): void;
}

export interface Canvas {
  /** Draw again from the store, and from this frame when given. */
  redraw(frame?: Frame): void;
  /** deck.gl goes to this view (see CameraContext.jump). */
  jump(view: OrthographicViewState): void;
}

/** The first frames can be drawn at the default 300x150 before the resize observer fires. A box sized in
 * viewport units (the phone layout's 62vh) may be a fraction of a pixel, which each size rounds its own way. */
function fullSize(deck: Deck<OrthographicView>, mapEl: HTMLElement): boolean {
  const canvas = deck.getCanvas();
  const near = (a: number, b: number) => Math.abs(a - b) <= 1;
  return Boolean(
    canvas &&
      mapEl.clientWidth > 0 &&
      near(canvas.clientWidth, mapEl.clientWidth) &&
      near(canvas.clientHeight, mapEl.clientHeight) &&
      near(deck.width, mapEl.clientWidth) &&
      near(deck.height, mapEl.clientHeight),
  );
}

export function createCanvas(ctx: CanvasContext): Canvas {
  const { points, store, camera, pointer, mapEl } = ctx;
  // Labels and the colour buffer's version; the explorer keeps it current once the map is up.
  let frame: Frame = {
    labels: [],
    colourVersion: 0,
    pointRadius: pointRadius(points.length, Number(camera.opening.zoom ?? ctx.fittedZoom), ctx.fittedZoom),
  };
  const layers = () => renderLayers(points, frame, store.get(), { count: camera.drawCount(), onDrawn: ctx.onDrawn });
  let ready = false;
  const deck = new Deck({
    parent: mapEl,
    views: new OrthographicView({ id: 'ortho', flipY: false }),
    initialViewState: camera.opening,
    controller: true,
    // 2-3 px dots are hard to hit exactly; a few pixels of slack makes hovering usable.
    pickingRadius: 4,
    layers: layers(),
    getCursor: pointer.cursor,
    onViewStateChange: ({ viewState }) => camera.viewChanged(viewState),
    onInteractionStateChange: (s) => camera.interaction(s),
    onHover: (info) => pointer.hover(info),
    onClick: (info) => pointer.click(info),
    onAfterRender: () => {
      ctx.onFrame();
      if (!ready && fullSize(deck, mapEl)) {
        ready = true;
        ctx.onReady();
      }
    },
    onError: (e) => ctx.onError(e),
  });

  function redraw(next: Frame = frame): void {
    frame = next;
    deck.setProps({ layers: layers() });
  }
  store.subscribe((state, prev) => {
    if (state.highlightIds !== prev.highlightIds || state.selectedId !== prev.selectedId || state.theme !== prev.theme)
      redraw();
  });
  return {
    redraw,
    jump: (view) => deck.setProps({ initialViewState: view }),
  };
}
