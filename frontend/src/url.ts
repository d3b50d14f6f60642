// The URL is a view of the store: camera, search, selected row, colour-by, hidden entries, topic and range
// filters, so a copied link reopens that view. Each part is one entry of FIELDS, which reads it, writes it and
// names the store fields it is made of; nothing else lists them.

import type { SearchParams } from './api';
import { DUPLICATES_KEY, EMPTY, OTHER, OUTLIERS_KEY, SEVERAL, TAGS_KEY, TEXT_LENGTH } from './colouring';
import type { Camera, MapState, Range } from './state';

/** Legend entries that are not a value of the column, by their name in links (hx=). */
const SPECIAL_ENTRIES = new Set([EMPTY, OTHER, SEVERAL].map((key) => key.slice(1)));

/** What a link carries. */
export interface UrlState {
  /** The search: q= (the row id for similar), m= mode, k= top-k, th= lowest score. */
  search: SearchParams | null;
  /** p=<row id>. */
  selectedId: number | null;
  /** Column the map is coloured by (TAGS_KEY: by tag); null: by topic. c=<column>, or ct=1 for tags, a
   * parameter of its own so that it can never be read as a column of that name. */
  colourBy: string | null;
  /** Topic the map is filtered to: t=<topic id>. */
  topic: number | null;
  /** Legend entries (categories, tags) dimmed: h=<value> each, hx=empty|other|several for the legend's own. */
  hidden: string[];
  /** Range filters: f=<column>:<from>:<to> each (an end empty when open); fh=1 hides what they leave out. */
  ranges: ReadonlyMap<string, Range>;
  hideFiltered: boolean;
  /** v=<x>,<y>,<zoom>. */
  camera: Camera | null;
}

/** A link as read: its state, and whether it is worth writing again. */
export interface UrlView extends UrlState {
  /** The link is in an older form (c=%00tags) and is worth writing again in the current one. */
  outdated: boolean;
}

interface Field<T> {
  /** The store fields this part of the link is made of: a change to any of them rewrites the link. */
  from: readonly (keyof MapState)[];
  /** This part of the link, from the store. */
  pick(state: MapState): T;
  /**
   * What the store opens with for it. Empty for the parts the page replays once the map is up instead (a
   * search runs and fills its fields when its hits are in; a row is selected only if it is on the map).
   */
  restore(value: T): Partial<MapState>;
  read(params: URLSearchParams): T;
  write(value: T, params: URLSearchParams): void;
}

/** A field whose pick and restore may touch only the store fields it names in `from` (the compiler checks). */
function field<T, F extends keyof MapState>(spec: {
  from: readonly F[];
  pick(state: Pick<MapState, F>): T;
  restore(value: T): Partial<Pick<MapState, F>>;
  read(params: URLSearchParams): T;
  write(value: T, params: URLSearchParams): void;
}): Field<T> {
  return spec;
}

const set = (params: URLSearchParams, key: string, value: string | null) =>
  value === null ? params.delete(key) : params.set(key, value);
const wholeNumber = (raw: string | null) => (raw !== null && /^\d+$/.test(raw) ? Number(raw) : null);

function readSearch(params: URLSearchParams): SearchParams | null {
  const query = params.get('q');
  if (!query || !query.trim()) return null;
  const mode = params.get('m');
  const k = Number(params.get('k'));
  const threshold = params.get('th');
  const search: SearchParams = {
    mode: mode === 'keyword' || mode === 'hybrid' || mode === 'similar' ? mode : 'semantic',
    q: query,
    k: Number.isInteger(k) && k >= 1 && k <= 200 ? k : 10,
    threshold: threshold !== null && threshold !== '' && Number.isFinite(Number(threshold)) ? Number(threshold) : null,
  };
  return search.mode !== 'similar' || /^\d+$/.test(search.q) ? search : null;
}

function readRanges(raw: string[], textLength: string | null): Map<string, Range> {
  const out = new Map<string, Range>();
  const end = (s: string) => (s === '' || !Number.isFinite(Number(s)) ? null : Number(s));
  const read = (entry: string): [string, Range] | null => {
    // Column names may hold colons; the two ends never do.
    const parts = entry.split(':');
    if (parts.length < 3) return null;
    const hi = end(parts.pop() ?? '');
    const lo = end(parts.pop() ?? '');
    return lo !== null || hi !== null ? [parts.join(':'), { lo, hi }] : null;
  };
  for (const entry of raw) {
    const found = read(entry);
    // No column name is empty or holds a NUL: such an entry is no column's, nor the text length's.
    if (found && found[0] !== '' && !found[0].includes('\u0000')) out.set(...found);
  }
  const length = textLength === null ? null : read(`:${textLength}`);
  if (length) out.set(TEXT_LENGTH, length[1]);
  return out;
}

function readCamera(raw: string | null): Camera | null {
  if (!raw) return null;
  const parts = raw.split(',').map(Number);
  if (parts.length !== 3 || !parts.every(Number.isFinite)) return null;
  return { x: parts[0], y: parts[1], zoom: parts[2] };
}

