// Tags on the map: loads them and their rows, colours by them, and tags or untags the selected points.
import * as api from '../api';
import type { Tag } from '../api';
import type { ColourModel, LegendEntry, Rgb } from '../colouring';
import { EMPTY, SEVERAL, TAGS_KEY } from '../colouring';
import type { PointData } from '../points';
import { rowIds } from '../selection';
import type { MapState, Store } from '../state';
import { createTagsView } from '../ui/tags';

export { TAGS_KEY };
export const tagKey = (id: number) => `tag:${id}`;
/** Tags a model colours by (Uint8 codes, two kept for "several" and "untagged"): far beyond what a legend shows. */
const MAX_TAGS = 253;
const UNTAGGED: Rgb = [205, 205, 205];
/** Rows with more than one tag: a dark neutral no tag colour picker offers by default. */
const SEVERAL_COLOUR: Rgb = [80, 80, 88];

function hexRgb(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export interface Tagging {
  /** Points coloured by their tag (rows with several in one shared colour), untagged ones grey; null until loaded. */
  model(): ColourModel | null;
  /** Per entry of the model, the rows the filters leave lit: the tag list says "12 of 80"; null: unfiltered. */
  showCounts(counts: ArrayLike<number> | null): void;
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

  /**
   * Each tag's legend count is every row carrying it, so a row with several tags counts under each of them.
   * A row with one tag takes that tag's colour; a row with several takes the "several tags" colour (one
   * colour per point, and no tag silently wins) and stays lit while any of its tags is shown.
   */
  function build(rows: number[][]): ColourModel {
    const shown = tags.slice(0, MAX_TAGS);
    const severalCode = shown.length;
    const none = shown.length + 1;
    const codes = new Uint8Array(points.length).fill(none);
    const tagCounts = new Array<number>(shown.length).fill(0);
    // Rows with a second tag, with every tag they have.
    const of = new Map<number, number[]>();
    for (let t = 0; t < shown.length; t++) {
      for (const id of rows[t]) {
        const i = points.idToIndex.get(id);
        if (i === undefined) continue;
        tagCounts[t]++;
        const code = codes[i];
        if (code === none) codes[i] = t;
        else if (code === severalCode) of.get(i)?.push(t);
        else {
          codes[i] = severalCode;
          of.set(i, [code, t]);
        }
      }
    }
    let untagged = 0;
    for (const c of codes) if (c === none) untagged++;
    const entries: LegendEntry[] = shown.map((t, k) => ({
      key: tagKey(t.id),
      label: t.name,
      count: tagCounts[k],
      colour: hexRgb(t.colour),
      tag: t.id,
    }));
    if (of.size === 0) {
      // No row has two tags: no "several tags" entry, and untagged rows move up into its place.
      for (let i = 0; i < codes.length; i++) if (codes[i] === none) codes[i] = severalCode;
      entries.push({ key: EMPTY, label: '(untagged)', count: untagged, colour: UNTAGGED });
      return { kind: 'category', column: TAGS_KEY, codes, entries };
    }
    entries.push({ key: SEVERAL, label: 'several tags', count: of.size, colour: SEVERAL_COLOUR });
    entries.push({ key: EMPTY, label: '(untagged)', count: untagged, colour: UNTAGGED });
    const several = { code: severalCode, of: new Map([...of].map(([i, list]) => [i, Uint8Array.from(list)])) };
    const note = 'A row with several tags counts under each of them and is drawn in the "several tags" colour.';
    return { kind: 'category', column: TAGS_KEY, codes, entries, several, note };
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

  // View-only visitors get no tag form and no delete buttons: the page leaves out what would refuse them.
  const form = document.getElementById('tag-form') as HTMLFormElement | null;
  const view = createTagsView(document.getElementById('tag-list') as HTMLElement, form, {
    onShow(tagId) {
      const hidden = new Set<string>([EMPTY, ...tags.filter((t) => t.id !== tagId).map((t) => tagKey(t.id))]);
      store.set({ colourBy: TAGS_KEY, hidden });
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
  // A new selection (or none) makes the last "Tagged n rows." stale.
  store.subscribe((state, prev) => {
    if (state.selection !== prev.selection) view.message('');
  });
  void load();
  return {
    model: () => current,
    showCounts(counts) {
      // The model's first entries are the tags, in the list's order.
      view.counts(counts === null ? null : tags.map((_, k) => (k < MAX_TAGS ? counts[k] : null)));
    },
  };
}
