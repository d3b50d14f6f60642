// The linked table's controller: while open, it follows what the map lights (selection, filters, legend, topic,
// search) and asks the server for the page in view, sorted as asked.
import * as api from '../api';
import type { Topic } from '../api';
import type { PointData } from '../points';
import type { MapState, Store } from '../state';
import { createTableView, tableColumns } from '../ui/table';
import type { TableSort } from '../ui/table';
import { litRowIds } from './exporting';

export const TABLE_ROWS = 50;
/** The map's colours follow the store first; the table reads them this long after the last change. */
const SETTLE_MS = 150;

export interface TableContext {
  datasetId: string;
  points: PointData;
  store: Store<MapState>;
  topics: Topic[];
  idField: string;
  textField: string;
  columns: string[];
  pick(rowId: number): void;
}

export function createTable(ctx: TableContext): void {
  const root = document.getElementById('table-drawer');
  const toggle = document.getElementById('table-toggle') as HTMLButtonElement | null;
  if (!root || !toggle) return;
  const labels = new Map(ctx.topics.map((t) => [t.id, t.label]));
  const columns = tableColumns(ctx.idField, ctx.textField, ctx.columns);
  let sort: TableSort = { column: columns[0].name, descending: false };
  let offset = 0;
  let open = false;
  let seq = 0;
  let litKey = '';
  let timer: ReturnType<typeof setTimeout> | undefined;

  const view = createTableView(root, columns, (t) => (t === null ? '' : (labels.get(t) ?? `Topic ${t}`)), {
    onSort(column) {
      sort = { column, descending: sort.column === column ? !sort.descending : false };
      offset = 0;
      void load();
    },
    onPage(next) {
      offset = next;
      void load();
    },
    onPick: ctx.pick,
  });

  /** `lit`: the lit rows when the caller has them already (a change just read them). */
  async function load(lit: number[] = litRowIds(ctx.points)): Promise<void> {
    if (!open) return;
    // Everything lit: no list of ids to send.
    const rows = lit.length === ctx.points.length ? null : lit;
    const mine = ++seq;
    view.message('Loading…');
    try {
      const page = await api.tablePage(ctx.datasetId, rows, sort.column, sort.descending, offset, TABLE_ROWS);
      if (mine !== seq) return;
      view.show({ ...page, offset, limit: TABLE_ROWS, sort });
      root?.setAttribute('data-total', String(page.total));
    } catch (e) {
      if (mine === seq) view.message(`Could not load the rows: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** A cheap fingerprint of the lit rows: a new one starts the table at its first page again. */
  function litFingerprint(lit: number[]): string {
    let h = 0;
    for (const id of lit) h = (h * 31 + id) | 0;
    return `${lit.length}:${h}`;
  }

  toggle.addEventListener('click', () => {
    open = !open;
    root.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      const lit = litRowIds(ctx.points);
      litKey = litFingerprint(lit);
      offset = 0;
      void load(lit);
      // On a phone the map sits above the panel: bring the drawer (over the map's foot) into view.
      root.scrollIntoView({ block: 'nearest' });
    }
  });
  root.querySelector('.table-close')?.addEventListener('click', () => toggle.click());

  // Any change may light other rows (selection, filters, legend, topic, search); the camera's do not, and the
  // fingerprint then leaves the page as it is.
  ctx.store.subscribe(() => {
    if (!open) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const lit = litRowIds(ctx.points);
      const key = litFingerprint(lit);
      if (key === litKey) return;
      litKey = key;
      offset = 0;
      void load(lit);
    }, SETTLE_MS);
  });
}
