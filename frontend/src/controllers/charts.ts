// The charts beside the map: the topics with the most lit points (click one to filter to it), the tags (click
// one to show only its rows), the length of the map's text, a histogram per number or date column (click a bar,
// or drag across bars, to filter to that range), the top values of each category column (click one to show
// only it) and the most frequent values of each text column (click one to select its rows). Every chart counts
// the points the *other* filters leave lit.
import type { ColumnSummary, Topic } from '../api';
import type { ColourModel } from '../colouring';
import { EMPTY, TAGS_KEY, TEXT_LENGTH } from '../colouring';
import { binRange, countsFor, entryCounts, FIRST_RANGE, histogram, LEGEND, SELECTION, TOPIC, topCodes } from '../crossfilter';
import type { Failures, Histogram } from '../crossfilter';
import type { PointData } from '../points';
import type { MapState, Store } from '../state';
import type { TopValues } from '../topvalues';
import { NONE } from '../topvalues';
import { isoDay } from '../ui/legend';

export const BINS = 24;
export const TOP_VALUES = 8;

export interface ChartsContext {
  el: HTMLElement;
  points: PointData;
  topics: Topic[];
  store: Store<MapState>;
  columns: ColumnSummary[];
  /** A column's values (or, for TEXT_LENGTH, the text lengths), loaded once (the explorer's colour models). */
  load(column: string): Promise<ColourModel | null>;
  /** Which of a text column's most frequent values each point holds. */
  loadTop(column: string): Promise<TopValues | null>;
  /** Recolour: the charts' columns arrived. */
  loaded(): void;
}

export interface Charts {
  /** Whether the charts are open (and worth computing). */
  open(): boolean;
  /** Draw every chart from the points' failures; `ranges`: the index of each range filter's column;
   * `tags`: the tag model (null until the tags are loaded). */
  update(fails: Failures, ranges: ReadonlyMap<string, number>, colourModel: ColourModel, tags: ColourModel | null): void;
}

function label(value: number, date: boolean): string {
  if (date) return isoDay(value);
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en') : String(Number(value.toPrecision(3)));
}

function bars(
  counts: number[],
  names: string[],
  active: (k: number) => boolean,
  onPick: (first: number, last: number) => void,
): HTMLElement {
  const box = document.createElement('div');
  box.className = 'chart-bars';
  const top = Math.max(1, ...counts);
  let from: number | null = null;
  counts.forEach((count, k) => {
    const bar = document.createElement('button');
    bar.type = 'button';
    bar.className = 'chart-bar';
    bar.classList.toggle('active', active(k));
    bar.dataset.index = String(k);
    bar.dataset.count = String(count);
    bar.title = `${names[k]}: ${count.toLocaleString('en')}`;
    bar.setAttribute('aria-label', bar.title);
    const fill = document.createElement('span');
    fill.className = 'chart-fill';
    fill.style.height = `${Math.round((count / top) * 100)}%`;
    bar.append(fill);
    // A press and a release over bars picks the bins between them: a click picks one.
    bar.addEventListener('pointerdown', () => {
      from = k;
    });
    bar.addEventListener('pointerup', () => {
      onPick(from ?? k, k);
      from = null;
    });
    bar.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onPick(k, k);
      }
    });
    box.append(bar);
  });
  return box;
}

function rows(entries: { key: string; text: string; count: number; active: boolean }[], onPick: (key: string) => void): HTMLElement {
  const list = document.createElement('ol');
  list.className = 'chart-values';
  const top = Math.max(1, ...entries.map((e) => e.count));
  for (const e of entries) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'chart-value';
    button.dataset.key = e.key;
    button.classList.toggle('active', e.active);
    const name = document.createElement('span');
    name.className = 'chart-value-name';
    name.textContent = e.text; // user data: text, never markup
    const count = document.createElement('span');
    count.className = 'chart-value-count';
    count.textContent = e.count.toLocaleString('en');
    const fill = document.createElement('span');
    fill.className = 'chart-value-fill';
    fill.style.width = `${Math.round((e.count / top) * 100)}%`;
    button.append(fill, name, count);
    button.addEventListener('click', () => onPick(e.key));
    li.append(button);
    list.append(li);
  }
  return list;
}

