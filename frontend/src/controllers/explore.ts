// Colour-by, legend, topic filter and topic labels: keeps the colour buffer and the placed labels (for the
// camera's zoom) in step with the store.
import * as api from '../api';
import * as curation from '../curationapi';
import type { ColumnSummary, QueryFilter, Topic, TopicLevel } from '../api';
import type { ColourModel } from '../colouring';
import { columnModel, DUPLICATES_KEY, EMPTY, fillColours, hiddenEntries, legendDims, OUTLIERS_KEY, TEXT_LENGTH } from '../colouring';
import { createCharts } from './charts';
import { countsFor, entryCounts, failures, LEGEND } from '../crossfilter';
import { bindExport } from './exporting';
import { levelForZoom, placeLabels, textMeasurer } from '../labels';
import type { Bounds, PointData } from '../points';
import { queryFilters } from '../queryfilters';
import { topValues } from '../topvalues';
import type { Frame } from '../render';
import { LABEL_FONT, LABEL_WEIGHT, pointRadius } from '../render';
import type { MapState, Store } from '../state';
import { labellerAsker } from './labelling';
import { createTagging, TAGS_KEY } from './tagging';
import type { RangeMask } from '../colouring';
import { createColourBy } from '../ui/colourby';
import { createFilters } from '../ui/filters';
import { createLegend } from '../ui/legend';
import { createTopicPanel, fineTopicsUnder } from '../ui/topics';

export interface ExplorerContext {
  datasetId: string;
  points: PointData;
  topics: Topic[];
  columns: ColumnSummary[];
  store: Store<MapState>;
  root: HTMLElement;
  fittedZoom: number;
  /** Draw again from the store and this frame. */
  redraw(frame: Frame): void;
  /** Move the camera so these bounds fill the view. */
  flyTo(bounds: Bounds): void;
  showError(text: string): void;
}

function el<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

export interface Explorer {
  /** Fly to the points of a topic (any level), as a click on its label does; filters nothing. */
  zoomToTopic(topicId: number): void;
  /** The filters the map shows now (legend, topic, ranges) as query filters; undefined when none. */
  queryFilters(): QueryFilter | undefined;
  /** Calls `fn` whenever the map is filtered anew (a column's legend may load after the store changed). */
  onFiltersChange(fn: () => void): void;
  /** Forget a column's (or derived key's) loaded values, and colour by them again if the map is coloured so. */
  reload(column: string): void;
}

/** Whether the legend dims point i, for the charts' cross-filter; null when it dims nothing. */
function legendFilter(model: ColourModel, hidden: ReadonlySet<string>): ((i: number) => boolean) | null {
  if (hidden.size === 0) return null;
  if (model.kind === 'category') {
    const codes = hiddenEntries(model, hidden);
    return (i) => legendDims(model, codes, i);
  }
  if (model.kind === 'number' && hidden.has(EMPTY)) return (i) => !model.valid[i];
  return null;
}

/** Per-point values that are no column of the file, under keys no column name can hold: what loads each. */
const DERIVED = new Map<string, { load: (datasetId: string) => Promise<ArrayBuffer>; what: string }>([
  [TEXT_LENGTH, { load: api.getTextLengthsArrow, what: 'the text lengths' }],
  [OUTLIERS_KEY, { load: api.getOutliersArrow, what: 'the outlier scores' }],
  [DUPLICATES_KEY, { load: (id) => api.getDuplicateRowsArrow(id, duplicateThreshold()), what: 'the duplicate groups' }],
]);

/** The similarity the Duplicates panel is set to (its default when the page has no panel). */
export function duplicateThreshold(): number {
  const input = document.getElementById('dup-threshold') as HTMLInputElement | null;
  const value = Number(input?.value);
  return input && Number.isFinite(value) && value > 0 ? value : 0.9;
}

/** How many rows "the most unusual rows" selects. */
export const UNUSUAL_ROWS = 100;

/** The indices (ascending) of the `count` points with the highest scores among those shown and scored. */
export function mostUnusual(values: Float64Array, valid: Uint8Array, shown: Uint8Array, count: number): Int32Array {
  const candidates: number[] = [];
  for (let i = 0; i < values.length; i++) if (valid[i] && shown[i]) candidates.push(i);
  candidates.sort((a, b) => values[b] - values[a] || a - b);
  return Int32Array.from(candidates.slice(0, count).sort((a, b) => a - b));
}

