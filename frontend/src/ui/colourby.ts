// The "Colour by" select: topic first, then every column; text columns are listed but not choosable.
import type { ColumnSummary } from '../api';

export function createColourBy(
  select: HTMLSelectElement,
  columns: ColumnSummary[],
  /** Choices that are not columns (such as tags), listed after topic. */
  extra: { value: string; label: string }[],
  onChange: (column: string | null) => void,
): { set(column: string | null): void } {
  const topic = document.createElement('option');
  topic.value = '';
  topic.textContent = 'Topic';
  const options = [topic];
  for (const e of extra) {
    const o = document.createElement('option');
    o.value = e.value;
    o.textContent = e.label;
    options.push(o);
  }
  for (const c of columns) {
    const o = document.createElement('option');
    o.value = c.name;
    // Column names are user data; textContent keeps them text.
    // A text column has a value per row: too many to colour by. Say so rather than offer a dead entry.
    o.textContent =
      c.kind === 'text' ? `${c.name} (text, ${c.distinct} values: search it instead)` : `${c.name} (${c.kind})`;
    o.disabled = c.kind === 'text';
    if (o.disabled) o.title = 'Too many different values to colour by; search this column or use the table.';
    options.push(o);
  }
  select.replaceChildren(...options);
  select.addEventListener('change', () => onChange(select.value || null));
  return {
    set(column) {
      select.value = column ?? '';
    },
  };
}
