// A minimal observable store: the map page keeps its UI state here, the camera included.
import type { SearchMode } from './api';

export type Listener<S> = (state: S, prev: S) => void;

export interface Store<S> {
  get(): S;
  set(patch: Partial<S>): void;
  subscribe(fn: Listener<S>): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<Listener<S>>();
  return {
    get: () => state,
    set(patch) {
      const prev = state;
      // New object each time so listeners can compare fields by identity.
      state = { ...state, ...patch };
      for (const fn of listeners) fn(state, prev);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** What the map page renders from; big buffers live in PointData and are never copied into the store. */
export interface MapState {
  /** Where the map looks; null until the map has its first view. */
  camera: Camera | null;
  /** Row ids of search hits, best first; null when no search is active. */
  highlightIds: number[] | null;
  /** Row id whose details are shown in the side panel. */
  selectedId: number | null;
  /** The active search query (for similar: the row id), kept so the URL can carry it. */
  query: string | null;
  /** How the search finds rows, how many it shows and the lowest score it keeps. */
  searchMode: SearchMode;
  searchK: number;
  searchThreshold: number | null;
  /** Column the points are coloured by; null: by topic. */
  colourBy: string | null;
  /** Legend keys whose points are dimmed. */
  hidden: ReadonlySet<string>;
  /** Topic (any level) the map is filtered to; null: none. */
  topicFilter: number | null;
  /** Range filters by column (number or date; dates in epoch ms); a point must pass all to stay lit. */
  ranges: ReadonlyMap<string, Range>;
  /** Filtered-out points vanish rather than dim. */
  hideFiltered: boolean;
  theme: Theme;
  /** Indices (ascending) of the points a box or lasso selected; null: no selection. */
  selection: Int32Array | null;
  /** What a drag on the map does. */
  selectMode: SelectMode;
}

export type SelectMode = 'pan' | 'box' | 'lasso';

/** The data-space point at the centre of the canvas, and the zoom (log2 of pixels per data unit). */
export interface Camera {
  x: number;
  y: number;
  zoom: number;
}

/** Either end open when null. */
export interface Range {
  lo: number | null;
  hi: number | null;
}

export type Theme = 'light' | 'dark';

export const initialMapState: MapState = {
  camera: null,
  highlightIds: null,
  selectedId: null,
  query: null,
  searchMode: 'semantic',
  searchK: 10,
  searchThreshold: null,
  colourBy: null,
  hidden: new Set(),
  topicFilter: null,
  ranges: new Map(),
  hideFiltered: false,
  theme: 'light',
  selection: null,
  selectMode: 'pan',
};
