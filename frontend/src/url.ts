// The URL is a view of the map: camera, search, selected row, colour-by, hidden entries, topic and range filters, so a copied link reopens that view.

import type { SearchParams } from './api';
import { EMPTY, OTHER, SEVERAL, TAGS_KEY } from './colouring';

/** Legend entries that are not a value of the column, by their name in links (hx=). */
const SPECIAL_ENTRIES = new Set([EMPTY, OTHER, SEVERAL].map((key) => key.slice(1)));
import type { Range } from './state';

export interface Camera {
  x: number;
  y: number;
  zoom: number;
}

export interface UrlView {
  /** The search: q= (the row id for similar), m= mode, k= top-k, th= lowest score. */
  search: SearchParams | null;
  selectedId: number | null;
  camera: Camera | null;
  /** Column the map is coloured by (TAGS_KEY: by tag); null: by topic. c=<column>, or ct=1 for tags, a
   * parameter of its own so that it can never be read as a column of that name. */
  colorBy: string | null;
  /** Topic the map is filtered to. */
  topic: number | null;
  /** Legend entries (categories, tags) dimmed: h=<value> each, hx=empty|other|several for the legend's own. */
  hidden: string[];
  /** Range filters: f=<column>:<from>:<to> each (an end empty when open); fh=1 hides what they leave out. */
  ranges: Map<string, Range>;
  hideFiltered: boolean;
  /** The link is in an older form (c=%00tags) and is worth writing again in the current one. */
  outdated: boolean;
}

function parseRanges(raw: string[]): Map<string, Range> {
  const out = new Map<string, Range>();
  const end = (s: string) => (s === '' || !Number.isFinite(Number(s)) ? null : Number(s));
  for (const entry of raw) {
    // Column names may hold colons; the two ends never do.
    const parts = entry.split(':');
    if (parts.length < 3) continue;
    const hi = end(parts.pop() ?? '');
    const lo = end(parts.pop() ?? '');
    if (lo !== null || hi !== null) out.set(parts.join(':'), { lo, hi });
  }
  return out;
}

function parseCamera(raw: string | null): Camera | null {
  if (!raw) return null;
  const parts = raw.split(',').map(Number);
  if (parts.length !== 3 || !parts.every(Number.isFinite)) return null;
  return { x: parts[0], y: parts[1], zoom: parts[2] };
}

function readColorBy(params: URLSearchParams): string | null {
  if (params.get('ct') === '1') return TAGS_KEY;
  // Links made before ct=1 carried the internal key itself, c=%00tags; they still colour by tag.
  return params.get('c') || null;
}

export function readUrl(raw: string = window.location.search): UrlView {
  const params = new URLSearchParams(raw);
  const selected = params.get('p');
  const selectedId = selected !== null && /^\d+$/.test(selected) ? Number(selected) : null;
  const query = params.get('q');
  const mode = params.get('m');
  const k = Number(params.get('k'));
  const threshold = params.get('th');
  const search: SearchParams | null =
    query && query.trim()
      ? {
          mode: mode === 'keyword' || mode === 'similar' ? mode : 'semantic',
          q: query,
          k: Number.isInteger(k) && k >= 1 && k <= 200 ? k : 10,
          threshold: threshold !== null && threshold !== '' && Number.isFinite(Number(threshold)) ? Number(threshold) : null,
        }
      : null;
  const topic = params.get('t');
  return {
    search: search && (search.mode !== 'similar' || /^\d+$/.test(search.q)) ? search : null,
    selectedId,
    camera: parseCamera(params.get('v')),
    colorBy: readColorBy(params),
    topic: topic !== null && /^\d+$/.test(topic) ? Number(topic) : null,
    hidden: [...params.getAll('h'), ...params.getAll('hx').filter((k) => SPECIAL_ENTRIES.has(k)).map((k) => `\u0000${k}`)],
    ranges: parseRanges(params.getAll('f')),
    hideFiltered: params.get('fh') === '1',
    outdated: params.get('c') === TAGS_KEY,
  };
}

export function writeUrl(view: Omit<UrlView, 'outdated'>): void {
  const params = new URLSearchParams(window.location.search);
  const set = (key: string, value: string | null) => (value === null ? params.delete(key) : params.set(key, value));
  const s = view.search;
  set('q', s ? s.q : null);
  // Defaults stay out of the link, so a plain search keeps its short URL.
  set('m', s && s.mode !== 'semantic' ? s.mode : null);
  set('k', s && s.k !== 10 ? String(s.k) : null);
  set('th', s && s.threshold !== null ? String(s.threshold) : null);
  set('p', view.selectedId === null ? null : String(view.selectedId));
  set('c', view.colorBy === TAGS_KEY ? null : view.colorBy);
  set('ct', view.colorBy === TAGS_KEY ? '1' : null);
  set('t', view.topic === null ? null : String(view.topic));
  // One h= per hidden entry: values are user data and may hold any separator. The legend's own entries
  // ("(empty)", "other", "several tags") are hx=<name>, so a value of that name never collides with them.
  params.delete('h');
  params.delete('hx');
  for (const key of view.hidden) {
    if (key.startsWith('\u0000')) params.append('hx', key.slice(1));
    else params.append('h', key);
  }
  params.delete('f');
  for (const [column, r] of view.ranges) params.append('f', `${column}:${r.lo ?? ''}:${r.hi ?? ''}`);
  set('fh', view.hideFiltered ? '1' : null);
  // Four decimals keep links short; a ten-thousandth of a unit is far below a pixel at any useful zoom.
  set('v', view.camera ? [view.camera.x, view.camera.y, view.camera.zoom].map((n) => n.toFixed(4)).join(',') : null);
  const next = params.toString();
  const url = `${window.location.pathname}${next ? `?${next}` : ''}${window.location.hash}`;
  // replaceState: panning must not flood the back button with history entries.
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    window.history.replaceState(null, '', url);
  }
}
