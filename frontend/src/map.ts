// Map page wiring: polls the pipeline, then loads the data and connects the store, the controllers and the widgets.
import './style.css';
import * as api from './api';
import type { Dataset } from './api';
import { fitView } from './camera';
import { createCamera } from './controllers/camera';
import { createCanvas } from './controllers/canvas';
import { createPointer } from './controllers/pointer';
import { createSelected } from './controllers/selected';
import { followInUrl } from './controllers/url';
import { createExplorer } from './controllers/explore';
import { createHover } from './controllers/hover';
import { instrument } from './instrumentation';
import { parsePoints } from './points';
import type { PointData } from './points';
import { createRowCache } from './rows';
import { createSearching } from './controllers/searching';
import { createTable } from './controllers/table';
import { DUPLICATES_KEY } from './colouring';
import { createClassifying } from './controllers/classifying';
import { createDuplicates } from './controllers/duplicates';
import { createExplaining } from './controllers/explaining';
import { createSelecting } from './controllers/selecting';
import { createTopicEdits } from './controllers/topicedits';
import { createStore, initialMapState } from './state';
import type { MapState } from './state';
import { bindKeys } from './ui/keys';
import { applyTheme, bindThemeToggle, savedTheme } from './ui/theme';
import { createDetails } from './ui/details';
import { createProgress } from './ui/progress';
import { bindManage } from './ui/manage';
import { bindShare } from './ui/share';
import { bindZoom } from './ui/zoom';
import type { Share } from './ui/share';
import { bindRelayoutForm, showQuality } from './ui/quality';
import { createTooltip } from './ui/tooltip';
import { readUrl, restoredState, urlState, viewSearch } from './url';

const POLL_MS = 1000;

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

let share: Share | null = null;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

const root = el('map-root');
const datasetId = root.dataset.datasetId ?? '';
const mapEl = el<HTMLDivElement>('map');
const statusEl = el('status');
const errorEl = el('error');
const titleEl = document.getElementById('map-title');

function showError(text: string): void {
  errorEl.textContent = text;
  errorEl.hidden = false;
}

function setStatus(ds: Dataset): void {
  statusEl.textContent = ds.status;
  root.dataset.status = ds.status;
  if (titleEl && ds.name && titleEl.textContent !== ds.name) titleEl.textContent = ds.name;
}

/** Resolves with the dataset once ready, or null when the pipeline failed or the dataset is gone. */
async function waitUntilReady(): Promise<Dataset | null> {
  const progress = createProgress();
  for (;;) {
    let ds: Dataset;
    try {
      ds = await api.getDataset(datasetId);
    } catch (e) {
      if (e instanceof api.ApiError && e.status >= 400 && e.status < 500) {
        progress.hide();
        showError(e.message);
        return null;
      }
      // Server restarts and network blips are expected during long jobs; keep polling.
      await sleep(POLL_MS);
      continue;
    }
    setStatus(ds);
    if (ds.status === 'ready') {
      progress.hide();
      return ds;
    }
    if (ds.status === 'failed') {
      progress.hide();
      showError(ds.error?.message || 'Processing failed.');
      return null;
    }
    if (ds.status === 'cancelled') {
      progress.hide();
      showError('This build was cancelled. Upload the file again to make its map.');
      return null;
    }
    progress.update(ds);
    await sleep(POLL_MS);
  }
}

function showQualityPanel(ds: Dataset): void {
  const panel = el('quality');
  showQuality(panel, ds);
  const form = document.getElementById('relayout-form') as HTMLFormElement | null;
  if (!form) return; // view-only: no re-layout
  bindRelayoutForm(form, ds.layout, async (params) => {
    try {
      await api.relayout(datasetId, params);
      // The page waits for the new build and then loads the new layout (the payload's ETag changed).
      window.location.reload();
    } catch (e) {
      showError(`Could not lay the map out again: ${message(e)}`);
    }
  });
}

/** Says what is loading over the empty map until its first frame is drawn. */
function showLoading(rows: number | null): (received: number) => void {
  const box = el('map-loading');
  const what = rows === null ? 'Loading the points…' : `Loading ${rows.toLocaleString()} points…`;
  box.textContent = what;
  box.hidden = false;
  return (received) => {
    box.textContent = `${what} ${(received / 1e6).toFixed(1)} MB`;
  };
}

