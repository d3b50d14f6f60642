// The details panel: one row's full text, its other columns and its nearest neighbours, as plain text.
import type { PointDetail, SearchResult } from '../api';
import { resultItem } from './resultitem';

export interface DetailsView {
  show(detail: PointDetail): void;
  /** The rows nearest in meaning to the shown row; each one a click away. */
  showNeighbors(rowId: number, neighbors: SearchResult[]): void;
  loading(): void;
  error(message: string): void;
  hide(): void;
}

function fieldValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Bring the panel into view inside the scrolling side panel (no page scroll, no animation). */
function reveal(el: HTMLElement): void {
  el.hidden = false;
  el.scrollIntoView({ block: 'nearest' });
}

export function createDetails(
  el: HTMLElement,
  onPick: (rowId: number) => void,
  onSimilar: (rowId: number) => void,
): DetailsView {
  el.hidden = true;
  // The row's own id (the id column) when the map has one, its row number beside it.
  const heading = (id: number, key: unknown) => {
    const h = document.createElement('h2');
    if (key === null || key === undefined || key === '') {
      h.textContent = `Row ${id}`;
    } else {
      const row = document.createElement('span');
      row.className = 'muted row-number';
      row.textContent = ` row ${id}`;
      h.append(String(key), row);
    }
    return h;
  };
  return {
    show(d) {
      const text = document.createElement('p');
      text.className = 'detail-text';
      text.textContent = d.text;
      const table = document.createElement('dl');
      table.className = 'detail-fields';
      for (const [key, value] of Object.entries(d.fields ?? {})) {
        const dt = document.createElement('dt');
        dt.textContent = key;
        const dd = document.createElement('dd');
        dd.textContent = fieldValue(value);
        table.append(dt, dd);
      }
      const similar = document.createElement('button');
      similar.type = 'button';
      similar.id = 'find-similar';
      similar.textContent = 'Search similar rows';
      similar.addEventListener('click', () => onSimilar(d.id));
      el.replaceChildren(heading(d.id, d.key), text, similar, table);
      el.dataset.rowId = String(d.id);
      reveal(el);
    },
    showNeighbors(rowId, neighbors) {
      if (el.dataset.rowId !== String(rowId)) return;
      const heading = document.createElement('h3');
      heading.textContent = 'Nearest neighbours';
      const list = document.createElement('ol');
      list.id = 'neighbors';
      for (const n of neighbors) {
        const item = resultItem(n, 160);
        item.addEventListener('click', () => onPick(n.id));
        item.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') onPick(n.id);
        });
        list.append(item);
      }
      el.querySelector('#neighbors')?.previousElementSibling?.remove();
      el.querySelector('#neighbors')?.remove();
      el.append(heading, list);
    },
    loading() {
      const p = document.createElement('p');
      p.textContent = 'Loading…';
      el.replaceChildren(p);
      reveal(el);
    },
    error(message) {
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = message;
      el.replaceChildren(p);
      el.hidden = false;
    },
    hide() {
      el.hidden = true;
      el.replaceChildren();
      delete el.dataset.rowId;
    },
  };
}
