import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DUPLICATES_KEY, EMPTY, OTHER, SEVERAL, TAGS_KEY, TEXT_LENGTH } from '../src/colouring';
import { followInUrl, URL_DELAY_MS } from '../src/controllers/url';
import { createStore, initialMapState } from '../src/state';
import type { MapState, Range } from '../src/state';
import { LINKED_FIELDS, linkChanged, readUrl, restoredState, urlState, viewSearch, writeUrl } from '../src/url';
import type { UrlState } from '../src/url';

type View = UrlState;

const BLANK: View = {
  search: null,
  selectedId: null,
  camera: null,
  colourBy: null,
  topic: null,
  hidden: [],
  ranges: new Map(),
  hideFiltered: false,
};

/** A window with just what writeUrl touches: location and history.replaceState, which updates location. */
function fakeWindow(search = '', pathname = '/maps/m1/', hash = '') {
  const location = { search, pathname, hash };
  const replaceState = vi.fn((_state: unknown, _title: string, url: string) => {
    const at = url.indexOf('?');
    const end = url.includes('#') ? url.indexOf('#') : url.length;
    location.search = at >= 0 ? url.slice(at, end) : '';
  });
  vi.stubGlobal('window', { location, history: { replaceState } });
  return { location, replaceState };
}

/** What writeUrl writes for `view` into an empty location: the query string, without its '?'. */
function written(view: View, search = ''): string {
  const { location } = fakeWindow(search);
  writeUrl(view);
  return location.search.replace(/^\?/, '');
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('readUrl', () => {
  it('reads an empty query as the default view', () => {
    expect(readUrl('')).toEqual({ ...BLANK, outdated: false });
  });

  it('reads a search with its defaults: semantic, top 10, no threshold', () => {
    expect(readUrl('?q=red+cats').search).toEqual({ mode: 'semantic', q: 'red cats', k: 10, threshold: null });
  });

  it('reads every search field', () => {
    expect(readUrl('?q=cats&m=keyword&k=25&th=0.35').search).toEqual({ mode: 'keyword', q: 'cats', k: 25, threshold: 0.35 });
    expect(readUrl('?q=cats&k=1').search?.k).toBe(1);
    expect(readUrl('?q=cats&k=200').search?.k).toBe(200);
    expect(readUrl('?q=cats&th=-0.5').search?.threshold).toBe(-0.5);
    expect(readUrl('?q=cats&m=hybrid').search?.mode).toBe('hybrid');
  });

  it('ignores bad search values', () => {
    expect(readUrl('?q=cats&m=fuzzy').search?.mode).toBe('semantic');
    for (const k of ['0', '201', '2.5', 'abc', '-3', '']) expect(readUrl(`?q=cats&k=${k}`).search?.k).toBe(10);
    for (const th of ['abc', '', 'Infinity']) expect(readUrl(`?q=cats&th=${th}`).search?.threshold).toBeNull();
  });

  it('has no search for a blank query, or a similar search whose query is not a row id', () => {
    expect(readUrl('?q=').search).toBeNull();
    expect(readUrl('?q=+++').search).toBeNull();
    expect(readUrl('?m=keyword&k=5').search).toBeNull();
    expect(readUrl('?q=abc&m=similar').search).toBeNull();
    expect(readUrl('?q=42&m=similar').search).toEqual({ mode: 'similar', q: '42', k: 10, threshold: null });
  });

  it('reads the selected row only as a whole non-negative number', () => {
    expect(readUrl('?p=12').selectedId).toBe(12);
    expect(readUrl('?p=0').selectedId).toBe(0);
    for (const p of ['-1', '1.5', 'abc', '', '1e3']) expect(readUrl(`?p=${p}`).selectedId).toBeNull();
  });

  it('reads the camera as three finite numbers', () => {
    expect(readUrl('?v=1.5,-2,3.25').camera).toEqual({ x: 1.5, y: -2, zoom: 3.25 });
    for (const v of ['1,2', '1,2,3,4', '1,2,x', '1,Infinity,2', '']) expect(readUrl(`?v=${v}`).camera).toBeNull();
  });

  it('reads colour-by a column, by tag, and the older tag link', () => {
    expect(readUrl('?c=label').colourBy).toBe('label');
    expect(readUrl('?c=').colourBy).toBeNull();
    expect(readUrl('?ct=1').colourBy).toBe(TAGS_KEY);
    expect(readUrl('?ct=1&c=label').colourBy).toBe(TAGS_KEY);
    expect(readUrl('?ct=0&c=label').colourBy).toBe('label');
    expect(readUrl('?c=tags').colourBy).toBe('tags');
    const old = readUrl('?c=%00tags');
    expect(old.colourBy).toBe(TAGS_KEY);
    expect(old.outdated).toBe(true);
    expect(readUrl('?ct=1').outdated).toBe(false);
  });

  it('reads the topic only as a whole non-negative number', () => {
    expect(readUrl('?t=3').topic).toBe(3);
    for (const t of ['-3', 'x', '2.0']) expect(readUrl(`?t=${t}`).topic).toBeNull();
  });

  it('reads hidden values, then the legend entries of their own, dropping unknown ones', () => {
    expect(readUrl('?h=a&hx=empty&h=b%26c&hx=other&hx=several&hx=bogus&hx=tags').hidden).toEqual([
      'a',
      'b&c',
      EMPTY,
      OTHER,
      SEVERAL,
    ]);
    // A value spelled like a legend entry stays a value.
    expect(readUrl('?h=empty').hidden).toEqual(['empty']);
  });

  it('reads range filters with open ends and colons in the column name', () => {
    const ranges = readUrl('?f=score:0.5:1&f=a:b:c:1:&f=when::-2.5e3').ranges;
    expect([...ranges]).toEqual([
      ['score', { lo: 0.5, hi: 1 }],
      ['a:b:c', { lo: 1, hi: null }],
      ['when', { lo: null, hi: -2500 }],
    ]);
  });

  it('ignores range filters with no end, too few parts or a bad end', () => {
    expect([...readUrl('?f=x::&f=y:1&f=z').ranges]).toEqual([]);
    expect([...readUrl('?f=x:abc:2').ranges]).toEqual([['x', { lo: null, hi: 2 }]]);
  });

  it('reads the text length range from tl=, never from a column of that name', () => {
    expect([...readUrl('?tl=10:200&f=tl:1:2').ranges]).toEqual([
      ['tl', { lo: 1, hi: 2 }],
      [TEXT_LENGTH, { lo: 10, hi: 200 }],
    ]);
    expect([...readUrl('?tl=:&f=%00text-length:1:2').ranges]).toEqual([]);
    expect(viewSearch({ ...BLANK, ranges: new Map<string, Range>([[TEXT_LENGTH, { lo: null, hi: 80 }]]) }, '')).toBe('?tl=%3A80');
  });

  it('hides filtered points only for fh=1', () => {
    expect(readUrl('?fh=1').hideFiltered).toBe(true);
    expect(readUrl('?fh=true').hideFiltered).toBe(false);
    expect(readUrl('?fh=0').hideFiltered).toBe(false);
  });

  it('reads window.location.search by default', () => {
    fakeWindow('?t=7&p=3');
    expect(readUrl()).toMatchObject({ topic: 7, selectedId: 3 });
  });
});

describe('writeUrl', () => {
  it('writes nothing for the default view', () => {
    expect(written(BLANK)).toBe('');
  });

  it('keeps a plain search link short: defaults stay out', () => {
    expect(written({ ...BLANK, search: { mode: 'semantic', q: 'cats', k: 10, threshold: null } })).toBe('q=cats');
  });

  it('writes every field', () => {
    const view: View = {
      search: { mode: 'keyword', q: 'red cats', k: 25, threshold: 0.5 },
      selectedId: 12,
      camera: { x: 1.23456789, y: -2, zoom: 3 },
      colourBy: 'label',
      topic: 4,
      hidden: ['a', EMPTY],
      ranges: new Map<string, Range>([['score', { lo: 0.5, hi: null }]]),
      hideFiltered: true,
    };
    expect(written(view)).toBe(
      'q=red+cats&m=keyword&k=25&th=0.5&p=12&c=label&t=4&h=a&hx=empty&f=score%3A0.5%3A&fh=1&v=1.2346%2C-2.0000%2C3.0000',
    );
  });

  it('writes colour-by duplicate group as cd=1 and reads it back', () => {
    expect(written({ ...BLANK, colourBy: DUPLICATES_KEY })).toBe('cd=1');
    expect(readUrl('?cd=1').colourBy).toBe(DUPLICATES_KEY);
    expect(written({ ...BLANK, colourBy: 'label' }, '?cd=1')).toBe('c=label');
  });

  it('writes colour-by tag as ct=1 and rewrites the older c=%00tags link', () => {
    expect(written({ ...BLANK, colourBy: TAGS_KEY })).toBe('ct=1');
    expect(written({ ...BLANK, colourBy: TAGS_KEY }, '?c=%00tags')).toBe('ct=1');
    expect(written({ ...BLANK, colourBy: 'label' }, '?ct=1')).toBe('c=label');
  });

  it('keeps parameters it does not own and drops the ones the view no longer has', () => {
    expect(written({ ...BLANK, topic: 2 }, '?debug=1&q=old&h=x&f=a:1:2&fh=1&p=9')).toBe('debug=1&t=2');
  });

  it('replaces the history entry, keeping path and hash, and only when the URL changes', () => {
    const { replaceState } = fakeWindow('', '/maps/m1/', '#details');
    writeUrl({ ...BLANK, topic: 2 });
    expect(replaceState).toHaveBeenCalledTimes(1);
    expect(replaceState).toHaveBeenCalledWith(null, '', '/maps/m1/?t=2#details');
    writeUrl({ ...BLANK, topic: 2 });
    expect(replaceState).toHaveBeenCalledTimes(1);
    writeUrl(BLANK);
    expect(replaceState).toHaveBeenLastCalledWith(null, '', '/maps/m1/#details');
  });
});

describe('round trip', () => {
  beforeEach(() => {
    fakeWindow();
  });

  const views: [string, View][] = [
    ['the default view', BLANK],
    ['a semantic search', { ...BLANK, search: { mode: 'semantic', q: 'ünïcode & spaces = fine?', k: 10, threshold: null } }],
    ['a keyword search with k and threshold', { ...BLANK, search: { mode: 'keyword', q: 'x', k: 200, threshold: -0.25 } }],
    ['a similar search', { ...BLANK, search: { mode: 'similar', q: '17', k: 3, threshold: 0.9 } }],
    ['a hybrid search', { ...BLANK, search: { mode: 'hybrid', q: 'red cats', k: 20, threshold: null } }],
    ['a search with a threshold of zero', { ...BLANK, search: { mode: 'semantic', q: 'x', k: 10, threshold: 0 } }],
    ['a selected row and topic', { ...BLANK, selectedId: 0, topic: 0 }],
    ['a camera', { ...BLANK, camera: { x: -12.5, y: 0.0625, zoom: -3.75 } }],
    ['colour by column', { ...BLANK, colourBy: 'a column: with & odd=chars' }],
    ['colour by tag', { ...BLANK, colourBy: TAGS_KEY }],
    ['hidden values that look like separators', { ...BLANK, hidden: ['a,b', 'c&d=e', 'h', 'empty'] }],
    ['hidden legend entries', { ...BLANK, hidden: [EMPTY, OTHER, SEVERAL] }],
    ['a text length range beside a column range', { ...BLANK, ranges: new Map<string, Range>([['score', { lo: 1, hi: 2 }], [TEXT_LENGTH, { lo: 20, hi: null }]]) }],
    [
      'ranges with open ends and colons',
      {
        ...BLANK,
        ranges: new Map<string, Range>([
          ['score', { lo: 0.25, hi: 0.75 }],
          ['time:utc', { lo: null, hi: 1700000000000 }],
          ['n', { lo: -5, hi: null }],
        ]),
        hideFiltered: true,
      },
    ],
  ];

  it.each(views)('reads back what it writes: %s', (_name, view) => {
    writeUrl(view);
    expect(readUrl(window.location.search)).toEqual({ ...view, outdated: false });
  });

  it('rounds the camera to four decimals', () => {
    writeUrl({ ...BLANK, camera: { x: 1.000049, y: 2.99999, zoom: 0.123456 } });
    expect(readUrl(window.location.search).camera).toEqual({ x: 1, y: 3, zoom: 0.1235 });
  });
});

describe('the store and the link', () => {
  beforeEach(() => {
    fakeWindow();
  });

  const viewed: MapState = {
    ...initialMapState,
    camera: { x: 1.5, y: -2.25, zoom: 3.125 },
    colourBy: 'a column: with & odd=chars',
    topicFilter: 4,
    hidden: new Set(['a,b', EMPTY]),
    ranges: new Map<string, Range>([['time:utc', { lo: null, hi: 1700000000000 }]]),
    hideFiltered: true,
    query: 'red cats',
    searchMode: 'keyword',
    searchK: 25,
    searchThreshold: 0.5,
    selectedId: 12,
    // Not in a link.
    highlightIds: [12, 13],
    theme: 'dark',
    selection: Int32Array.from([0, 1]),
    selectMode: 'lasso',
  };

  it('reopens the store a link was written from: camera, colour-by, topic, hidden entries and ranges', () => {
    writeUrl(urlState(viewed));
    expect(restoredState(readUrl(window.location.search))).toEqual({
      camera: viewed.camera,
      colourBy: viewed.colourBy,
      topicFilter: 4,
      hidden: viewed.hidden,
      ranges: viewed.ranges,
      hideFiltered: true,
    });
  });

  it('carries the search and the selected row for the page to replay, not into the opening store', () => {
    writeUrl(urlState(viewed));
    const view = readUrl(window.location.search);
    expect(view.search).toEqual({ mode: 'keyword', q: 'red cats', k: 25, threshold: 0.5 });
    expect(view.selectedId).toBe(12);
    const restored = restoredState(view);
    for (const key of ['query', 'searchMode', 'searchK', 'searchThreshold', 'selectedId'] as const) expect(restored).not.toHaveProperty(key);
  });

  it('writes no search while the store has no query', () => {
    expect(urlState({ ...viewed, query: null }).search).toBeNull();
  });

  it('writes the default store as an empty link', () => {
    writeUrl(urlState(initialMapState));
    expect(window.location.search).toBe('');
  });

  // Every store field is either part of the link or named here as left out of it.
  const LEFT_OUT: (keyof MapState)[] = ['highlightIds', 'theme', 'selection', 'selectMode'];

  it('links every store field but the ones left out on purpose', () => {
    expect([...LINKED_FIELDS, ...LEFT_OUT].sort()).toEqual(Object.keys(initialMapState).sort());
  });

  // Another value for every field; objects compare by identity, as the store hands out new ones on change.
  const other: MapState = {
    camera: { ...viewed.camera! },
    colourBy: null,
    topicFilter: 5,
    hidden: new Set(viewed.hidden),
    ranges: new Map(viewed.ranges),
    hideFiltered: false,
    query: 'dogs',
    searchMode: 'semantic',
    searchK: 10,
    searchThreshold: null,
    selectedId: 13,
    highlightIds: null,
    theme: 'light',
    selection: null,
    selectMode: 'pan',
  };

  it.each(LINKED_FIELDS.map((k) => [k]))('rewrites the link when %s changes', (key) => {
    expect(linkChanged({ ...viewed, [key]: other[key] }, viewed)).toBe(true);
  });

  it.each(LEFT_OUT.map((k) => [k]))('leaves the link alone when only %s changes', (key) => {
    expect(linkChanged({ ...viewed, [key]: other[key] }, viewed)).toBe(false);
  });

  it('leaves the link alone when nothing changes', () => {
    expect(linkChanged({ ...viewed }, viewed)).toBe(false);
  });
});

describe('followInUrl', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the link once the linked fields stop changing', () => {
    const { location, replaceState } = fakeWindow();
    const store = createStore<MapState>({ ...initialMapState });
    followInUrl(store, false);
    for (let i = 1; i <= 5; i++) {
      store.set({ camera: { x: i, y: 0, zoom: 1 } });
      vi.advanceTimersByTime(URL_DELAY_MS - 1);
    }
    expect(replaceState).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(replaceState).toHaveBeenCalledTimes(1);
    expect(location.search).toBe('?v=5.0000%2C0.0000%2C1.0000');
  });

  it('ignores changes that are not in the link', () => {
    const { replaceState } = fakeWindow('?t=2');
    const store = createStore<MapState>({ ...initialMapState });
    followInUrl(store, false);
    store.set({ highlightIds: [1], theme: 'dark' });
    vi.advanceTimersByTime(URL_DELAY_MS * 2);
    expect(replaceState).not.toHaveBeenCalled();
  });

  it('rewrites an outdated link at once', () => {
    const { location } = fakeWindow('?c=%00tags');
    const opened = readUrl();
    expect(opened.outdated).toBe(true);
    const store = createStore<MapState>({ ...initialMapState, ...restoredState(opened) });
    followInUrl(store, opened.outdated);
    vi.advanceTimersByTime(URL_DELAY_MS);
    expect(location.search).toBe('?ct=1');
  });
});
