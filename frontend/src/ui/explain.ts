// "What sets these rows apart?": the words and the columns that distinguish a selection or a topic from the rest
// of the map, as text (words and values are user data, never markup).
import type { Explanation } from '../curationapi';
import { isoDay } from './legend';

const percent = (share: number) => `${Math.round(share * 100)}%`;

function number(value: number, date: boolean): string {
  if (date) return isoDay(value);
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en') : String(Number(value.toPrecision(3)));
}

function item(text: string, note: string): HTMLLIElement {
  const li = document.createElement('li');
  const name = document.createElement('span');
  name.className = 'explain-name';
  name.textContent = text;
  const detail = document.createElement('span');
  detail.className = 'explain-note muted';
  detail.textContent = note;
  li.append(name, ' ', detail);
  return li;
}

/** The explanation's lists: words (with the share of the rows holding each against the rest), then columns. */
export function renderExplanation(out: HTMLElement, found: Explanation): void {
  const parts: HTMLElement[] = [];
  if (found.words.length) {
    const h = document.createElement('h3');
    h.textContent = 'Words';
    const list = document.createElement('ol');
    list.className = 'explain-words';
    list.append(...found.words.map((w) => item(w.term, `${percent(w.share)} of these rows, ${percent(w.share_elsewhere)} elsewhere`)));
    parts.push(h, list);
  }
  if (found.columns.length) {
    const h = document.createElement('h3');
    h.textContent = 'Columns';
    const list = document.createElement('ol');
    list.className = 'explain-columns';
    for (const c of found.columns) {
      let note = '';
      if (c.kind === 'category') {
        note = (c.values ?? []).map((v) => `${v.value ?? '(empty)'} ${percent(v.share)} (${percent(v.share_elsewhere)} elsewhere)`).join('; ');
      } else if (c.median !== null && c.median !== undefined && c.median_elsewhere !== null && c.median_elsewhere !== undefined) {
        const date = c.kind === 'date';
        note = `median ${number(c.median, date)} (${number(c.median_elsewhere, date)} elsewhere)`;
      }
      const li = item(c.column, note);
      li.dataset.column = c.column;
      list.append(li);
    }
    parts.push(h, list);
  }
  if (parts.length === 0) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = found.rows === 0 ? 'No rows to explain.' : 'Nothing sets these rows apart from the rest of the map.';
    parts.push(p);
  }
  out.replaceChildren(...parts);
}
