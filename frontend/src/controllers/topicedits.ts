// Editors reshape topics: move the selected rows into a fine topic (or a new one), merge another topic of the
// same level into the topic the map is filtered to, or split that topic (a fine one) into parts. The page then
// reloads (the URL keeps the view), since the points' topics, the labels and their colours all change.
import type { Topic } from '../api';
import * as curation from '../curationapi';
import type { PointData } from '../points';
import { rowIds } from '../selection';
import type { MapState, Store } from '../state';
import { textOption } from '../ui/option';

const NEW_TOPIC = 'new';

export function createTopicEdits(ctx: {
  datasetId: string;
  points: PointData;
  topics: Topic[];
  store: Store<MapState>;
  showError(text: string): void;
}): void {
  const { store, topics } = ctx;
  const done = () => window.location.reload();
  const failed = (e: unknown) => ctx.showError(e instanceof Error ? e.message : String(e));

  const moveForm = document.getElementById('move-rows-form') as HTMLFormElement | null;
  const moveTo = document.getElementById('move-rows-topic') as HTMLSelectElement | null;
  const newName = document.getElementById('move-rows-label') as HTMLInputElement | null;
  if (moveForm && moveTo && newName) {
    const fine = topics.filter((t) => t.level === 'fine').sort((a, b) => a.label.localeCompare(b.label));
    moveTo.replaceChildren(textOption(NEW_TOPIC, 'A new topic…'), ...fine.map((t) => textOption(String(t.id), t.label)));
    const toggleName = () => {
      newName.hidden = moveTo.value !== NEW_TOPIC;
      newName.required = !newName.hidden;
    };
    moveTo.addEventListener('change', toggleName);
    toggleName();
    moveForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const selection = store.get().selection;
      if (!selection) return;
      const into = moveTo.value === NEW_TOPIC ? { label: newName.value.trim() } : { topic: Number(moveTo.value) };
      curation.moveRows(ctx.datasetId, rowIds(ctx.points, selection), into).then(done, failed);
    });
  }

  const mergeForm = document.getElementById('merge-form') as HTMLFormElement | null;
  const mergeWhich = document.getElementById('merge-topics') as HTMLSelectElement | null;
  if (mergeForm && mergeWhich) {
    const show = (topicId: number | null) => {
      const shown = topics.find((t) => t.id === topicId);
      mergeForm.hidden = !shown;
      if (!shown) return;
      const peers = topics.filter((t) => t.level === shown.level && t.id !== shown.id).sort((a, b) => a.label.localeCompare(b.label));
      mergeWhich.replaceChildren(...peers.map((t) => textOption(String(t.id), t.label)));
      mergeForm.dataset.into = String(shown.id);
    };
    mergeForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const into = Number(mergeForm.dataset.into);
      if (!mergeWhich.value) return;
      // The merged topic is gone afterwards: show the topic it joined.
      curation.mergeTopics(ctx.datasetId, into, [Number(mergeWhich.value)]).then(done, failed);
    });
    store.subscribe((state, prev) => {
      if (state.topicFilter !== prev.topicFilter) show(state.topicFilter);
    });
    show(store.get().topicFilter);
  }

  const splitForm = document.getElementById('split-form') as HTMLFormElement | null;
  const splitParts = document.getElementById('split-parts') as HTMLInputElement | null;
  if (splitForm && splitParts) {
    // Fine topics only: a mid or broad topic's parts are its fine topics already.
    const show = (topicId: number | null) => {
      splitForm.hidden = !topics.some((t) => t.id === topicId && t.level === 'fine');
    };
    splitForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const topicId = store.get().topicFilter;
      if (topicId === null) return;
      const parts = splitParts.value.trim() === '' ? null : Number(splitParts.value);
      curation.splitTopic(ctx.datasetId, topicId, parts).then(done, failed);
    });
    store.subscribe((state, prev) => {
      if (state.topicFilter !== prev.topicFilter) show(state.topicFilter);
    });
    show(store.get().topicFilter);
  }
}
