// The details panel: one row's full text and its other columns, rendered as plain text.
import type { PointDetail } from '../api';

export interface DetailsView {
  show(detail: PointDetail): void;
  loading(): void;
  error(message: string): void;
  hide(): void;
}

function fieldValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function createDetails(el: HTMLElement): DetailsView {
  el.hidden = true;
  const heading = (id: number) => {
    const h = document.createElement('h2');
    h.textContent = `Row ${id}`;
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
      el.replaceChildren(heading(d.id), text, table);
      el.dataset.rowId = String(d.id);
      el.hidden = false;
    },
    loading() {
      const p = document.createElement('p');
      p.textContent = 'Loading…';
      el.replaceChildren(p);
      el.hidden = false;
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