/** Every part of a link, in the order its parameters are written. */
const FIELDS: { [K in keyof UrlState]: Field<UrlState[K]> } = {
  search: field({
    from: ['query', 'searchMode', 'searchK', 'searchThreshold'],
    pick: (s) => (s.query === null ? null : { mode: s.searchMode, q: s.query, k: s.searchK, threshold: s.searchThreshold }),
    restore: () => ({}),
    read: readSearch,
    write(s, params) {
      set(params, 'q', s ? s.q : null);
      // Defaults stay out of the link, so a plain search keeps its short URL.
      set(params, 'm', s && s.mode !== 'semantic' ? s.mode : null);
      set(params, 'k', s && s.k !== 10 ? String(s.k) : null);
      set(params, 'th', s && s.threshold !== null ? String(s.threshold) : null);
    },
  }),
  selectedId: field({
    from: ['selectedId'],
    pick: (s) => s.selectedId,
    restore: () => ({}),
    read: (params) => wholeNumber(params.get('p')),
    write: (id, params) => set(params, 'p', id === null ? null : String(id)),
  }),
  colourBy: field({
    from: ['colourBy'],
    pick: (s) => s.colourBy,
    restore: (colourBy) => ({ colourBy }),
    // Links made before ct=1 carried the internal key itself, c=%00tags; they still colour by tag.
    read: (params) =>
      params.get('ct') === '1'
        ? TAGS_KEY
        : params.get('co') === '1'
          ? OUTLIERS_KEY
          : params.get('cd') === '1'
            ? DUPLICATES_KEY
            : params.get('c') || null,
    write(column, params) {
      set(params, 'c', column === TAGS_KEY || column === OUTLIERS_KEY || column === DUPLICATES_KEY ? null : column);
      set(params, 'ct', column === TAGS_KEY ? '1' : null);
      set(params, 'co', column === OUTLIERS_KEY ? '1' : null);
      set(params, 'cd', column === DUPLICATES_KEY ? '1' : null);
    },
  }),
  topic: field({
    from: ['topicFilter'],
    pick: (s) => s.topicFilter,
    restore: (topicFilter) => ({ topicFilter }),
    read: (params) => wholeNumber(params.get('t')),
    write: (topic, params) => set(params, 't', topic === null ? null : String(topic)),
  }),
  hidden: field({
    from: ['hidden'],
    pick: (s) => [...s.hidden],
    restore: (hidden) => ({ hidden: new Set(hidden) }),
    read: (params) => [
      ...params.getAll('h'),
      ...params
        .getAll('hx')
        .filter((k) => SPECIAL_ENTRIES.has(k))
        .map((k) => `\u0000${k}`),
    ],
    write(hidden, params) {
      // One h= per hidden entry: values are user data and may hold any separator. The legend's own entries
      // ("(empty)", "other", "several tags") are hx=<name>, so a value of that name never collides with them.
      params.delete('h');
      params.delete('hx');
      for (const key of hidden) {
        if (key.startsWith('\u0000')) params.append('hx', key.slice(1));
        else params.append('h', key);
      }
    },
  }),
  ranges: field({
    from: ['ranges'],
    pick: (s) => s.ranges,
    restore: (ranges) => ({ ranges }),
    read: (params) => readRanges(params.getAll('f'), params.get('tl')),
    write(ranges, params) {
      // f=<column>:<lo>:<hi> per column; the text length is tl=<lo>:<hi>, a parameter no column name reaches.
      params.delete('f');
      params.delete('tl');
      for (const [column, r] of ranges) {
        const ends = `${r.lo ?? ''}:${r.hi ?? ''}`;
        if (column === TEXT_LENGTH) params.set('tl', ends);
        else params.append('f', `${column}:${ends}`);
      }
    },
  }),
  hideFiltered: field({
    from: ['hideFiltered'],
    pick: (s) => s.hideFiltered,
    restore: (hideFiltered) => ({ hideFiltered }),
    read: (params) => params.get('fh') === '1',
    write: (hide, params) => set(params, 'fh', hide ? '1' : null),
  }),
  camera: field({
    from: ['camera'],
    pick: (s) => s.camera,
    restore: (camera) => ({ camera }),
    read: (params) => readCamera(params.get('v')),
    // Four decimals keep links short; a ten-thousandth of a unit is far below a pixel at any useful zoom.
    write: (c, params) => set(params, 'v', c ? [c.x, c.y, c.zoom].map((n) => n.toFixed(4)).join(',') : null),
  }),
};

// Method parameters are bivariant, so each field is a Field<unknown> for code that only passes values through.
const ENTRIES = Object.entries(FIELDS) as [keyof UrlState, Field<unknown>][];

/** The store fields a link is made of. */
export const LINKED_FIELDS: readonly (keyof MapState)[] = ENTRIES.flatMap(([, f]) => f.from);

/** Whether the link `state` makes differs from the one `prev` made (fields compared by identity). */
export function linkChanged(state: MapState, prev: MapState): boolean {
  return LINKED_FIELDS.some((key) => state[key] !== prev[key]);
}

/** The link the store describes. */
export function urlState(state: MapState): UrlState {
  return Object.fromEntries(ENTRIES.map(([key, f]) => [key, f.pick(state)])) as unknown as UrlState;
}

/** The store fields a link sets when the page opens (the search and the selected row are replayed instead). */
export function restoredState(view: UrlState): Partial<MapState> {
  return Object.assign({}, ...ENTRIES.map(([key, f]) => f.restore(view[key]))) as Partial<MapState>;
}

export function readUrl(raw: string = window.location.search): UrlView {
  const params = new URLSearchParams(raw);
  const state = Object.fromEntries(ENTRIES.map(([key, f]) => [key, f.read(params)])) as unknown as UrlState;
  return { ...state, outdated: params.get('c') === TAGS_KEY };
}

/** The query string ("?..." or "") of a view: the linked fields written over the other parameters of `current`. */
export function viewSearch(view: UrlState, current: string = window.location.search): string {
  const params = new URLSearchParams(current);
  for (const [key, f] of ENTRIES) f.write(view[key], params);
  const next = params.toString();
  return next ? `?${next}` : '';
}

export function writeUrl(view: UrlState): void {
  const url = `${window.location.pathname}${viewSearch(view)}${window.location.hash}`;
  // replaceState: panning must not flood the back button with history entries.
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    window.history.replaceState(null, '', url);
  }
}
