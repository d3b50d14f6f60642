// Search wiring: the search form's mode, top-k and threshold and the map's filters go to the API, hits into the store
// and the row cache.
import * as api from '../api';
import type { QueryFilter, SearchMode, SearchParams } from '../api';
import type { PointData } from '../points';
import type { RowCache } from '../rows';
import type { MapState, Store } from '../state';
import { createSearch } from '../ui/search';
import type { SearchView } from '../ui/search';

export interface SearchContext {
  datasetId: string;
  points: PointData;
  store: Store<MapState>;
  rows: RowCache;
  /** The filters the map shows now: a search returns only rows that pass them. */
  filters(): QueryFilter | undefined;
  /** Centre on and select a row (a click on a result). */
  pick(rowId: number): void;
  /** The search was cleared: the details panel goes too. */
  cleared(): void;
}

function el<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const MAX_K = 200;

export interface Searching {
  view: SearchView;
  /** Run a search as the URL or a button describes it, showing its settings in the form. */
  run(params: SearchParams): void;
  clear(): void;
  /** The map's filters changed: the search shown, if any, runs again within them. */
  refilter(): void;
}

export function createSearching(ctx: SearchContext): Searching {
  const { store, points } = ctx;
  const input = el<HTMLInputElement>('search-input');
  const modeSelect = el<HTMLSelectElement>('search-mode');
  const kInput = el<HTMLInputElement>('search-k');
  const thresholdInput = el<HTMLInputElement>('search-threshold');
  let seq = 0;
  let abort: AbortController | undefined;
  /** The search shown (or running) and its filters as sent, so a change of filters can run it again. */
  let last: { params: SearchParams; filters: string } | null = null;

  function formParams(q: string): SearchParams {
    const k = Math.round(Number(kInput.value));
    const threshold = thresholdInput.value.trim() === '' ? null : Number(thresholdInput.value);
    const mode = modeSelect.value;
    return {
      mode: mode === 'keyword' || mode === 'hybrid' ? mode : 'semantic',
      q,
      k: Number.isFinite(k) ? Math.min(MAX_K, Math.max(1, k)) : 10,
      threshold: threshold !== null && Number.isFinite(threshold) ? threshold : null,
    };
  }

  async function execute(p: SearchParams): Promise<void> {
    const mine = ++seq;
    abort?.abort();
    abort = new AbortController();
    view.setBusy(true);
    view.showMessage(p.mode === 'similar' ? `Finding rows similar to row ${p.q}…` : 'Searching…');
    const filters = ctx.filters();
    last = { params: p, filters: JSON.stringify(filters ?? null) };
    try {
      const results = await api.search(ctx.datasetId, p, filters, abort.signal);
      if (mine !== seq) return;
      // Results carry the same payload as the row endpoint; seed the cache for hover/click.
      for (const r of results) ctx.rows.seed({ id: r.id, key: r.key, text: r.text, fields: r.fields });
      view.showResults(results, p.threshold, filters !== undefined);
      if (p.mode === 'similar' && results.length) view.showMessage(`Rows similar to row ${p.q}:`);
      const ids = results.map((r) => r.id).filter((id) => points.idToIndex.has(id));
      store.set({
        highlightIds: ids.length ? ids : null,
        query: p.q,
        searchMode: p.mode,
        searchK: p.k,
        searchThreshold: p.threshold,
      });
    } catch (e) {
      if (mine !== seq) return;
      view.showMessage(message(e));
    } finally {
      if (mine === seq) view.setBusy(false);
    }
  }

  const view: SearchView = createSearch(
    el<HTMLFormElement>('search-form'),
    input,
    el<HTMLButtonElement>('search-clear'),
    el<HTMLOListElement>('search-results'),
    el('search-message'),
    {
      onSearch: (q) => void execute(formParams(q)),
      onClear() {
        ++seq;
        last = null;
        abort?.abort();
        view.setBusy(false);
        view.clear();
        ctx.cleared();
        store.set({ highlightIds: null, selectedId: null, query: null, searchMode: 'semantic', searchThreshold: null });
      },
      onPick: ctx.pick,
    },
  );
  return {
    view,
    run(p) {
      const similar: SearchMode = 'similar';
      input.value = p.mode === similar ? '' : p.q;
      if (p.mode !== similar) modeSelect.value = p.mode;
      kInput.value = String(p.k);
      thresholdInput.value = p.threshold === null ? '' : String(p.threshold);
      void execute(p);
    },
    clear() {
      input.value = '';
      el<HTMLButtonElement>('search-clear').click();
    },
    refilter() {
      if (last && JSON.stringify(ctx.filters() ?? null) !== last.filters) void execute(last.params);
    },
  };
}