async function showMap(ds: Dataset): Promise<void> {
  const onBytes = showLoading(ds.rows);
  const [buffer, topics, columns] = await Promise.all([
    api.getPointsArrow(datasetId, onBytes),
    api.getTopics(datasetId),
    api.getColumns(datasetId),
  ]);
  const points: PointData = parsePoints(buffer);
  // Searching needs the index stage, so the form only appears once the map exists.
  el('search').hidden = false;
  el('explore').hidden = false;

  const fromUrl = readUrl();
  const store = createStore<MapState>({ ...initialMapState, theme: savedTheme(), ...restoredState(fromUrl) });
  const fitted = fitView(points.bounds, mapEl.clientWidth, mapEl.clientHeight);
  const fittedZoom = Number(fitted.zoom);
  const instruments = instrument({ root, store, pointCount: points.length, fittedZoom });
  const rows = createRowCache(datasetId);

  const camera = createCamera({
    store,
    fitted,
    total: points.length,
    redraw: () => canvas.redraw(),
    jump: (view) => canvas.jump(view),
    size: () => ({ width: mapEl.clientWidth, height: mapEl.clientHeight }),
  });
  bindZoom(camera);
  const details = createDetails(
    el('details'),
    (rowId) => selected.pick(rowId),
    (rowId) => {
      const { searchK, searchThreshold } = store.get();
      searching.run({ mode: 'similar', q: String(rowId), k: searchK, threshold: searchThreshold });
    },
  );
  const selected = createSelected({
    datasetId,
    points,
    store,
    rows,
    details,
    markActive: (rowId) => searching.view.markActive(rowId),
    centreOn: camera.centreOn,
  });
  const pointer = createPointer({
    points,
    hover: createHover(createTooltip(el('tooltip'), mapEl), rows),
    select: selected.select,
    zoomToTopic: (topicId) => explorer.zoomToTopic(topicId),
  });
  const canvas = createCanvas({
    mapEl,
    points,
    store,
    camera,
    pointer,
    fittedZoom,
    onDrawn: instruments.pointsDrawn,
    onFrame: instruments.frameDrawn,
    onReady() {
      el('map-loading').hidden = true;
      instruments.ready();
    },
    onError: (e) => showError(`Map rendering failed: ${message(e)}`),
  });
  const explorer = createExplorer({
    datasetId,
    points,
    topics,
    columns,
    store,
    root,
    fittedZoom,
    redraw: canvas.redraw,
    flyTo: camera.flyTo,
    showError,
  });
  createSelecting({ points, topics, store, root, mapEl, camera: camera.view });
  createExplaining({ datasetId, points, store });
  createDuplicates({ datasetId, points, store, thresholdChanged: () => explorer.reload(DUPLICATES_KEY) });
  createClassifying({ datasetId, columns, store });
  createTopicEdits({ datasetId, points, topics, store, showError });
  // Subscribed after the explorer, so the link the page opened with stays as it is until the view changes.
  followInUrl(store, fromUrl.outdated);
  bindThemeToggle(document.getElementById('theme-toggle') as HTMLButtonElement | null, store);
  const searching = createSearching({
    datasetId,
    points,
    store,
    rows,
    filters: explorer.queryFilters,
    pick: selected.pick,
    cleared: () => details.hide(),
  });
  explorer.onFiltersChange(searching.refilter);
  createTable({
    datasetId,
    points,
    store,
    topics,
    idField: ds.id_field ?? '',
    textField: ds.text_field,
    columns: (ds.columns ?? []).filter((c) => c !== ds.vector_field),
    pick: (rowId) => selected.pick(rowId),
  });
  share?.follow(() => viewSearch(urlState(store.get())));
  bindKeys(el<HTMLInputElement>('search-input'), () => searching.clear());

  // Reopen the view the URL describes: its search, then its selected row (the rest is in the store already).
  if (fromUrl.search) searching.run(fromUrl.search);
  if (fromUrl.selectedId !== null && points.idToIndex.has(fromUrl.selectedId)) selected.select(fromUrl.selectedId);
}

async function main(): Promise<void> {
  // Before anything draws, so a dark-theme user never sees a white flash.
  applyTheme(savedTheme(), document.getElementById('theme-toggle') as HTMLButtonElement | null);
  if (!datasetId) {
    showError('No dataset id on this page.');
    return;
  }
  share = bindShare({ datasetId, title: titleEl?.textContent ?? 'Map', showError });
  bindManage({
    datasetId,
    renamed(name) {
      if (titleEl) titleEl.textContent = name;
      document.title = `${name} · Atlas`;
    },
    showError,
  });
  const ds = await waitUntilReady();
  if (!ds) return;
  try {
    showQualityPanel(ds);
    await showMap(ds);
  } catch (e) {
    el('map-loading').hidden = true;
    showError(`Could not load the map: ${message(e)}`);
  }
}

void main();
