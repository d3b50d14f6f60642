import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EMPTY, OTHER, SEVERAL, TAGS_KEY } from '../src/colouring';
import type { Range } from '../src/state';
import { readUrl, writeUrl } from '../src/url';
import type { UrlView } from '../src/url';

type View = Omit<UrlView, 'outdated'>;

const BLANK: View = {
  search: null,
  selectedId: null,
  camera: null,
  colorBy: null,
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
    expect(readUrl('?c=label').colorBy).toBe('label');
    expect(readUrl('?c=').colorBy).toBeNull();
    expect(readUrl('?ct=1').colorBy).toBe(TAGS_KEY);
    expect(readUrl('?ct=1&c=label').colorBy).toBe(TAGS_KEY);
    expect(readUrl('?ct=0&c=label').colorBy).toBe('label');
    expect(readUrl('?c=tags').colorBy).toBe('tags');
    const old = readUrl('?c=%00tags');
    expect(old.colorBy).toBe(TAGS_KEY);
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
      colorBy: 'label',
      topic: 4,
      hidden: ['a', EMPTY],
      ranges: new Map<string, Range>([['score', { lo: 0.5, hi: null }]]),
      hideFiltered: true,
    };
    expect(written(view)).toBe(
      'q=red+cats&m=keyword&k=25&th=0.5&p=12&c=label&t=4&h=a&hx=empty&f=score%3A0.5%3A&fh=1&v=1.2346%2C-2.0000%2C3.0000',
    );
  });

  it('writes colour-by tag as ct=1 and rewrites the older c=%00tags link', () => {
    expect(written({ ...BLANK, colorBy: TAGS_KEY })).toBe('ct=1');
    expect(written({ ...BLANK, colorBy: TAGS_KEY }, '?c=%00tags')).toBe('ct=1');
    expect(written({ ...BLANK, colorBy: 'label' }, '?ct=1')).toBe('c=label');
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
    ['a search with a threshold of zero', { ...BLANK, search: { mode: 'semantic', q: 'x', k: 10, threshold: 0 } }],
    ['a selected row and topic', { ...BLANK, selectedId: 0, topic: 0 }],
    ['a camera', { ...BLANK, camera: { x: -12.5, y: 0.0625, zoom: -3.75 } }],
    ['colour by column', { ...BLANK, colorBy: 'a column: with & odd=chars' }],
    ['colour by tag', { ...BLANK, colorBy: TAGS_KEY }],
    ['hidden values that look like separators', { ...BLANK, hidden: ['a,b', 'c&d=e', 'h', 'empty'] }],
    ['hidden legend entries', { ...BLANK, hidden: [EMPTY, OTHER, SEVERAL] }],
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
