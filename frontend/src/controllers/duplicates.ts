// The Duplicates panel: groups of rows with the same text or near-identical meaning, largest first, at a
// similarity the reader sets; a click selects a group, and two buttons select one row per group (to keep) or
// all but one (to drop), which the table, tags and export then work on.
import * as curation from '../curationapi';
import type { Duplicates } from '../curationapi';
import type { PointData } from '../points';
import type { MapState, Store } from '../state';

/** Groups listed; the buttons act on every group. */
const SHOWN = 50;

function indices(points: PointData, rows: number[]): Int32Array {
  const found: number[] = [];
  for (const row of rows) {
    const i = points.idToIndex.get(row);
    if (i !== undefined) found.push(i);
  }
  return Int32Array.from(found.sort((a, b) => a - b));
}

export function createDuplicates(ctx: {
  datasetId: string;
  points: PointData;
  store: Store<MapState>;
  /** The similarity changed: the map coloured by duplicate group colours again. */
  thresholdChanged(): void;
}): void {
  const panel = document.getElementById('duplicates') as HTMLDetailsElement | null;
  const threshold = document.getElementById('dup-threshold') as HTMLInputElement | null;
  const status = document.getElementById('dup-status');
  const list = document.getElementById('dup-groups');
  const one = document.getElementById('dup-select-one') as HTMLButtonElement | null;
  const extra = document.getElementById('dup-select-extra') as HTMLButtonElement | null;
  if (!panel || !threshold || !status || !list || !one || !extra) return;
  const { points, store } = ctx;
  let found: Duplicates | null = null;
  let asked = 0;

  function show(answer: Duplicates): void {
    found = answer;
    const rows = answer.groups.reduce((n, g) => n + g.rows.length, 0);
    const groups = answer.groups.length;
    status!.textContent =
      groups === 0
        ? 'No duplicates at this similarity.'
        : `${groups.toLocaleString()} ${groups === 1 ? 'group' : 'groups'} of ${rows.toLocaleString()} rows` +
          (groups > SHOWN ? `; the ${SHOWN} largest below.` : '.');
    if (!answer.searched) status!.textContent += ' Only exact duplicates: lay the map out again to find near ones.';
    panel!.dataset.groups = String(groups);
    one!.disabled = extra!.disabled = groups === 0;
    list!.replaceChildren(
      ...answer.groups.slice(0, SHOWN).map((g) => {
        const li = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'dup-group';
        button.dataset.rows = String(g.rows.length);
        const count = document.createElement('span');
        count.className = 'dup-count';
        count.textContent = `${g.rows.length} rows${g.exact ? ', same text' : ''}`;
        const text = document.createElement('span');
        text.className = 'dup-text';
        text.textContent = g.text; // user data: text, never markup
        button.append(count, text);
        button.addEventListener('click', () => store.set({ selection: indices(points, g.rows) }));
        li.append(button);
        return li;
      }),
    );
  }

  function load(): void {
    const wanted = Number(threshold!.value);
    const seq = ++asked;
    status!.textContent = 'Looking for duplicates…';
    curation
      .getDuplicates(ctx.datasetId, wanted)
      .then((answer) => {
        if (seq === asked) show(answer);
      })
      .catch((e: unknown) => {
        if (seq === asked) status!.textContent = e instanceof Error ? e.message : String(e);
      });
  }

  panel.addEventListener('toggle', () => {
    if (panel.open && found === null) load();
  });
  threshold.addEventListener('change', () => {
    load();
    ctx.thresholdChanged();
  });
  one.addEventListener('click', () => {
    if (found) store.set({ selection: indices(points, found.groups.map((g) => g.representative)) });
  });
  extra.addEventListener('click', () => {
    if (found) store.set({ selection: indices(points, found.groups.flatMap((g) => g.rows.filter((r) => r !== g.representative))) });
  });
}
