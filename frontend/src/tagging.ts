// Tags on the map: loads them and their rows, colours by them, and tags or untags the selected points.
import * as api from './api';
import type { Tag } from './api';
import type { ColourModel, LegendEntry, Rgb } from './colouring';
import { EMPTY } from './colouring';
import type { PointData } from './points';
import { rowIds } from './selection';
import type { MapState, Store } from './state';
import { createTagsView } from './ui/tags';

/** The colour-by value that colours by tag (column names never start with a NUL). */
export const TAGS_KEY = '\u0000tags';
export const tagKey = (id: number) => `tag:${id}`;
const UNTAGGED: Rgb = [205, 205, 205];

function hexRgb(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export interface Tagging {
  /** Points coloured by their first tag (in tag order), untagged ones grey; null until loaded. */
  model(): ColourModel | null;
}

export function createTagging(opts: {
  datasetId: string;
  points: PointData;
  store: Store<MapState>;
  root: HTMLElement;
  /** Tags or their rows changed: recolour if colouring by tag. */
  changed(): void;
}): Tagging {
  const { datasetId, points, store, root } = opts;
  let tags: Tag[] = [];
  let current: ColourModel | null = null;

  function build(rows: number[][]): ColourModel {
    // Uint8 codes: 255 tags per map is far beyond what a legend can show anyway.
    const codes = new Uint8Array(points.length);
    const shown = tags.slice(0, 254);
    const none = shown.length;
    codes.fill(none);
    const counts = new Array<number>(none + 1).fill(0);
    // Later tags first, so a row with several tags ends up in its first tag's colour.
    for (let t = shown.length - 1; t >= 0; t--) {
      for (const id of rows[t]) {
        const i = points.idToIndex.get(id);
        if (i !== undefined) codes[i] = t;
      }
    }
    for (const c of codes) counts[c]++;
    const entries: LegendEntry[] = shown.map((t, k) => ({ key: tagKey(t.id), label: t.name, count: counts[k], color: hexRgb(t.colour) }));
    entries.push({ key: EMPTY, label: '(untagged)', count: counts[none], color: UNTAGGED });
    return { kind: 'category', column: TAGS_KEY, codes, entries };
  }

  async function load(): Promise<void> {
    try {
      tags = await api.getTags(datasetId);
      const rows = await Promise.all(tags.map((t) => api.getTagRows(datasetId, t.id)));
      current = build(rows);
      view.show(tags);
      root.dataset.tags = tags.map((t) => `${t.name}:${t.count}`).join(',');
      opts.changed();
    } catch (e) {
      view.message(e instanceof Error ? e.message : String(e));
    }
  }

  const view = createTagsView(document.getElementById('tag-list') as HTMLElement, document.getElementById('tag-form') as HTMLFormElement, {
    onShow(tagId) {
      const hidden = new Set<string>([EMPTY, ...tags.filter((t) => t.id !== tagId).map((t) => tagKey(t.id))]);
      store.set({ colorBy: TAGS_KEY, hidden });
    },
    async onDelete(tagId) {
      try {
        await api.deleteTag(datasetId, tagId);
      } catch (e) {
        view.message(e instanceof Error ? e.message : String(e));
      }
      await load();
    },
    async onApply(name, colour, add) {
      const selection = store.get().selection;
      if (!selection) return;
      try {
        let tag = tags.find((t) => t.name === name);
        if (!tag && !add) {
          view.message(`No tag named ${name}.`);
          return;
        }
        tag ??= await api.createTag(datasetId, name, colour);
        const changed = await api.setTagRows(datasetId, tag.id, rowIds(points, selection), add);
        view.message(`${add ? 'Tagged' : 'Untagged'} ${changed.toLocaleString()} ${changed === 1 ? 'row' : 'rows'}.`);
      } catch (e) {
        view.message(e instanceof Error ? e.message : String(e));
      }
      await load();
    },
  });
  void load();
  return { model: () => current };
}
