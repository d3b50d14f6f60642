// One classification as the Classify panel lists it: what it learned from, how it scored, its classes, and (once
// ready) what to do with its predictions. All names are user data: text, never markup.
import type { Classification } from '../classifyapi';

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

/** What it learned from: the label column, or the tags by name. */
export function source(c: Classification, tagNames: Map<number, string>): string {
  if (c.label_field !== null) return `the column ${c.label_field}`;
  return `the tags ${(c.tags ?? []).map((t) => tagNames.get(t) ?? `#${t}`).join(', ')}`;
}

/** The lines that describe it, in order: its state, its score, its classes, its warnings. */
export function describe(c: Classification, tagNames: Map<number, string>): string[] {
  const from = source(c, tagNames);
  if (c.status === 'queued' || c.status === 'running') return [`Learning ${from}…`];
  if (c.status === 'failed') return [`Learning ${from} failed: ${c.error ?? 'no reason given'}`];
  const lines = [`${c.column}: learned from ${from}.`];
  if (c.cv) {
    lines.push(
      `Cross-validated on ${c.cv.rows.toLocaleString()} labelled rows (${c.cv.folds} folds): ` +
        `accuracy ${percent(c.cv.accuracy)}, macro-F1 ${c.cv.macro_f1.toFixed(3)}.`,
    );
  }
  const classes = Object.entries(c.classes).map(([label, n]) => `${label} ${n.toLocaleString()}`);
  lines.push(`Classes: ${classes.join(' · ')}.`);
  lines.push(...c.warnings);
  lines.push(`Predicted ${(c.predicted ?? 0).toLocaleString()} rows into ${c.column}, with ${c.confidence_column}.`);
  return lines;
}

export interface ItemActions {
  colour(c: Classification): void;
  tag(c: Classification, minConfidence: number, button: HTMLButtonElement): void;
  remove(c: Classification, button: HTMLButtonElement): void;
}

export function classificationItem(c: Classification, tagNames: Map<number, string>, editable: boolean, act: ItemActions): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'cls-item';
  li.dataset.status = c.status;
  li.dataset.column = c.column;
  for (const line of describe(c, tagNames)) {
    const p = document.createElement('p');
    p.textContent = line;
    li.append(p);
  }
  if (c.status !== 'ready' && c.status !== 'failed') return li;
  const row = document.createElement('div');
  row.className = 'tool-row';
  if (c.status === 'ready') {
    const colour = document.createElement('button');
    colour.type = 'button';
    colour.className = 'cls-colour';
    colour.textContent = 'Colour by the predictions';
    colour.addEventListener('click', () => act.colour(c));
    row.append(colour);
  }
  if (editable && c.status === 'ready') {
    const label = document.createElement('label');
    label.textContent = 'Confidence at least ';
    const input = document.createElement('input');
    input.type = 'number';
    input.className = 'cls-confidence';
    input.min = '0';
    input.max = '1';
    input.step = '0.05';
    input.value = '0.9';
    input.setAttribute('aria-label', 'Lowest confidence to tag');
    label.append(input);
    const tag = document.createElement('button');
    tag.type = 'button';
    tag.className = 'cls-tag';
    tag.textContent = 'Tag the predictions';
    tag.addEventListener('click', () => act.tag(c, Number(input.value), tag));
    row.append(label, tag);
  }
  if (editable) {
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'cls-remove';
    remove.textContent = 'Remove';
    remove.title = `Remove ${c.column} and ${c.confidence_column} from every row`;
    remove.addEventListener('click', () => act.remove(c, remove));
    row.append(remove);
  }
  li.append(row);
  return li;
}
