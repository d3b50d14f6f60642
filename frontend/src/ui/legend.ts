// The colour legend: categories with counts (click toggles one) or a numeric ramp with its min and max.
import type { ColourModel } from '../colouring';
import { rampCss } from '../colouring';

export interface LegendView {
  /** `counts`: per entry, the points the other filters leave lit (null: no other filter, the entries' own). */
  show(model: ColourModel, hidden: ReadonlySet<string>, counts?: ArrayLike<number> | null): void;
}

const fmt = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 6 });
/** A date column's value (epoch ms) as its UTC day, the way the file wrote it. */
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function createLegend(el: HTMLElement, onToggle: (key: string) => void): LegendView {
  return {
    show(model, hidden, counts = null) {
      el.replaceChildren();
      el.hidden = model.kind === 'topic';
      if (model.kind === 'topic') return;
      el.dataset.kind = model.kind;
      if (model.kind === 'number') {
        const ramp = document.createElement('div');
        ramp.className = 'legend-ramp';
        ramp.style.background = rampCss();
        const ends = document.createElement('div');
        ends.className = 'legend-ends';
        const min = document.createElement('span');
        min.className = 'legend-min';
        min.textContent = model.date ? isoDay(model.min) : fmt.format(model.min);
        const max = document.createElement('span');
        max.className = 'legend-max';
        max.textContent = model.date ? isoDay(model.max) : fmt.format(model.max);
        ends.append(min, max);
        el.append(ramp, ends);
        return;
      }
      const list = document.createElement('ul');
      list.className = 'legend-items';
      model.entries.forEach((entry, code) => {
        const li = document.createElement('li');
        li.dataset.key = entry.key;
        li.dataset.count = String(entry.count);
        li.className = hidden.has(entry.key) ? 'off' : '';
        li.setAttribute('role', 'button');
        li.setAttribute('aria-pressed', String(!hidden.has(entry.key)));
        li.tabIndex = 0;
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = `rgb(${entry.colour.join(',')})`;
        const label = document.createElement('span');
        label.className = 'legend-label';
        // Values are user data: text only.
        label.textContent = entry.label;
        const count = document.createElement('span');
        count.className = 'legend-count';
        // The other filters' share of the entry: "12 of 80" while they leave some of its points out.
        const lit = counts ? counts[code] : entry.count;
        count.textContent = lit === entry.count ? entry.count.toLocaleString() : `${lit.toLocaleString()} of ${entry.count.toLocaleString()}`;
        li.dataset.lit = String(lit);
        li.append(swatch, label, count);
        li.addEventListener('click', () => onToggle(entry.key));
        li.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            onToggle(entry.key);
          }
        });
        list.append(li);
      });
      el.append(list);
      if (model.note) {
        const note = document.createElement('p');
        note.className = 'legend-note muted';
        note.textContent = model.note;
        el.append(note);
      }
    },
  };
}
