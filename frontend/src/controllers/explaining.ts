// Explain the rows in view: the selection, else the topic the map is filtered to. The button says which; a new
// selection or topic clears an answer that no longer fits.
import * as curation from '../curationapi';
import type { PointData } from '../points';
import { rowIds } from '../selection';
import type { MapState, Store } from '../state';
import { renderExplanation } from '../ui/explain';

export function createExplaining(ctx: { datasetId: string; points: PointData; store: Store<MapState> }): void {
  const box = document.getElementById('explain');
  const button = document.getElementById('explain-run') as HTMLButtonElement | null;
  const out = document.getElementById('explain-result');
  if (!box || !button || !out) return;
  const { store, points } = ctx;
  let running: AbortController | null = null;

  function show(state: MapState): void {
    running?.abort();
    running = null;
    out?.replaceChildren();
    box!.hidden = state.selection === null && state.topicFilter === null;
    button!.textContent = state.selection !== null ? 'What sets the selection apart?' : 'What sets this topic apart?';
    button!.disabled = false;
  }

  button.addEventListener('click', () => {
    const { selection, topicFilter } = store.get();
    const what = selection !== null ? { rows: rowIds(points, selection) } : topicFilter !== null ? { filters: { topic: topicFilter } } : null;
    if (!what) return;
    const controller = new AbortController();
    running?.abort();
    running = controller;
    button.disabled = true;
    out.textContent = 'Reading the rows…';
    curation
      .explain(ctx.datasetId, what, controller.signal)
      .then((found) => {
        if (running !== controller) return;
        renderExplanation(out, found);
        box.dataset.explained = String(found.rows);
      })
      .catch((e: unknown) => {
        if (running !== controller) return;
        out.textContent = `Could not explain these rows: ${e instanceof Error ? e.message : String(e)}`;
      })
      .finally(() => {
        if (running === controller) {
          running = null;
          button.disabled = false;
        }
      });
  });

  store.subscribe((state, prev) => {
    if (state.selection !== prev.selection || state.topicFilter !== prev.topicFilter) {
      delete box.dataset.explained;
      show(state);
    }
  });
  show(store.get());
}
