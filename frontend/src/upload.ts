// Upload page wiring: preview the chosen CSV locally, pick the text column, then POST it.
import './style.css';
import Papa from 'papaparse';
import { createDataset } from './api';

// Enough bytes for 50 preview rows of typical text; avoids reading a multi-GB file into memory.
const PREVIEW_BYTES = 1024 * 1024;
const PREVIEW_ROWS = 50;
const TABLE_ROWS = 10;

function el<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

const fileInput = el<HTMLInputElement>('file');
const nameInput = el<HTMLInputElement>('name');
const fieldSelect = el<HTMLSelectElement>('text-field');
const table = el<HTMLTableElement>('preview');
const startButton = el<HTMLButtonElement>('start');
const errorEl = el<HTMLElement>('upload-error');
const statusEl = document.getElementById('upload-status');

const startLabel = startButton.textContent || 'Start';
let file: File | null = null;
let defaultName = '';
let uploading = false;

function showError(text: string): void {
  errorEl.textContent = text;
  errorEl.hidden = false;
}

function clearError(): void {
  errorEl.textContent = '';
  errorEl.hidden = true;
}

function updateStart(): void {
  startButton.disabled = uploading || !file || !fieldSelect.value;
}

function stem(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 ? filename.slice(0, dot) : filename;
}

/** The column that most looks like prose: longest average text length over the preview rows. */
function guessTextField(fields: string[], rows: Record<string, unknown>[]): string | null {
  let best: string | null = null;
  let bestAvg = -1;
  for (const f of fields) {
    let total = 0;
    for (const r of rows) {
      const v = r[f];
      total += typeof v === 'string' ? v.length : 0;
    }
    const avg = rows.length ? total / rows.length : 0;
    if (avg > bestAvg) {
      bestAvg = avg;
      best = f;
    }
  }
  return best;
}

function renderPreview(fields: string[], rows: Record<string, unknown>[]): void {
  const thead = document.createElement('thead');
  const headRow = document.createElement('tr');
  for (const f of fields) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = f;
    headRow.append(th);
  }
  thead.append(headRow);
  const tbody = document.createElement('tbody');
  for (const r of rows.slice(0, TABLE_ROWS)) {
    const tr = document.createElement('tr');
    for (const f of fields) {
      const td = document.createElement('td');
      const v = r[f];
      td.textContent = v === undefined || v === null ? '' : String(v);
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
  table.hidden = false;
}

function fillFields(fields: string[], preselect: string | null): void {
  fieldSelect.replaceChildren(
    ...fields.map((f) => {
      const opt = document.createElement('option');
      opt.value = f;
      opt.textContent = f;
      return opt;
    }),
  );
  if (preselect !== null) fieldSelect.value = preselect;
  fieldSelect.disabled = fields.length === 0;
}

function resetPreview(): void {
  table.replaceChildren();
  table.hidden = true;
  fillFields([], null);
}

function preview(f: File): void {
  const truncated = f.size > PREVIEW_BYTES;
  // Papa's typings want a File; wrapping the slice keeps the name and avoids reading the whole upload.
  const head = truncated ? new File([f.slice(0, PREVIEW_BYTES)], f.name, { type: f.type }) : f;
  Papa.parse<Record<string, unknown>>(head, {
    header: true,
    preview: PREVIEW_ROWS,
    skipEmptyLines: 'greedy',
    complete: (result) => {
      if (file !== f) return; // the user picked another file meanwhile
      const fields = (result.meta.fields ?? []).filter((x) => x !== '');
      let rows = result.data;
      // The byte cut can split the last row; drop it unless Papa stopped at the row limit first.
      if (truncated && rows.length < PREVIEW_ROWS && rows.length > 0) rows = rows.slice(0, -1);
      if (fields.length === 0) {
        resetPreview();
        showError('Could not find a header row in this file.');
      } else {
        renderPreview(fields, rows);
        fillFields(fields, guessTextField(fields, rows));
      }
      updateStart();
    },
    error: (err) => {
      if (file !== f) return;
      resetPreview();
      showError(`Could not read the file: ${err.message}`);
      updateStart();
    },
  });
}

fileInput.addEventListener('change', () => {
  clearError();
  file = fileInput.files?.[0] ?? null;
  resetPreview();
  if (file) {
    // Only overwrite the name if the user hasn't typed their own.
    const current = nameInput.value.trim();
    if (current === '' || current === defaultName) nameInput.value = stem(file.name);
    defaultName = stem(file.name);
    preview(file);
  }
  updateStart();
});

fieldSelect.addEventListener('change', updateStart);
// Enter in the name field would otherwise submit the form as a page navigation.
startButton.form?.addEventListener('submit', (ev) => ev.preventDefault());

startButton.addEventListener('click', async (ev) => {
  ev.preventDefault();
  if (!file || !fieldSelect.value || uploading) return;
  clearError();
  uploading = true;
  updateStart();
  startButton.textContent = 'Uploading…';
  startButton.setAttribute('aria-busy', 'true');
  if (statusEl) statusEl.textContent = 'Uploading…';
  try {
    const created = await createDataset(file, nameInput.value.trim() || stem(file.name), fieldSelect.value);
    location.assign(created.url);
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
    uploading = false;
    startButton.textContent = startLabel;
    startButton.removeAttribute('aria-busy');
    if (statusEl) statusEl.textContent = '';
    updateStart();
  }
});

// Browsers may restore a previously chosen file on back/forward navigation.
if (fileInput.files?.length) fileInput.dispatchEvent(new Event('change'));
else updateStart();
