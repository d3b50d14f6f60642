// The linked table: the rows lit on the map now, a page at a time, sortable by any column, the id column first.
import type { TableRow } from '../api';

export interface TableSort {
  column: string;
  descending: boolean;
}

export interface TableView {
  show(page: { total: number; rows: TableRow[]; offset: number; limit: number; sort: TableSort }): void;
  message(text: string): void;
}

export interface TableCallbacks {
  /** A click on a column's header: sort by it (again: the other way round). */
  onSort(column: string): void;
  onPage(offset: number): void;
  /** A click on a row: select it on the map. */
  onPick(rowId: number): void;
}

function cell(value: unknown, max = 120): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The table's columns: the id column (or the row number), the text, the topic, then the file's columns. */
export function tableColumns(idField: string, textField: string, columns: string[]): { name: string; label: string }[] {
  const first = idField ? { name: idField, label: idField } : { name: 'row_id', label: 'row' };
  const rest = columns.filter((c) => c !== idField && c !== textField).map((c) => ({ name: c, label: c }));
  return [first, { name: 'text', label: textField || 'text' }, { name: 'topic', label: 'topic' }, ...rest];
}

export function createTableView(
  root: HTMLElement,
  columns: { name: string; label: string }[],
  topicLabel: (topic: number | null) => string,
  cb: TableCallbacks,
): TableView {
  const status = root.querySelector<HTMLElement>('.table-status') as HTMLElement;
  const table = root.querySelector<HTMLTableElement>('table') as HTMLTableElement;
  const prev = root.querySelector<HTMLButtonElement>('.table-prev') as HTMLButtonElement;
  const next = root.querySelector<HTMLButtonElement>('.table-next') as HTMLButtonElement;
  let offset = 0;
  let limit = 50;
  prev.addEventListener('click', () => cb.onPage(Math.max(0, offset - limit)));
  next.addEventListener('click', () => cb.onPage(offset + limit));

  const value = (row: TableRow, name: string): unknown => {
    if (name === 'row_id') return row.id;
    if (name === 'text') return row.text;
    if (name === 'topic') return topicLabel(row.topic);
    return row.fields[name];
  };

  return {
    show(page) {
      offset = page.offset;
      limit = page.limit;
      const head = document.createElement('tr');
      for (const c of columns) {
        const th = document.createElement('th');
        th.scope = 'col';
        const sortable = document.createElement('button');
        sortable.type = 'button';
        sortable.className = 'table-sort';
        sortable.dataset.column = c.name;
        const arrow = page.sort.column === c.name ? (page.sort.descending ? ' ▼' : ' ▲') : '';
        sortable.textContent = c.label + arrow;
        sortable.addEventListener('click', () => cb.onSort(c.name));
        if (page.sort.column === c.name) th.setAttribute('aria-sort', page.sort.descending ? 'descending' : 'ascending');
        th.append(sortable);
        head.append(th);
      }
      const thead = document.createElement('thead');
      thead.append(head);
      const tbody = document.createElement('tbody');
      for (const row of page.rows) {
        const tr = document.createElement('tr');
        tr.dataset.rowId = String(row.id);
        tr.tabIndex = 0;
        tr.addEventListener('click', () => cb.onPick(row.id));
        tr.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') cb.onPick(row.id);
        });
        for (const c of columns) {
          const td = document.createElement('td');
          // Every value is user data: text, never markup.
          td.textContent = cell(value(row, c.name), c.name === 'text' ? 160 : 80);
          tr.append(td);
        }
        tbody.append(tr);
      }
      table.replaceChildren(thead, tbody);
      const last = Math.min(page.total, page.offset + page.rows.length);
      status.textContent =
        page.total === 0
          ? 'No rows lit.'
          : `Rows ${(page.offset + 1).toLocaleString('en')}–${last.toLocaleString('en')} of ${page.total.toLocaleString('en')} lit`;
      prev.disabled = page.offset === 0;
      next.disabled = last >= page.total;
    },
    message(text) {
      status.textContent = text;
    },
  };
}
