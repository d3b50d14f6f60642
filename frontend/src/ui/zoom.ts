// Zoom buttons on the map (in, out, the whole map) and their keys: + or =, -, 0; never while typing.
import { typingIn } from './keys';

export interface Zoomable {
  zoomBy(step: number): void;
  reset(): void;
}

/** One button press or key: half a zoom level (a factor of about 1.4). */
export const ZOOM_STEP = 0.5;

export function bindZoom(camera: Zoomable): void {
  const on = (id: string, act: () => void) => document.getElementById(id)?.addEventListener('click', act);
  on('zoom-in', () => camera.zoomBy(ZOOM_STEP));
  on('zoom-out', () => camera.zoomBy(-ZOOM_STEP));
  on('zoom-reset', () => camera.reset());
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
    if (e.key === '+' || e.key === '=') camera.zoomBy(ZOOM_STEP);
    else if (e.key === '-') camera.zoomBy(-ZOOM_STEP);
    else if (e.key === '0') camera.reset();
  });
}
