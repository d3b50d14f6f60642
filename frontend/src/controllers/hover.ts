// Hover: a debounced row fetch, and only the row still under the cursor may paint the tooltip.
import type { RowCache } from '../rows';
import type { Tooltip } from '../ui/tooltip';

const HOVER_DEBOUNCE_MS = 80;

export interface Hover {
  /** The row under the cursor (null: none), at these canvas pixels. */
  move(rowId: number | null, x: number, y: number): void;
  current(): number | null;
}

export function createHover(tooltip: Tooltip, rows: RowCache): Hover {
  let hoverId: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cursor = { x: 0, y: 0 };
  return {
    current: () => hoverId,
    move(rowId, x, y) {
      cursor = { x, y };
      if (rowId === null) {
        hoverId = null;
        clearTimeout(timer);
        tooltip.hide();
        return;
      }
      const cached = rows.cached(rowId);
      if (rowId === hoverId && cached) {
        tooltip.show(cursor.x, cursor.y, cached.text);
        return;
      }
      if (rowId === hoverId) return;
      hoverId = rowId;
      clearTimeout(timer);
      if (cached) {
        tooltip.show(cursor.x, cursor.y, cached.text);
        return;
      }
      tooltip.hide();
      timer = setTimeout(() => {
        if (hoverId !== rowId) return;
        tooltip.show(cursor.x, cursor.y, null);
        rows.get(rowId).then(
          (d) => {
            if (hoverId === rowId) tooltip.show(cursor.x, cursor.y, d.text);
          },
          () => {
            if (hoverId === rowId) tooltip.hide();
          },
        );
      }, HOVER_DEBOUNCE_MS);
    },
  };
}
