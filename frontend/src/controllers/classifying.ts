// The Classify panel: lists the map's classifications (how each scored, its classes), lets editors learn a
// category column's or some tags' classes from the labelled rows and predict the rest, colour by the
// predictions, tag the confident ones, or remove one. A new prediction column needs the page's column list
// again, so colouring by one the page did not load, tagging and removing reload the page (the URL keeps the view).
import * as api from '../api';
import type { ColumnSummary, Tag } from '../api';
import * as classify from '../classifyapi';
import type { Classification, TrainingLabels } from '../classifyapi';
import type { MapState, Store } from '../state';
import { classificationItem } from '../ui/classify';
import { textOption } from '../ui/option';

const TAGS = '\u0000tags';
const POLL_MS = 1000;

/** Opens the page again with `change` applied to its URL (a reload when the URL stays the same). */
function reopen(change: (params: URLSearchParams) => void): void {
  const url = new URL(window.location.href);
  change(url.searchParams);
  if (url.toString() === window.location.href) window.location.reload();
  else window.location.assign(url.toString());
}

export function createClassifying(ctx: { datasetId: string; columns: ColumnSummary[]; store: Store<MapState> }): void {
  const panel = document.getElementById('classify') as HTMLDetailsElement | null;
  const list = document.getElementById('cls-list');
  const status = document.getElementById('cls-status');
  if (!panel || !list || !status) return;
  const form = document.getElementById('cls-form') as HTMLFormElement | null;
  const sourceSelect = document.getElementById('cls-source') as HTMLSelectElement | null;
  const tagBox = document.getElementById('cls-tags');
  const editable = form !== null;
  const { datasetId, store } = ctx;
  let tags: Tag[] = [];
  let loaded = false;
  let timer: number | undefined;
  const say = (text: string) => (status.textContent = text);
  const failed = (e: unknown) => say(e instanceof Error ? e.message : String(e));

  const actions = {
    colour(c: Classification) {
      if (ctx.columns.some((col) => col.name === c.column)) store.set({ colourBy: c.column });
      else reopen((p) => (p.set('c', c.column), p.delete('ct'), p.delete('co')));
    },
    tag(c: Classification, minConfidence: number, button: HTMLButtonElement) {
      button.disabled = true;
      classify
        .tagPredictions(datasetId, c.id, minConfidence)
        .then(() => reopen((p) => (p.set('ct', '1'), p.delete('c'), p.delete('co'))))
        .catch((e: unknown) => {
          button.disabled = false;
          failed(e);
        });
    },
    remove(c: Classification, button: HTMLButtonElement) {
      button.disabled = true;
      classify
        .removeClassification(datasetId, c.id)
        .then(() => reopen((p) => (p.get('c') === c.column || p.get('c') === c.confidence_column ? p.delete('c') : undefined)))
        .catch((e: unknown) => {
          button.disabled = false;
          failed(e);
        });
    },
  };

  function fillForm(found: Classification[]): void {
    if (!sourceSelect || !tagBox) return;
    const predicted = new Set(found.flatMap((c) => [c.column, c.confidence_column]));
    const chosen = sourceSelect.value;
    const columns = ctx.columns.filter((c) => c.kind === 'category' && !predicted.has(c.name));
    sourceSelect.replaceChildren(
      ...columns.map((c) => textOption(c.name, `the column ${c.name}`)),
      ...(tags.length >= 2 ? [textOption(TAGS, 'tags…')] : []),
    );
    if ([...sourceSelect.options].some((o) => o.value === chosen)) sourceSelect.value = chosen;
    tagBox.replaceChildren(
      ...tags.map((t) => {
        const label = document.createElement('label');
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.value = String(t.id);
        label.append(box, ` ${t.name}`);
        return label;
      }),
    );
    tagBox.hidden = sourceSelect.value !== TAGS;
    const button = form?.querySelector('button[type="submit"]') as HTMLButtonElement | null;
    if (button) button.disabled = sourceSelect.options.length === 0;
    if (sourceSelect.options.length === 0) say('Nothing to learn from yet: this map has no category column, and fewer than two tags.');
  }

  async function refresh(): Promise<void> {
    window.clearTimeout(timer);
    const [found, tagList] = await Promise.all([classify.getClassifications(datasetId), api.getTags(datasetId)]);
    tags = tagList;
    loaded = true;
    const names = new Map(tags.map((t) => [t.id, t.name]));
    list!.replaceChildren(...found.map((c) => classificationItem(c, names, editable, actions)));
    panel!.dataset.classifications = String(found.length);
    fillForm(found);
    if (found.some((c) => c.status === 'queued' || c.status === 'running')) {
      timer = window.setTimeout(() => void refresh().catch(failed), POLL_MS);
    }
  }

  panel.addEventListener('toggle', () => {
    if (panel.open && !loaded) refresh().catch(failed);
  });
  sourceSelect?.addEventListener('change', () => {
    if (tagBox) tagBox.hidden = sourceSelect.value !== TAGS;
  });
  form?.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!sourceSelect) return;
    let labels: TrainingLabels;
    if (sourceSelect.value === TAGS) {
      const ids = [...(tagBox?.querySelectorAll<HTMLInputElement>('input:checked') ?? [])].map((b) => Number(b.value));
      labels = { tags: ids };
    } else {
      labels = { label_field: sourceSelect.value };
    }
    say('Starting…');
    classify
      .startClassification(datasetId, labels)
      .then(() => {
        say('');
        return refresh();
      })
      .catch(failed);
  });
}