export function createExplorer(ctx: ExplorerContext): Explorer {
  const { points, topics, store, root } = ctx;
  const frame: Frame = {
    labels: [],
    colourVersion: 0,
    pointRadius: pointRadius(points.length, ctx.fittedZoom, ctx.fittedZoom),
  };
  const models = new Map<string, ColourModel>();
  let model: ColourModel = { kind: 'topic' };
  const topicModel: ColourModel = { kind: 'topic' };
  const legend = createLegend(el('legend'), (key) => {
    const hidden = new Set(store.get().hidden);
    if (!hidden.delete(key)) hidden.add(key);
    store.set({ hidden });
  });
  const colourSelect = createColourBy(
    el<HTMLSelectElement>('color-by'),
    ctx.columns,
    [
      { value: TAGS_KEY, label: 'Tags' },
      { value: OUTLIERS_KEY, label: 'Outlier score (how unusual)' },
      { value: DUPLICATES_KEY, label: 'Duplicate group' },
    ],
    (column) => store.set({ colourBy: column, hidden: new Set() }),
  );
  bindOutliers();
  const tagging = createTagging({
    datasetId: ctx.datasetId,
    points,
    store,
    root,
    changed() {
      if (store.get().colourBy === TAGS_KEY) void loadColumn(TAGS_KEY);
      else recolour(); // the tag list's and the charts' counts
    },
  });
  const tree = el('topic-tree');
  const topicMessage = el('topic-message');
  // Editors rename topics in the panel; the map's labels follow at once (the topic objects are shared).
  const renameTopic =
    tree.dataset.editable === '1'
      ? async (topicId: number, label: string) => {
          const stored = await curation.renameTopic(ctx.datasetId, topicId, label);
          placedFor = null;
          const camera = store.get().camera;
          if (camera) onZoom(camera.zoom);
          return stored.label;
        }
      : null;
  // With a labeller on the server, editors may ask it for a topic's name; the map's labels follow.
  const askLabeller =
    tree.dataset.labeller === '1'
      ? labellerAsker(ctx.datasetId, topics, () => {
          placedFor = null;
          const camera = store.get().camera;
          if (camera) onZoom(camera.zoom);
        })
      : null;
  const panel = createTopicPanel(
    tree,
    el<HTMLButtonElement>('topic-clear'),
    topics,
    (topicId) => store.set({ topicFilter: topicId }),
    renameTopic,
    (text) => {
      topicMessage.textContent = text;
      topicMessage.hidden = text === '';
    },
    askLabeller,
  );
  const filters = createFilters(
    el('filters'),
    ctx.columns,
    (column, range) => {
      const ranges = new Map(store.get().ranges);
      if (range) ranges.set(column, range);
      else ranges.delete(column);
      store.set({ ranges });
    },
    (hide) => store.set({ hideFiltered: hide }),
  );
  const charts = createCharts({
    el: el('charts'),
    points,
    topics,
    store,
    columns: ctx.columns,
    load: fetchModel,
    async loadTop(column) {
      try {
        return topValues(column, await api.getColumnTopArrow(ctx.datasetId, column), points.length, points.order);
      } catch (e) {
        ctx.showError(`Could not load the top values of column ${column}: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
    },
    loaded: () => recolour(),
  });
  const countEl = el('filter-count');
  const exportCount = el('export-count');
  bindExport(ctx.datasetId, points, ctx.showError);

  // One mask for the page's life, refilled when the selection changes.
  const selectedMask = new Uint8Array(points.length);
  let maskFor: Int32Array | null = null;
  function selectedFor(selection: Int32Array | null): Uint8Array | null {
    if (!selection) return null;
    if (maskFor !== selection) {
      selectedMask.fill(0);
      for (const i of selection) selectedMask[i] = 1;
      maskFor = selection;
    }
    return selectedMask;
  }

  /** Range masks for the filters whose column values are loaded (with their columns); the rest load and
   * recolour when in. */
  function rangeMasks(): { column: string; mask: RangeMask }[] {
    const out: { column: string; mask: RangeMask }[] = [];
    for (const [column, range] of store.get().ranges) {
      const m = models.get(column);
      if (m && m.kind === 'number') out.push({ column, mask: { values: m.values, valid: m.valid, ...range } });
      else if (!rangeLoading.has(column)) {
        rangeLoading.add(column);
        void fetchModel(column).then(() => {
          rangeLoading.delete(column);
          recolour();
        });
      }
    }
    return out;
  }
  const rangeLoading = new Set<string>();
  const kinds = new Map(ctx.columns.map((c) => [c.name, c.kind]));
  const filterListeners: (() => void)[] = [];

  function recolour(): void {
    const { hidden, topicFilter, selection, hideFiltered } = store.get();
    const filter = topicFilter === null ? null : fineTopicsUnder(topics, topicFilter);
    const selected = selectedFor(selection);
    const ranges = rangeMasks();
    const lit = fillColours(points.colours, {
      model,
      topics: points.topics,
      hidden,
      topicFilter: filter,
      selected,
      ranges: ranges.map((r) => r.mask),
      hideDimmed: hideFiltered,
      passes: points.shown,
    });
    // The charts, the legend and the tag list count what every other filter leaves lit.
    const legendDimmer = legendFilter(model, hidden);
    const others = filter !== null || selected !== null || ranges.length > 0;
    const tags = tagging.model();
    let legendCounts: number[] | null = null;
    let tagCounts: number[] | null = null;
    if (charts.open() || (model.kind === 'category' && others) || (tags !== null && (others || legendDimmer !== null))) {
      const fails = failures(points.length, {
        topicFilter: filter,
        topics: points.topics,
        legendDims: legendDimmer,
        selected,
        ranges: ranges.map((r) => r.mask),
      });
      if (charts.open()) charts.update(fails, new Map(ranges.map((r, k) => [r.column, k])), model, tags);
      if (model.kind === 'category' && others) {
        legendCounts = entryCounts(model.codes, model.entries.length, (i) => countsFor(fails, i, LEGEND), model.several);
      }
      if (tags !== null && tags.kind === 'category' && (others || legendDimmer !== null)) {
        // A tag list entry counts its rows every filter leaves lit (the tag legend's own hiding aside).
        const own = model.kind === 'category' && model.column === TAGS_KEY ? LEGEND : -1;
        tagCounts = entryCounts(tags.codes, tags.entries.length, (i) => countsFor(fails, i, own), tags.several);
      }
    }
    tagging.showCounts(tagCounts);
    frame.colourVersion++;
    countEl.textContent = `${lit.toLocaleString()} of ${points.length.toLocaleString()} points`;
    root.dataset.litCount = String(lit);
    exportCount.textContent = `Export ${lit.toLocaleString()} ${lit === 1 ? 'point' : 'points'}:`;
    // The page's ids and data attributes keep their spelling (#color-by, data-color-by): pages and tests select on them.
    root.dataset.colorBy =
      model.kind === 'topic'
        ? ''
        : model.column === TAGS_KEY
          ? 'tags'
          : model.column === OUTLIERS_KEY
            ? 'outliers'
            : model.column === DUPLICATES_KEY
              ? 'duplicates'
              : model.column;
    legend.show(model, hidden, legendCounts);
    ctx.redraw(frame);
    for (const fn of filterListeners) fn();
  }

  let loadSeq = 0;
  async function loadColumn(column: string | null): Promise<void> {
    const seq = ++loadSeq;
    colourSelect.set(column);
    if (column === null) {
      model = topicModel;
      recolour();
      return;
    }
    if (column === TAGS_KEY) {
      // Until the tags arrive the map keeps its topic colours; tagging calls back once loaded.
      model = tagging.model() ?? topicModel;
      recolour();
      return;
    }
    root.dataset.colorLoading = column;
    const next = await fetchModel(column);
    if (seq !== loadSeq) return;
    delete root.dataset.colorLoading;
    if (!next) return;
    model = next;
    recolour();
  }

  /** A column's values as a colour model, fetched once per page; null (and an error shown) on failure. */
  async function fetchModel(column: string): Promise<ColourModel | null> {
    const cached = models.get(column);
    if (cached) return cached;
    try {
      const derived = DERIVED.get(column);
      const bytes = derived ? derived.load(ctx.datasetId) : api.getColumnArrow(ctx.datasetId, column);
      const loaded = columnModel(column, await bytes, points.length, points.order);
      models.set(column, loaded);
      if (loaded.kind === 'number') filters.extent(column, loaded.min, loaded.max);
      return loaded;
    } catch (e) {
      const what = DERIVED.get(column)?.what ?? `column ${column}`;
      ctx.showError(`Could not load ${what}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  /** "Select the 100 most unusual rows": the highest outlier scores the filters leave shown. */
  function bindOutliers(): void {
    const button = document.getElementById('outliers-select') as HTMLButtonElement | null;
    button?.addEventListener('click', () => {
      void fetchModel(OUTLIERS_KEY).then((m) => {
        if (!m || m.kind !== 'number') return;
        const picked = mostUnusual(m.values, m.valid, points.shown, UNUSUAL_ROWS);
        if (picked.length === 0) {
          ctx.showError('This map has no outlier scores yet: lay it out again (Layout, below) to score its rows.');
          return;
        }
        store.set({ selection: picked });
      });
    });
  }

  function focusTopic(topicId: number | null): void {
    panel.setActive(topicId);
    if (topicId === null) {
      delete root.dataset.topicFilter;
      return;
    }
    root.dataset.topicFilter = String(topicId);
    zoomToTopic(topicId);
  }

  function zoomToTopic(topicId: number): void {
    const wanted = fineTopicsUnder(topics, topicId);
    const b: Bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    for (let i = 0; i < points.length; i++) {
      if (!wanted.has(points.topics[i])) continue;
      const x = points.positions[i * 2];
      const y = points.positions[i * 2 + 1];
      b.minX = Math.min(b.minX, x);
      b.maxX = Math.max(b.maxX, x);
      b.minY = Math.min(b.minY, y);
      b.maxY = Math.max(b.maxY, y);
    }
    if (Number.isFinite(b.minX)) ctx.flyTo(b);
  }

  store.subscribe((state, prev) => {
    if (state.colourBy !== prev.colourBy) void loadColumn(state.colourBy);
    else if (
      state.hidden !== prev.hidden ||
      state.topicFilter !== prev.topicFilter ||
      state.selection !== prev.selection ||
      state.ranges !== prev.ranges ||
      state.hideFiltered !== prev.hideFiltered
    )
      recolour();
    // A range set from a chart shows in the filter's inputs too.
    if (state.ranges !== prev.ranges) filters.set(state.ranges, state.hideFiltered);
    if (state.topicFilter !== prev.topicFilter) focusTopic(state.topicFilter);
    if (state.camera !== prev.camera && state.camera) onZoom(state.camera.zoom);
  });

  const measure = textMeasurer(LABEL_FONT, LABEL_WEIGHT);
  let placedFor: { level: TopicLevel; zoom: number } | null = null;
  function onZoom(zoom: number): void {
    const level = levelForZoom(zoom, ctx.fittedZoom);
    // Boxes scale with zoom; a hundredth of a zoom step moves a label by well under a pixel.
    if (placedFor && placedFor.level === level && Math.abs(placedFor.zoom - zoom) < 0.01) return;
    placedFor = { level, zoom };
    frame.labels = placeLabels(topics, level, zoom, measure);
    frame.pointRadius = pointRadius(points.length, zoom, ctx.fittedZoom);
    root.dataset.pointRadius = frame.pointRadius.toFixed(2);
    root.dataset.labelLevel = level;
    root.dataset.labels = frame.labels.map((l) => l.topic.id).join(',');
    ctx.redraw(frame);
  }

  // Opening state (from the URL): colour, ranges, then the topic filter.
  const opening = store.get();
  filters.set(opening.ranges, opening.hideFiltered);
  // Topic colours first, so the map is never blank while a column loads.
  recolour();
  if (opening.colourBy !== null) {
    if (
      opening.colourBy === TAGS_KEY ||
      opening.colourBy === OUTLIERS_KEY ||
      opening.colourBy === DUPLICATES_KEY ||
      ctx.columns.some((c) => c.name === opening.colourBy && c.kind !== 'text')
    )
      void loadColumn(opening.colourBy);
    else store.set({ colourBy: null });
  }
  if (opening.topicFilter !== null) {
    if (topics.some((t) => t.id === opening.topicFilter)) {
      panel.setActive(opening.topicFilter);
      root.dataset.topicFilter = String(opening.topicFilter);
    } else store.set({ topicFilter: null });
  }
  const camera = store.get().camera;
  if (camera) onZoom(camera.zoom);
  return {
    zoomToTopic,
    queryFilters() {
      const { hidden, topicFilter, ranges } = store.get();
      return queryFilters({ model, hidden, topicFilter, ranges, kinds, ids: points.ids });
    },
    onFiltersChange(fn) {
      filterListeners.push(fn);
    },
    reload(column) {
      models.delete(column);
      if (store.get().colourBy === column) void loadColumn(column);
    },
  };
}
