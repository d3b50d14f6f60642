// The charts beside the map: a histogram per number or date column (click a bar, or drag across bars, to filter
// to that range), the top values of each category column (click one to show only it), and the topics with the
// most lit points (click one to filter to it). Every chart counts the points the *other* filters leave lit.
import type { ColumnSummary, Topic } from '../api';
import type { ColourModel } from '../colouring';
import { binRange, countsFor, FIRST_RANGE, histogram, LEGEND, TOPIC, topCodes } from '../crossfilter';
import type { Failures, Histogram } from '../crossfilter';
import type { PointData } from '../points';
import type { MapState, Store } from '../state';
import { isoDay } from '../ui/legend';

export const BINS = 24;
export const TOP_VALUES = 8;

export interface ChartsContext {
  el: HTMLElement;
  points: PointData;
  topics: Topic[];
  store: Store<MapState>;
  columns: ColumnSummary[];
  /** A column's values, loaded once (the explorer's colour models). */
  load(column: string): Promise<ColourModel | null>;
  /** Recolour: the charts' columns arrived. */
  loaded(): void;
}

export interface Charts {
  /** Whether the charts are open (and worth computing). */
  open(): boolean;
  /** Draw every chart from the points' failures; `ranges`: the index of each range filter's column. */
  update(fails: Failures, ranges: ReadonlyMap<string, number>, colourModel: ColourModel): void;
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

export function createCharts(ctx: ChartsContext): Charts {
  const { el, points, store } = ctx;
  const list = document.createElement('div');
  list.id = 'chart-list';
  el.append(list);
  const charted = ctx.columns.filter((c) => c.kind === 'number' || c.kind === 'date' || c.kind === 'category');
  const models = new Map<string, ColourModel>();
  let requested = false;
  let lastDrawn = '';
  const details = el as HTMLDetailsElement;
  details.addEventListener('toggle', () => {
    if (!details.open || requested) return;
    requested = true;
    void Promise.all(charted.map(async (c) => {
      const m = await ctx.load(c.name);
      if (m) models.set(c.name, m);
    })).then(ctx.loaded);
    ctx.loaded();
  });
  const fineTopics = ctx.topics.filter((t) => t.level === 'fine');
  const topicLabel = new Map(fineTopics.map((t) => [t.id, t.label]));

  /** A chart's box: `column` names the file's column it counts, null for the topics (not a column). */
  function section(title: string, column: string | null, body: HTMLElement, note = ''): HTMLElement {
    const box = document.createElement('section');
    box.className = 'chart';
    if (column === null) box.dataset.facet = 'topics';
    else box.dataset.column = column;
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

  return {
    open: () => details.open,
    update(fails, ranges, colourModel) {
      if (!details.open) return;
      const state = store.get();
      const out: HTMLElement[] = [];
      // Topics: the fine topics with the most points the other filters leave lit.
      const topicCounts = topCodes(points.topics, (i) => countsFor(fails, i, TOPIC), TOP_VALUES);
      out.push(
        section(
          'Topics',
          null,
          rows(
            topicCounts.map(([t, n]) => ({ key: String(t), text: topicLabel.get(t) ?? `Topic ${t}`, count: n, active: state.topicFilter === t })),
            (key) => store.set({ topicFilter: store.get().topicFilter === Number(key) ? null : Number(key) }),
          ),
        ),
      );
      for (const c of charted) {
        const m = models.get(c.name);
        if (!m) {
          const loading = document.createElement('p');
          loading.className = 'muted';
          loading.textContent = 'Loading…';
          out.push(section(c.name, c.name, loading));
          continue;
        }
        if (m.kind === 'number') {
          const own = ranges.has(c.name) ? FIRST_RANGE + (ranges.get(c.name) as number) : -1;
          const h: Histogram = histogram(m.values, m.valid, m.min, m.max, BINS, (i) => countsFor(fails, i, own));
          const width = (h.max - h.min) / BINS;
          const names = h.counts.map((_, k) => `${label(h.min + k * width, m.date)} – ${label(h.min + (k + 1) * width, m.date)}`);
          const range = state.ranges.get(c.name);
          const inRange = (k: number) =>
            range !== undefined &&
            (range.lo === null || h.min + (k + 1) * width > range.lo) &&
            (range.hi === null || h.min + k * width < range.hi);
          // Handlers read the store when they run: a chart that looks the same is not redrawn (nor rebound).
          const pick = (a: number, b: number) => {
            const now = store.get().ranges;
            const next = new Map(now);
            const wanted = binRange(h, a, b);
            const current = now.get(c.name);
            const same = current && current.lo === wanted.lo && current.hi === wanted.hi;
            if (same) next.delete(c.name);
            else next.set(c.name, wanted);
            store.set({ ranges: next });
          };
          out.push(section(c.name, c.name, bars(h.counts, names, inRange, pick), `${label(h.min, m.date)} to ${label(h.max, m.date)}`));
        } else if (m.kind === 'category') {
          const coloured = colourModel.kind === 'category' && colourModel.column === c.name;
          const own = coloured ? LEGEND : -1;
          const counted = topCodes(m.codes, (i) => countsFor(fails, i, own), TOP_VALUES);
          const shown = state.colourBy === c.name && state.hidden.size > 0;
          out.push(
            section(
              c.name,
              c.name,
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
      // Redrawn only when something shows differently: a redraw under a press would swallow its click.
      const drawn = out.map((o) => o.outerHTML).join('');
      if (drawn === lastDrawn) return;
      lastDrawn = drawn;
      list.replaceChildren(...out);
    },
  };
}
