import type { OrthographicViewState } from '@deck.gl/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cameraOf, createCamera, createMotion, viewStateOf } from '../src/controllers/camera';
import { MOVING_BUDGET, SETTLE_MS } from '../src/lod';
import { createStore, initialMapState } from '../src/state';
import type { Camera, MapState } from '../src/state';

const FITTED: OrthographicViewState = { target: [5, 10, 0], zoom: 2, minZoom: -1, maxZoom: 16 };

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('cameraOf and viewStateOf', () => {
  it('turn a deck.gl view state into a camera and back, keeping the fitted zoom limits', () => {
    const camera: Camera = { x: -3.5, y: 0.25, zoom: 4.125 };
    const view = viewStateOf(camera, FITTED);
    expect(view).toEqual({ target: [-3.5, 0.25, 0], zoom: 4.125, minZoom: -1, maxZoom: 16 });
    expect(cameraOf(view)).toEqual(camera);
  });

  it('reads a view state without target or zoom as the origin at zoom 0', () => {
    expect(cameraOf({})).toEqual({ x: 0, y: 0, zoom: 0 });
  });
});

describe('createMotion (level of detail)', () => {
  const big = MOVING_BUDGET * 25;

  it('draws the whole map at rest, the budget while moving, and the whole map again once settled', () => {
    const changed = vi.fn();
    const motion = createMotion(big, changed);
    expect(motion.count()).toBe(big);
    motion.moved();
    expect(motion.count()).toBe(MOVING_BUDGET);
    expect(changed).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(SETTLE_MS - 1);
    expect(motion.count()).toBe(MOVING_BUDGET);
    vi.advanceTimersByTime(1);
    expect(motion.count()).toBe(big);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('waits for the last of many moves before settling, and tells of each flip once', () => {
    const changed = vi.fn();
    const motion = createMotion(big, changed);
    for (let i = 0; i < 10; i++) {
      motion.moved();
      vi.advanceTimersByTime(SETTLE_MS / 2);
    }
    expect(motion.count()).toBe(MOVING_BUDGET);
    expect(changed).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(motion.count()).toBe(big);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('does not settle while a button is down or a transition runs, and settles after it ends', () => {
    const changed = vi.fn();
    const motion = createMotion(big, changed);
    motion.interacting(true);
    motion.moved();
    vi.advanceTimersByTime(SETTLE_MS * 10);
    expect(motion.count()).toBe(MOVING_BUDGET);
    motion.interacting(false);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(motion.count()).toBe(big);
  });

  it('never samples a map within the budget', () => {
    const changed = vi.fn();
    const motion = createMotion(MOVING_BUDGET, changed);
    motion.moved();
    expect(motion.count()).toBe(MOVING_BUDGET);
    vi.advanceTimersByTime(SETTLE_MS);
    expect(changed).not.toHaveBeenCalled();
  });

  it('takes the budget and settle time it is given', () => {
    const motion = createMotion(10, () => {}, 3, 20);
    motion.moved();
    expect(motion.count()).toBe(3);
    vi.advanceTimersByTime(20);
    expect(motion.count()).toBe(10);
  });
});

describe('createCamera', () => {
  function setup(camera: Camera | null = null, total = 100) {
    const store = createStore<MapState>({ ...initialMapState, camera });
    const jump = vi.fn<(view: OrthographicViewState) => void>();
    const redraw = vi.fn();
    const controller = createCamera({ store, fitted: FITTED, total, redraw, jump, size: () => ({ width: 400, height: 200 }) });
    return { store, jump, redraw, controller };
  }

  it('opens on the fitted view and puts it in the store when the store has no camera', () => {
    const { store, controller } = setup();
    expect(store.get().camera).toEqual({ x: 5, y: 10, zoom: 2 });
    expect(controller.opening).toEqual(FITTED);
  });

  it("opens on the store's camera (a link's) within the fitted zoom limits", () => {
    const { store, controller } = setup({ x: 1, y: 2, zoom: 7 });
    expect(store.get().camera).toEqual({ x: 1, y: 2, zoom: 7 });
    expect(controller.opening).toEqual({ target: [1, 2, 0], zoom: 7, minZoom: -1, maxZoom: 16 });
  });

  it("writes deck.gl's moves to the store, and reads the view back from it", () => {
    const { store, controller } = setup();
    const seen: (Camera | null)[] = [];
    store.subscribe((s, prev) => {
      if (s.camera !== prev.camera) seen.push(s.camera);
    });
    controller.viewChanged({ target: [8, -4, 0], zoom: 3.5, width: 400, height: 200 } as OrthographicViewState);
    expect(seen).toEqual([{ x: 8, y: -4, zoom: 3.5 }]);
    expect(controller.view()).toEqual({ target: [8, -4, 0], zoom: 3.5, minZoom: -1, maxZoom: 16 });
  });

  it('samples a big map while deck.gl moves the camera and redraws when that flips', () => {
    const { controller, redraw } = setup(null, MOVING_BUDGET * 2);
    controller.interaction({ isDragging: true });
    controller.viewChanged({ target: [0, 0, 0], zoom: 2 });
    expect(controller.drawCount()).toBe(MOVING_BUDGET);
    expect(redraw).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(SETTLE_MS * 4);
    expect(controller.drawCount()).toBe(MOVING_BUDGET);
    controller.interaction({ isDragging: false, inTransition: false });
    vi.advanceTimersByTime(SETTLE_MS);
    expect(controller.drawCount()).toBe(MOVING_BUDGET * 2);
    expect(redraw).toHaveBeenCalledTimes(2);
  });

  it('centres on a point zoomed in at least two steps past the fitted view, keeping a closer zoom', () => {
    const { store, jump, controller } = setup();
    controller.centreOn(30, 40);
    expect(jump.mock.lastCall?.[0]).toMatchObject({ target: [30, 40, 0], zoom: 4, transitionDuration: 600, minZoom: -1 });
    store.set({ camera: { x: 0, y: 0, zoom: 9 } });
    controller.centreOn(1, 1);
    expect(jump.mock.lastCall?.[0]).toMatchObject({ target: [1, 1, 0], zoom: 9 });
  });

  it('flies so bounds fill the canvas, but no closer than six steps past the fitted view', () => {
    const { jump, controller } = setup();
    controller.flyTo({ minX: 0, minY: 0, maxX: 100, maxY: 50 });
    // 400x200 pixels over 100x50 units: 4 px a unit, zoom 2, less the fitted margin of a quarter step.
    expect(jump.mock.lastCall?.[0]).toMatchObject({ target: [50, 25, 0], zoom: 1.75 });
    controller.flyTo({ minX: 3, minY: 3, maxX: 3, maxY: 3 });
    expect(jump.mock.lastCall?.[0]).toMatchObject({ target: [3, 3, 0], zoom: 8 });
  });
});
