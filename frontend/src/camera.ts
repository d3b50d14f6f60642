// Camera arithmetic for the orthographic map: the view that fits bounds, and screen pixels to data space.
import type { OrthographicViewState } from '@deck.gl/core';
import type { Bounds } from './points';

export function fitView(b: Bounds, width: number, height: number): OrthographicViewState {
  const spanX = Math.max(b.maxX - b.minX, 1e-9);
  const spanY = Math.max(b.maxY - b.minY, 1e-9);
  // A little margin so edge points and labels are not cut by the canvas border.
  const zoom = Math.log2(Math.min(width / spanX, height / spanY)) - 0.25;
  return {
    target: [(b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2, 0],
    zoom,
    minZoom: zoom - 3,
    maxZoom: zoom + 14,
  };
}

/** Data-space x, y under canvas pixel (px, py) for this camera and canvas size (flipY off: y grows up). */
export function unproject(
  view: OrthographicViewState,
  width: number,
  height: number,
  px: number,
  py: number,
): [number, number] {
  const target = (view.target ?? [0, 0, 0]) as number[];
  const scale = 2 ** Number(view.zoom ?? 0);
  return [target[0] + (px - width / 2) / scale, target[1] - (py - height / 2) / scale];
}
