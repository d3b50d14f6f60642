// Range filters: a from/to pair per number or date column, and whether filtered-out points hide or dim.
import type { ColumnSummary } from '../api';
import type { Range } from '../state';
import { isoDay } from './legend';

export interface FiltersView {
  /** Show these ranges in the inputs (opening from a URL). */
  set(ranges: ReadonlyMap<string, Range>, hide: boolean): void;
  /** The column's extent, shown as placeholders once its values are loaded. */
  extent(column: string, min: number, max: number): void;
}

function parse(input: HTMLInputElement, date: boolean): number | null {
  if (input.value.trim() === '') return null;
  // A date input's value is its UTC day; the "to" end takes the whole day.
  const n = date ? Date.parse(`${input.value}T00:00:00Z`) : Number(input.value);
  if (!Number.isFinite(n)) return null;
  return date && input.dataset.end === 'hi' ? n + 86_400_000 - 1 : n;
}

export function createFilters(
  el: HTMLElement,
  columns: ColumnSummary[],
  onRange: (column: string, range: Range | null) => void,
  onHide: (hide: boolean) => void,
): FiltersView {
  const rangeable = columns.filter((c) => c.kind === 'number' || c.kind === 'date');
  el.hidden = rangeable.length === 0;
  const rows = new Map<string, { lo: HTMLInputElement; hi: HTMLInputElement; date: boolean }>();
  const list = document.createElement('div');
  for (const c of rangeable) {
    const date = c.kind === 'date';
    const row = document.createElement('div');
    row.className = 'filter-row';
    row.dataset.column = c.name;
    const name = document.createElement('span');
    name.className = 'filter-name';
    // Column names are user data.
    name.textContent = c.name;
    const lo = document.createElement('input');
    const hi = document.createElement('input');
    for (const [input, end] of [
      [lo, 'lo'],
      [hi, 'hi'],
    ] as const) {
      input.type = date ? 'date' : 'number';
      if (!date) input.step = 'any';
      input.dataset.end = end;
      input.setAttribute('aria-label', `${c.name} ${end === 'lo' ? 'from' : 'to'}`);
      input.addEventListener('change', () => {
        const range = { lo: parse(lo, date), hi: parse(hi, date) };
        onRange(c.name, range.lo === null && range.hi === null ? null : range);
      });
    }
    const dash = document.createElement('span');
    dash.textContent = '–';
    row.append(name, lo, dash, hi);
    list.append(row);
    rows.set(c.name, { lo, hi, date });
  }
  const hideLabel = document.createElement('label');
  hideLabel.className = 'filter-hide';
  const hide = document.createElement('input');
  hide.type = 'checkbox';
  hide.id = 'filter-hide';
  hide.addEventListener('change', () => onHide(hide.checked));
  hideLabel.append(hide, ' Hide points outside the ranges');
  el.append(list, hideLabel);

  const show = (v: number | null, date: boolean, end: 'lo' | 'hi') => {
    if (v === null) return '';
    return date ? isoDay(end === 'hi' ? v - 86_400_000 + 1 : v) : String(v);
  };
  return {
    set(ranges, hidden) {
      for (const [column, r] of rows) {
        const range = ranges.get(column);
        r.lo.value = show(range?.lo ?? null, r.date, 'lo');
        r.hi.value = show(range?.hi ?? null, r.date, 'hi');
      }
      hide.checked = hidden;
    },
    extent(column, min, max) {
      const r = rows.get(column);
      if (!r || r.date) return;
      r.lo.placeholder = String(min);
      r.hi.placeholder = String(max);
    },
  };
}
