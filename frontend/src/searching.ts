// Search wiring: the search widget's queries go to the API, their hits into the store and the row cache.
import * as api from './api';
import type { PointData } from './points';
import type { RowCache } from './rows';
import type { MapState, Store } from './state';
import { createSearch } from './ui/search';
import type { SearchView } from './ui/search';

export interface SearchContext {
  datasetId: string;
  points: PointData;
  store: Store<MapState>;
  rows: RowCache;
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

export interface Searching {
  view: SearchView;
  run(query: string): void;
  clear(): void;
}

export function createSearching(ctx: SearchContext): Searching {
  const { store, points } = ctx;
  const input = el<HTMLInputElement>('search-input');
  let seq = 0;
  let abort: AbortController | undefined;
  const view: SearchView = createSearch(
    el<HTMLFormElement>('search-form'),
    input,
    el<HTMLButtonElement>('search-clear'),
    el<HTMLOListElement>('search-results'),
    el('search-message'),
    {
      async onSearch(q) {
        const mine = ++seq;
        abort?.abort();
        abort = new AbortController();
        view.setBusy(true);
        view.showMessage('Searching…');
        try {
          const results = await api.search(ctx.datasetId, { mode: 'semantic', q, k: 10, threshold: null }, abort.signal);
          if (mine !== seq) return;
          // Results carry the same payload as the row endpoint; seed the cache for hover/click.
          for (const r of results) ctx.rows.seed({ id: r.id, text: r.text, fields: r.fields });
          view.showResults(results);
          const ids = results.map((r) => r.id).filter((id) => points.idToIndex.has(id));
          store.set({ highlightIds: ids.length ? ids : null, query: q });
        } catch (e) {
          if (mine !== seq) return;
          view.showMessage(message(e));
        } finally {
          if (mine === seq) view.setBusy(false);
        }
      },
      onClear() {
        ++seq;
        abort?.abort();
        view.setBusy(false);
        view.clear();
        ctx.cleared();
        store.set({ highlightIds: null, selectedId: null, query: null });
      },
      onPick: ctx.pick,
    },
  );
  return {
    view,
    run(query) {
      input.value = query;
      el<HTMLFormElement>('search-form').requestSubmit();
    },
    clear() {
      input.value = '';
      el<HTMLButtonElement>('search-clear').click();
    },
  };
}
