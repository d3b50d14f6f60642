// The selected row: the store's selectedId, the row's details and nearest neighbours in the side panel.
import * as api from '../api';
import type { PointData } from '../points';
import type { RowCache } from '../rows';
import type { MapState, Store } from '../state';
import type { DetailsView } from '../ui/details';

export interface SelectedContext {
  datasetId: string;
  points: PointData;
  store: Store<MapState>;
  rows: RowCache;
  details: DetailsView;
  /** Mark the row in the search results. */
  markActive(rowId: number): void;
  /** Fly to centre on a data point. */
  centreOn(x: number, y: number): void;
}

export interface Selected {
  select(rowId: number): void;
  /** Fly to the row and select it (a click on a search result or a neighbour). */
  pick(rowId: number): void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function createSelected(ctx: SelectedContext): Selected {
  const { store, rows, details, points } = ctx;
  // Answers that arrive after another row was selected are dropped.
  const still = (rowId: number) => store.get().selectedId === rowId;

  function select(rowId: number): void {
    store.set({ selectedId: rowId });
    ctx.markActive(rowId);
    const cached = rows.cached(rowId);
    if (cached) details.show(cached);
    else details.loading();
    const shown = cached
      ? Promise.resolve(cached)
      : rows.get(rowId).then((d) => {
          if (still(rowId)) details.show(d);
          return d;
        });
    shown
      .then(() => api.neighbors(ctx.datasetId, rowId))
      .then(
        (found) => {
          if (still(rowId)) details.showNeighbors(rowId, found);
        },
        (e: unknown) => {
          if (still(rowId)) details.error(message(e));
        },
      );
  }

  return {
    select,
    pick(rowId) {
      const i = points.idToIndex.get(rowId);
      if (i !== undefined) ctx.centreOn(points.positions[i * 2], points.positions[i * 2 + 1]);
      select(rowId);
    },
  };
}
