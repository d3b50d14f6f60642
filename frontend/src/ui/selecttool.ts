// The selection tool: pan / box / lasso modes, and the shape a drag draws over the map (screen pixels).

import type { SelectMode } from '../state';

export interface SelectTool {
  setMode(mode: SelectMode): void;
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * While a mode other than pan is on, an overlay above the canvas takes the pointer, so a drag draws
 * instead of panning; `onShape` gets the drawn outline in pixels relative to the map's top-left.
 */
export function createSelectTool(
  container: HTMLElement,
  buttons: HTMLElement,
  onMode: (mode: SelectMode) => void,
  onShape: (mode: 'box' | 'lasso', outline: [number, number][]) => void,
): SelectTool {
  const overlay = document.createElementNS(SVG, 'svg');
  overlay.id = 'select-overlay';
  overlay.setAttribute('aria-hidden', 'true');
  const shape = document.createElementNS(SVG, 'polygon');
  shape.setAttribute('class', 'select-shape');
  overlay.append(shape);
  container.append(overlay);
  let mode: SelectMode = 'pan';
  let drawing: [number, number][] | null = null;

  for (const button of buttons.querySelectorAll<HTMLButtonElement>('button[data-mode]')) {
    button.addEventListener('click', () => onMode(button.dataset.mode as SelectMode));
  }

  const local = (e: PointerEvent): [number, number] => {
    const r = container.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const outline = (): [number, number][] => {
    if (!drawing) return [];
    if (mode === 'lasso') return drawing;
    const [a, b] = [drawing[0], drawing[drawing.length - 1]];
    return [a, [b[0], a[1]], b, [a[0], b[1]]];
  };
  const paint = () => shape.setAttribute('points', outline().map((p) => p.join(',')).join(' '));

  overlay.addEventListener('pointerdown', (e) => {
    if (mode === 'pan' || e.button !== 0) return;
    overlay.setPointerCapture(e.pointerId);
    drawing = [local(e)];
    paint();
  });
  overlay.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = local(e);
    if (mode === 'box') drawing = [drawing[0], p];
    else {
      // Skip sub-pixel moves: a lasso of thousands of corners only slows the inside test.
      const last = drawing[drawing.length - 1];
      if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) >= 2) drawing.push(p);
    }
    paint();
  });
  const finish = (e: PointerEvent) => {
    if (!drawing) return;
    if (mode === 'box') drawing = [drawing[0], local(e)];
    const drawn = outline();
    drawing = null;
    paint();
    if (mode !== 'pan') onShape(mode, drawn);
  };
  overlay.addEventListener('pointerup', finish);
  overlay.addEventListener('pointercancel', () => {
    drawing = null;
    paint();
  });

  return {
    setMode(next) {
      mode = next;
      drawing = null;
      paint();
      overlay.classList.toggle('active', next !== 'pan');
      container.dataset.selectMode = next;
      for (const button of buttons.querySelectorAll<HTMLButtonElement>('button[data-mode]')) {
        button.setAttribute('aria-pressed', String(button.dataset.mode === next));
      }
    },
  };
}
