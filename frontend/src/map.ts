// Map page wiring: polls the pipeline, then loads the data, owns the Deck instance and connects widgets.
import './style.css';
import { Deck, LinearInterpolator, OrthographicView } from '@deck.gl/core';
import type { OrthographicViewState, PickingInfo } from '@deck.gl/core';
import * as api from './api';
import type { Dataset } from './api';
import { fitView } from './camera';
import { createExplorer } from './explore';
import { createHover } from './hover';
import { drawCount, MOVING_BUDGET, SETTLE_MS } from './lod';
import { parsePoints } from './points';
import type { PointData } from './points';
import type { PlacedLabel } from './labels';
import { HIGHLIGHT_LAYER_ID, LABELS_LAYER_ID, POINTS_LAYER_ID, pointRadius, renderLayers } from './render';
import type { Frame, HighlightDatum, PointsDraw } from './render';
import { createRowCache } from './rows';
import { createSearching } from './searching';
import { createSelecting } from './selecting';
import { createStore, initialMapState } from './state';
import { bindKeys } from './ui/keys';
import { applyTheme, savedTheme } from './ui/theme';
import { createDetails } from './ui/details';
import { createProgress } from './ui/progress';
import { bindRelayoutForm, showQuality } from './ui/quality';
import { createTooltip } from './ui/tooltip';
import { readUrl, writeUrl } from './url';