/** The value below which 99% of a model's values lie: a histogram of a long-tailed column (text lengths) ends
 * there, its last bar holding every longer value, so a few very long texts do not squeeze the rest into one bar. */
function upperTail(values: Float64Array, valid: Uint8Array): number {
  const present: number[] = [];
  for (let i = 0; i < values.length; i++) if (valid[i]) present.push(values[i]);
  if (present.length === 0) return 0;
  present.sort((a, b) => a - b);
  return present[Math.min(present.length - 1, Math.floor(present.length * 0.99))];
}

type NumberModel = Extract<ColourModel, { kind: 'number' }>;

export function createCharts(ctx: ChartsContext): Charts {
  const { el, points, store } = ctx;
  const list = document.createElement('div');
  list.id = 'chart-list';
  el.append(list);
  const charted = ctx.columns.filter((c) => c.kind === 'number' || c.kind === 'date' || c.kind === 'category');
  const texts = ctx.columns.filter((c) => c.kind === 'text');
  const models = new Map<string, ColourModel>();
  const tops = new Map<string, TopValues>();
  const tails = new Map<string, number>();
  let requested = false;
  let lastDrawn = '';
  const details = el as HTMLDetailsElement;
  details.addEventListener('toggle', () => {
    if (!details.open || requested) return;
    requested = true;
    const loads = [TEXT_LENGTH, ...charted.map((c) => c.name)].map(async (column) => {
      const m = await ctx.load(column);
      if (m) models.set(column, m);
    });
    const topLoads = texts.map(async (c) => {
      const t = await ctx.loadTop(c.name);
      if (t) tops.set(c.name, t);
    });
    void Promise.all([...loads, ...topLoads]).then(ctx.loaded);
    ctx.loaded();
  });
  const fineTopics = ctx.topics.filter((t) => t.level === 'fine');
  const topicLabel = new Map(fineTopics.map((t) => [t.id, t.label]));

  /** A chart's box: `column` names the file's column it counts; `facet` what else it counts (topics, tags, the
   * text length). */
  function section(title: string, key: { column: string } | { facet: string }, body: HTMLElement, note = ''): HTMLElement {
    const box = document.createElement('section');
    box.className = 'chart';
    if ('column' in key) box.dataset.column = key.column;
    else box.dataset.facet = key.facet;
    const h = document.createElement('h3');
    h.textContent = title; // column names are user data
    box.append(h);
    if (note) {
      const p = document.createElement('p');
      p.className = 'chart-note muted';
      p.textContent = note;
      box.append(p);
    }
    box.append(body);
    return box;
  }

  function loading(): HTMLElement {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'Loading…';
    return p;
  }

  /** A histogram of a number or date model whose bars set the range filter `key` (a column, or TEXT_LENGTH).
   * `whole`: the values are whole numbers (text lengths), so each bar spans whole values, its edges halfway
   * between two, and a bar and the range it sets hold the same points; the bars end at the longest 1%, the
   * last holding every larger value. */
  function rangeChart(key: string, m: NumberModel, fails: Failures, own: number, whole: boolean): { bars: HTMLElement; note: string } {
    const state = store.get();
    let from = m.min;
    let to = m.max;
    let count = BINS;
    let open = false;
    if (whole) {
      let tail = tails.get(key);
      if (tail === undefined) tails.set(key, (tail = upperTail(m.values, m.valid)));
      const step = Math.max(1, Math.ceil((tail - m.min + 1) / BINS));
      count = Math.max(1, Math.ceil((tail - m.min + 1) / step));
      from = m.min - 0.5;
      to = from + count * step;
      open = to < m.max;
    }
    const h: Histogram = histogram(m.values, m.valid, from, to, count, (i) => countsFor(fails, i, own));
    const width = (h.max - h.min) / count;
    const edge = (k: number) => h.min + k * width;
    const span = (k: number) => {
      if (whole) {
        const [first, last] = [edge(k) + 0.5, edge(k + 1) - 0.5];
        if (open && k === count - 1) return `${label(first, false)} or more`;
        return first === last ? label(first, false) : `${label(first, false)} – ${label(last, false)}`;
      }
      return `${label(edge(k), m.date)} – ${label(edge(k + 1), m.date)}`;
    };
    const names = h.counts.map((_, k) => span(k));
    const range = state.ranges.get(key);
    const inRange = (k: number) =>
      range !== undefined &&
      (range.lo === null || edge(k + 1) > range.lo || (open && k === count - 1)) &&
      (range.hi === null || edge(k) < range.hi);
    // Handlers read the store when they run: a chart that looks the same is not redrawn (nor rebound).
    const pick = (a: number, b: number) => {
      const now = store.get().ranges;
      const next = new Map(now);
      const ends = binRange(h, a, b);
      const wanted = open && Math.max(a, b) === count - 1 ? { lo: ends.lo, hi: null } : ends;
      const current = now.get(key);
      const same = current && current.lo === wanted.lo && current.hi === wanted.hi;
      if (same) next.delete(key);
      else next.set(key, wanted);
      store.set({ ranges: next });
    };
    const note = `${label(m.min, m.date)} to ${label(m.max, m.date)}${open ? '; the last bar holds the longest 1%' : ''}`;
    return { bars: bars(h.counts, names, inRange, pick), note };
  }

  function ownRange(ranges: ReadonlyMap<string, number>, key: string): number {
    return ranges.has(key) ? FIRST_RANGE + (ranges.get(key) as number) : -1;
  }

  /** The tags, each counting the rows of it the other filters leave lit; a click shows only that tag's rows. */
  function tagChart(tags: ColourModel | null, fails: Failures, colourModel: ColourModel): HTMLElement {
    if (!tags || tags.kind !== 'category') return section('Tags', { facet: 'tags' }, loading());
    const state = store.get();
    const coloured = colourModel.kind === 'category' && colourModel.column === TAGS_KEY;
    const counts = entryCounts(tags.codes, tags.entries.length, (i) => countsFor(fails, i, coloured ? LEGEND : -1), tags.several);
    const entries = tags.entries
      .map((entry, code) => ({ entry, count: counts[code] }))
      .filter(({ entry }) => entry.tag !== undefined)
      .sort((a, b) => b.count - a.count || a.entry.label.localeCompare(b.entry.label))
      .slice(0, TOP_VALUES);
    if (entries.length === 0) {
      const none = document.createElement('p');
      none.className = 'muted';
      none.textContent = 'No tags yet.';
      return section('Tags', { facet: 'tags' }, none);
    }
    // Whether a state shows this tag's rows alone: coloured by tag, every other entry of the legend hidden.
    const alone = (st: MapState, key: string) =>
      st.colourBy === TAGS_KEY && tags.entries.every((e) => (e.key === key) !== st.hidden.has(e.key));
    return section(
      'Tags',
      { facet: 'tags' },
      rows(
        entries.map(({ entry, count }) => ({ key: entry.key, text: entry.label, count, active: alone(state, entry.key) })),
        (key) => {
          // Show only this tag's rows (as its name in the tag list does); a second click shows every row again.
          const others = tags.entries.map((e) => e.key).filter((k) => k !== key);
          store.set({ colourBy: TAGS_KEY, hidden: alone(store.get(), key) ? new Set() : new Set([...others, EMPTY]) });
        },
      ),
    );
  }

  /** A text column's most frequent values; a click selects the rows holding that value. */
  function topValuesChart(column: ColumnSummary, fails: Failures): HTMLElement {
    const t = tops.get(column.name);
    if (!t) return section(column.name, { column: column.name }, loading());
    if (t.values.length === 0) {
      const none = document.createElement('p');
      none.className = 'muted';
      none.textContent = `No value repeats: ${column.distinct.toLocaleString('en')} different values.`;
      return section(column.name, { column: column.name }, none);
    }
    const codes = t.codes;
    // Whether the selection is exactly the rows of one value (this chart's own filter, made by a click here).
    const selection = store.get().selection;
    const only = (code: number) => selection !== null && selection.length === t.totals[code] && selection.every((i) => codes[i] === code);
    const own = selection !== null && selection.length > 0 && codes[selection[0]] !== NONE && only(codes[selection[0]]) ? SELECTION : -1;
    const counted = topCodes(codes, (i) => codes[i] !== NONE && countsFor(fails, i, own), TOP_VALUES);
    return section(
      column.name,
      { column: column.name },
      rows(
        counted.map(([code, n]) => ({ key: String(code), text: t.values[code], count: n, active: only(code) })),
        (key) => {
          const code = Number(key);
          const now = store.get().selection;
          const already = now !== null && now.length === t.totals[code] && now.every((i) => codes[i] === code);
          const picked: number[] = [];
          if (!already) for (let i = 0; i < codes.length; i++) if (codes[i] === code) picked.push(i);
          store.set({ selection: already ? null : Int32Array.from(picked) });
        },
      ),
      'Most frequent values; click one to select its rows.',
    );
  }

  return {
    open: () => details.open,
    update(fails, ranges, colourModel, tags) {
      if (!details.open) return;
      const state = store.get();
      const out: HTMLElement[] = [];
      // Topics: the fine topics with the most points the other filters leave lit.
      const topicCounts = topCodes(points.topics, (i) => countsFor(fails, i, TOPIC), TOP_VALUES);
      out.push(
        section(
          'Topics',
          { facet: 'topics' },
          rows(
            topicCounts.map(([t, n]) => ({ key: String(t), text: topicLabel.get(t) ?? `Topic ${t}`, count: n, active: state.topicFilter === t })),
            (key) => store.set({ topicFilter: store.get().topicFilter === Number(key) ? null : Number(key) }),
          ),
        ),
      );
      out.push(tagChart(tags, fails, colourModel));
      const lengths = models.get(TEXT_LENGTH);
      if (lengths && lengths.kind === 'number') {
        const { bars: drawn, note } = rangeChart(TEXT_LENGTH, lengths, fails, ownRange(ranges, TEXT_LENGTH), true);
        out.push(section('Text length (characters)', { facet: 'text-length' }, drawn, note));
      } else out.push(section('Text length (characters)', { facet: 'text-length' }, loading()));
      for (const c of charted) {
        const m = models.get(c.name);
        if (!m) {
          out.push(section(c.name, { column: c.name }, loading()));
          continue;
        }
        if (m.kind === 'number') {
          const { bars: drawn, note } = rangeChart(c.name, m, fails, ownRange(ranges, c.name), false);
          out.push(section(c.name, { column: c.name }, drawn, note));
        } else if (m.kind === 'category') {
          const coloured = colourModel.kind === 'category' && colourModel.column === c.name;
          const own = coloured ? LEGEND : -1;
          const counted = topCodes(m.codes, (i) => countsFor(fails, i, own), TOP_VALUES);
          const shown = state.colourBy === c.name && state.hidden.size > 0;
          out.push(
            section(
              c.name,
              { column: c.name },
              rows(
                counted.map(([code, n]) => {
                  const entry = m.entries[code];
                  return { key: entry.key, text: entry.label, count: n, active: shown && !state.hidden.has(entry.key) };
                }),
                (key) => {
                  // Show only this value: colour by the column with every other entry of its legend hidden.
                  const now = store.get();
                  const others = m.entries.map((e) => e.key).filter((k) => k !== key);
                  const only = now.colourBy === c.name && now.hidden.size === others.length && !now.hidden.has(key);
                  store.set({ colourBy: c.name, hidden: only ? new Set() : new Set(others) });
                },
              ),
            ),
          );
        }
      }
      for (const c of texts) out.push(topValuesChart(c, fails));
      // Redrawn only when something shows differently: a redraw under a press would swallow its click.
      const drawn = out.map((o) => o.outerHTML).join('');
      if (drawn === lastDrawn) return;
      lastDrawn = drawn;
      list.replaceChildren(...out);
    },
  };
}