const POLL_MS = 1000;

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

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
  bindRelayoutForm(el<HTMLFormElement>('relayout-form'), ds.layout, async (params) => {
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
  root.dataset.pointCount = String(points.length);
  root.dataset.movingBudget = String(MOVING_BUDGET);
  // Searching needs the index stage, so the form only appears once the map exists.
  el('search').hidden = false;
  el('explore').hidden = false;

  const fromUrl = readUrl();
  const store = createStore({
    ...initialMapState,
    theme: savedTheme(),
    colorBy: fromUrl.colorBy,
    hidden: new Set(fromUrl.hidden),
    ranges: fromUrl.ranges,
    hideFiltered: fromUrl.hideFiltered,
    topicFilter: fromUrl.topic,
  });
  const tooltip = createTooltip(el('tooltip'), mapEl);
  const details = createDetails(
    el('details'),
    (rowId) => {
      centreOn(rowId);
      select(rowId);
    },
    (rowId) => {
      const { searchK, searchThreshold } = store.get();
      searching.run({ mode: 'similar', q: String(rowId), k: searchK, threshold: searchThreshold });
    },
  );

  const rows = createRowCache(datasetId);

  function rowIdFromPick(info: PickingInfo): number | null {
    if (!info.picked || !info.layer) return null;
    if (info.layer.id === POINTS_LAYER_ID && info.index >= 0 && info.index < points.length) return points.ids[info.index];
    if (info.layer.id === HIGHLIGHT_LAYER_ID && info.object) return (info.object as HighlightDatum).id;
    return null;
  }

  const hover = createHover(tooltip, rows);

  function select(rowId: number): void {
    store.set({ selectedId: rowId });
    searching.view.markActive(rowId);
    const cached = rows.cached(rowId);
    if (cached) {
      details.show(cached);
    } else {
      details.loading();
    }
    const shown = cached
      ? Promise.resolve(cached)
      : rows.get(rowId).then((d) => {
          if (store.get().selectedId === rowId) details.show(d);
          return d;
        });
    shown
      .then(() => api.neighbors(datasetId, rowId))
      .then(
        (found) => {
          if (store.get().selectedId === rowId) details.showNeighbors(rowId, found);
        },
        (e: unknown) => {
          if (store.get().selectedId === rowId) details.error(message(e));
        },
      );
  }

  const fitted = fitView(points.bounds, mapEl.clientWidth, mapEl.clientHeight);
  // Label levels switch at zoom steps past this; tests and links can aim at a level with it.
  root.dataset.fittedZoom = Number(fitted.zoom).toFixed(4);
  const opening: OrthographicViewState = fromUrl.camera
    ? { ...fitted, target: [fromUrl.camera.x, fromUrl.camera.y, 0], zoom: fromUrl.camera.zoom }
    : fitted;
  let viewState: OrthographicViewState = opening;

  // The camera moves many times a second while panning; the URL follows once it settles.
  let urlTimer: ReturnType<typeof setTimeout> | undefined;
  function publishUrl(): void {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => {
      const target = (viewState.target ?? [0, 0, 0]) as number[];
      const { query, selectedId, colorBy, topicFilter, hidden, searchMode, searchK, searchThreshold, ranges, hideFiltered } =
        store.get();
      const camera = { x: target[0], y: target[1], zoom: Number(viewState.zoom ?? 0) };
      const search = query === null ? null : { mode: searchMode, q: query, k: searchK, threshold: searchThreshold };
      writeUrl({ search, selectedId, camera, colorBy, topic: topicFilter, hidden: [...hidden], ranges, hideFiltered });
    }, 250);
  }
  if (fromUrl.outdated) publishUrl();

  function centreOn(rowId: number): void {
    const i = points.idToIndex.get(rowId);
    if (i === undefined) return;
    const zoom = Math.max(Number(viewState.zoom ?? fitted.zoom), Number(fitted.zoom) + 2);
    // A new initialViewState object makes deck.gl jump (here: animate) to it while staying uncontrolled.
    deck.setProps({
      initialViewState: {
        ...viewState,
        target: [points.positions[i * 2], points.positions[i * 2 + 1], 0],
        zoom,
        transitionDuration: 600,
        transitionInterpolator: new LinearInterpolator(['target', 'zoom']),
      },
    });
  }

  // Frames deck.gl has drawn, read by the browser benchmark (window.atlasFrames) to time panning.
  let renderedFrames = 0;
  Object.defineProperty(window, 'atlasFrames', { get: () => renderedFrames, configurable: true });
  // undefined: nothing pending; null: remove; string: ids to publish once drawn.
  let pendingHighlight: string | null | undefined;
  let ready = false;
  // Labels and the colour buffer's version; the explorer keeps it current once the Deck exists.
  let frame: Frame = {
    labels: [],
    colourVersion: 0,
    pointRadius: pointRadius(points.length, Number(opening.zoom ?? fitted.zoom), Number(fitted.zoom)),
  };
  // Level of detail: while the camera moves (drag, wheel, transition), a map bigger than the budget draws only
  // the first MOVING_BUDGET points of its shuffled buffers, a uniform sample; all again once it settles.
  let moving = false;
  // A button is down or a transition runs: the camera may move again any moment, so it has not settled.
  let interacting = false;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  // Points the points layer drew last, published with each frame (data-drawn-points).
  let drawnPoints = points.length;
  const onDrawn = (count: number) => {
    drawnPoints = count;
  };
  const pointsDraw = (): PointsDraw => ({ count: drawCount(points.length, moving), onDrawn });
  let deckReady = false;
  const redraw = (next: Frame = frame) => {
    frame = next;
    if (deckReady) deck.setProps({ layers: renderLayers(points, frame, store.get(), pointsDraw()) });
  };
  function settleLater(): void {
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      if (interacting || !moving) return;
      moving = false;
      redraw();
    }, SETTLE_MS);
  }
  function cameraMoved(): void {
    if (points.length <= MOVING_BUDGET) return;
    if (!moving) {
      moving = true;
      redraw();
    }
    settleLater();
  }

  // The cursor is over a topic label (a click zooms into its topic).
  let overLabel = false;
  const deck = new Deck({
    parent: mapEl,
    views: new OrthographicView({ id: 'ortho', flipY: false }),
    initialViewState: opening,
    controller: true,
    // 2-3 px dots are hard to hit exactly; a few pixels of slack makes hovering usable.
    pickingRadius: 4,
    layers: renderLayers(points, frame, store.get(), pointsDraw()),
    getCursor: () => (hover.current() !== null || overLabel ? 'pointer' : 'grab'),
    onViewStateChange: ({ viewState: vs }) => {
      viewState = vs as OrthographicViewState;
      cameraMoved();
      explorer.onZoom(Number(viewState.zoom ?? 0));
      publishUrl();
    },
    onInteractionStateChange: (s) => {
      interacting = Boolean(s.isDragging || s.inTransition);
      if (!interacting && moving) settleLater();
    },
    onHover: (info) => {
      overLabel = info.layer?.id === LABELS_LAYER_ID;
      hover.move(rowIdFromPick(info), info.x, info.y);
    },
    onClick: (info) => {
      if (info.layer?.id === LABELS_LAYER_ID && info.object) {
        explorer.zoomToTopic((info.object as PlacedLabel).topic.id);
        return;
      }
      const rowId = rowIdFromPick(info);
      if (rowId !== null) select(rowId);
    },
    onAfterRender: () => {
      renderedFrames++;
      root.dataset.drawnPoints = String(drawnPoints);
      if (pendingHighlight !== undefined) {
        if (pendingHighlight === null) root.removeAttribute('data-highlighted');
        else root.dataset.highlighted = pendingHighlight;
        pendingHighlight = undefined;
      }
      if (!ready) {
        const canvas = deck.getCanvas();
        // The first frames can be drawn at the default 300x150 before the resize observer fires.
        if (
          canvas &&
          mapEl.clientWidth > 0 &&
          canvas.clientWidth === mapEl.clientWidth &&
          canvas.clientHeight === mapEl.clientHeight &&
          deck.width === mapEl.clientWidth &&
          deck.height === mapEl.clientHeight
        ) {
          ready = true;
          document.body.dataset.mapReady = '1';
          el('map-loading').hidden = true;
          // Milliseconds from navigation start to this first full-size frame, read by the browser benchmark.
          document.body.dataset.mapReadyMs = String(Math.round(performance.now()));
        }
      }
    },
    onError: (e) => {
      showError(`Map rendering failed: ${message(e)}`);
    },
  });

  deckReady = true;
  const explorer = createExplorer({
    datasetId,
    points,
    topics,
    columns,
    store,
    root,
    fittedZoom: Number(fitted.zoom),
    redraw,
    flyTo(b) {
      const fit = fitView(b, mapEl.clientWidth, mapEl.clientHeight);
      // A lone point or a tight cluster must not zoom in past where points separate.
      const zoom = Math.min(Number(fit.zoom), Number(fitted.zoom) + 6);
      deck.setProps({
        initialViewState: {
          ...viewState,
          target: fit.target,
          zoom,
          transitionDuration: 600,
          transitionInterpolator: new LinearInterpolator(['target', 'zoom']),
        },
      });
    },
    showError,
  });
  explorer.onZoom(Number(opening.zoom ?? 0));
  createSelecting({ points, topics, store, root, mapEl, camera: () => viewState });

  const themeButton = document.getElementById('theme-toggle') as HTMLButtonElement | null;
  applyTheme(store.get().theme, themeButton);
  themeButton?.addEventListener('click', () => store.set({ theme: store.get().theme === 'dark' ? 'light' : 'dark' }));

  store.subscribe((state, prev) => {
    if (state.theme !== prev.theme) applyTheme(state.theme, themeButton);
    if (
      state.query !== prev.query ||
      state.searchMode !== prev.searchMode ||
      state.searchK !== prev.searchK ||
      state.searchThreshold !== prev.searchThreshold ||
      state.selectedId !== prev.selectedId ||
      state.colorBy !== prev.colorBy ||
      state.hidden !== prev.hidden ||
      state.ranges !== prev.ranges ||
      state.hideFiltered !== prev.hideFiltered ||
      state.topicFilter !== prev.topicFilter
    )
      publishUrl();
    if (state.highlightIds === prev.highlightIds && state.selectedId === prev.selectedId && state.theme === prev.theme)
      return;
    redraw();
    if (state.highlightIds !== prev.highlightIds) {
      pendingHighlight = state.highlightIds ? state.highlightIds.join(',') : null;
      if (!state.highlightIds) root.removeAttribute('data-highlighted');
    }
  });

  const searching = createSearching({
    datasetId,
    points,
    store,
    rows,
    pick(rowId) {
      centreOn(rowId);
      select(rowId);
    },
    cleared: () => details.hide(),
  });
  bindKeys(el<HTMLInputElement>('search-input'), () => searching.clear());

  // Reopen the view the URL describes: its search, then its selected row (the camera is already set).
  if (fromUrl.search) searching.run(fromUrl.search);
  if (fromUrl.selectedId !== null && points.idToIndex.has(fromUrl.selectedId)) select(fromUrl.selectedId);
}

async function main(): Promise<void> {
  // Before anything draws, so a dark-theme user never sees a white flash.
  applyTheme(savedTheme(), document.getElementById('theme-toggle') as HTMLButtonElement | null);
  if (!datasetId) {
    showError('No dataset id on this page.');
    return;
  }
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
