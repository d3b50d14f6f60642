// Upload page wiring: the server previews the chosen file (any supported format); pick the text column or a
// template joining columns, optionally an id column; POST it. Reopened to fix a failed upload (?retry=<id>), the
// form starts from that map's stored file and choices.
import './style.css';
import { createDataset, previewFile, type FilePreview, type ReadOptions } from './api';
import { longTexts, PASSAGE_TOKENS } from './passages';
import { startWarnings } from './uploadchecks';

// Text files past this size are previewed from their first bytes only; binary tables need the whole file.
const PREVIEW_BYTES = 8 * 1024 * 1024;
const SLICEABLE = /\.(csv|tsv|tab|txt|json|jsonl|ndjson)(\.gz)?$/i;
const TABLE_ROWS = 10;

function el<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

const fileInput = el<HTMLInputElement>('file');
const nameInput = el<HTMLInputElement>('name');
const fieldSelect = el<HTMLSelectElement>('text-field');
const fieldWrap = el<HTMLElement>('text-field-wrap');
const templateInput = el<HTMLInputElement>('text-template');
const templateWrap = el<HTMLElement>('text-template-wrap');
const chips = el<HTMLElement>('template-chips');
const modeColumn = el<HTMLInputElement>('text-mode-column');
const modeTemplate = el<HTMLInputElement>('text-mode-template');
const idSelect = el<HTMLSelectElement>('id-field');
const labelSelect = el<HTMLSelectElement>('label-field');
const passagesBox = el<HTMLInputElement>('passages');
const passagesHint = el<HTMLElement>('passages-hint');
const delimiterInput = el<HTMLInputElement>('delimiter');
const quoteInput = el<HTMLInputElement>('quote');
const headerSelect = el<HTMLSelectElement>('has-header');
const badRowsSelect = el<HTMLSelectElement>('bad-rows');
const table = el<HTMLTableElement>('preview');
const startButton = el<HTMLButtonElement>('start');
const errorEl = el<HTMLElement>('upload-error');
const statusEl = document.getElementById('upload-status');
const startWarningsEl = el<HTMLElement>('start-warnings');
const uploadBar = el<HTMLProgressElement>('upload-progress');
const warningsEl = document.getElementById('upload-warnings');

/** A failed map this form fixes (the server's #retry-data): its file is used again unless another is chosen. */
interface Retry {
  id: string;
  name: string;
  filename: string;
  workspace: string;
  text_field: string;
  text_template: string;
  id_field: string;
  label_field: string;
  passage_tokens: number;
  read_options: { delimiter?: string; quote?: string; has_header?: boolean; bad_rows?: string };
}

function readRetry(): Retry | null {
  const node = document.getElementById('retry-data');
  return node?.textContent ? (JSON.parse(node.textContent) as Retry) : null;
}

const retry = readRetry();
const startLabel = startButton.textContent || 'Start';
let file: File | null = null;
let defaultName = '';
let uploading = false;
// The last preview and whether it read only the file's start (a big text file).
let lastPreview: FilePreview | null = null;
let lastPartial = false;

function showError(text: string): void {
  errorEl.textContent = text;
  errorEl.hidden = false;
}

function clearError(): void {
  errorEl.textContent = '';
  errorEl.hidden = true;
}

function usingTemplate(): boolean {
  return modeTemplate.checked;
}

function textChosen(): boolean {
  return usingTemplate() ? templateInput.value.trim() !== '' : fieldSelect.value !== '';
}

function updateStart(): void {
  startButton.disabled = uploading || !(file || retry) || !textChosen();
  showStartWarnings();
}

/** Before Start: a text column of numbers or ids, or a file too small for a map (the user may go on). */
function showStartWarnings(): void {
  const found = lastPreview ? startWarnings(lastPreview, usingTemplate() ? null : fieldSelect.value, lastPartial) : [];
  showLines(startWarningsEl, found);
}

/** Lines of text (messages may quote user data: text, never markup) as paragraphs; hidden when none. */
function showLines(box: HTMLElement, lines: string[]): void {
  box.replaceChildren(
    ...lines.map((line) => {
      const p = document.createElement('p');
      p.textContent = line;
      return p;
    }),
  );
  box.hidden = lines.length === 0;
}

function showMode(): void {
  fieldWrap.hidden = usingTemplate();
  templateWrap.hidden = !usingTemplate();
  updateStart();
}

/** Insert "{column}" at the cursor of the template input (braces in a name cannot be written in a template). */
function insertColumn(name: string): void {
  const slot = `{${name}}`;
  const start = templateInput.selectionStart ?? templateInput.value.length;
  const end = templateInput.selectionEnd ?? start;
  templateInput.value = templateInput.value.slice(0, start) + slot + templateInput.value.slice(end);
  templateInput.focus();
  templateInput.setSelectionRange(start + slot.length, start + slot.length);
  updateStart();
}

function stem(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 ? filename.slice(0, dot) : filename;
}

/** The column that most looks like prose: typed text, then the longest average length over the preview rows. */
function guessTextField(preview: FilePreview): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const column of preview.columns) {
    let total = 0;
    for (const r of preview.rows) {
      const v = r[column.name];
      total += typeof v === 'string' ? v.length : 0;
    }
    const avg = preview.rows.length ? total / preview.rows.length : 0;
    const score = (column.type === 'text' ? 1e9 : 0) + avg;
    if (score > bestScore) {
      bestScore = score;
      best = column.name;
    }
  }
  return best;
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function renderPreview(preview: FilePreview): void {
  const thead = document.createElement('thead');
  const headRow = document.createElement('tr');
  for (const column of preview.columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = column.name;
    const type = document.createElement('small');
    type.className = 'column-type';
    type.textContent = ` ${column.type}`;
    th.append(type);
    headRow.append(th);
  }
  thead.append(headRow);
  const tbody = document.createElement('tbody');
  for (const r of preview.rows.slice(0, TABLE_ROWS)) {
    const tr = document.createElement('tr');
    for (const column of preview.columns) {
      const td = document.createElement('td');
      td.textContent = cellText(r[column.name]);
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
  table.hidden = false;
}

function showWarnings(warnings: string[]): void {
  if (warningsEl) showLines(warningsEl, warnings);
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
  for (const select of [idSelect, labelSelect]) {
    const none = document.createElement('option');
    none.value = '';
    none.textContent = '(none)';
    select.replaceChildren(
      none,
      ...fields.map((f) => {
        const opt = document.createElement('option');
        opt.value = f;
        opt.textContent = f;
        return opt;
      }),
    );
    select.disabled = fields.length === 0;
  }
  chips.replaceChildren(
    ...fields.map((f) => {
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.className = 'chip';
      chip.dataset.column = f;
      chip.textContent = f;
      chip.addEventListener('click', () => insertColumn(f));
      return chip;
    }),
  );
}

function resetPreview(): void {
  lastPreview = null;
  table.replaceChildren();
  table.hidden = true;
  showWarnings([]);
  fillFields([], null);
}

function readOptions(): ReadOptions {
  const header = headerSelect.value;
  return {
    delimiter: delimiterInput.value,
    quote: quoteInput.value,
    hasHeader: header === '1' || header === '0' ? header : '',
    badRows: badRowsSelect.value === 'skip' ? 'skip' : 'abort',
  };
}

/** The columns to preselect once a preview is in: the failed map's choices on a retry, else a guess. */
function applyPreview(result: FilePreview): void {
  renderPreview(result);
  showWarnings(result.warnings);
  const columns = result.columns.map((c) => c.name);
  const kept = (name: string) => (name && columns.includes(name) ? name : null);
  fillFields(columns, (retry && !file ? kept(retry.text_field) : null) ?? guessTextField(result));
  if (retry && !file) {
    idSelect.value = kept(retry.id_field) ?? '';
    labelSelect.value = kept(retry.label_field) ?? '';
  }
  lastPreview = result;
  suggestPassages();
}

async function preview(f: File | null): Promise<void> {
  const partial = f !== null && f.size > PREVIEW_BYTES && SLICEABLE.test(f.name);
  if (statusEl) statusEl.textContent = 'Reading the first rows…';
  try {
    const body = f && partial ? f.slice(0, PREVIEW_BYTES) : f;
    const result = await previewFile(body, f?.name ?? '', partial, readOptions(), retry?.id ?? '');
    if (file !== f) return; // the user picked another file meanwhile
    lastPartial = partial;
    applyPreview(result);
  } catch (e) {
    if (file !== f) return;
    resetPreview();
    showError(e instanceof Error ? e.message : String(e));
  } finally {
    if (file === f && statusEl) statusEl.textContent = '';
    updateStart();
  }
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
    void preview(file);
  } else if (retry) {
    void preview(null); // back to the failed map's stored file
  }
  updateStart();
});

// Another delimiter, quote, header or bad-row choice reads the file differently: preview it again.
for (const input of [delimiterInput, quoteInput, headerSelect, badRowsSelect]) {
  input.addEventListener('change', () => {
    clearError();
    if (file || retry) void preview(file);
  });
}

// Passages are suggested (ticked) for a text column whose preview texts are long, until the user decides.
let passagesChosen = false;

function suggestPassages(): void {
  const long = lastPreview !== null && !usingTemplate() && longTexts(lastPreview, fieldSelect.value);
  passagesHint.hidden = !long;
  if (!passagesChosen) passagesBox.checked = long;
}

passagesBox.addEventListener('change', () => {
  passagesChosen = true;
});
fieldSelect.addEventListener('change', suggestPassages);
fieldSelect.addEventListener('change', updateStart);
templateInput.addEventListener('input', updateStart);
modeColumn.addEventListener('change', showMode);
modeTemplate.addEventListener('change', showMode);
modeColumn.addEventListener('change', suggestPassages);
modeTemplate.addEventListener('change', suggestPassages);
// Enter in the name field would otherwise submit the form as a page navigation.
startButton.form?.addEventListener('submit', (ev) => ev.preventDefault());

startButton.addEventListener('click', async (ev) => {
  ev.preventDefault();
  if (!(file || retry) || !textChosen() || uploading) return;
  clearError();
  uploading = true;
  updateStart();
  startButton.textContent = 'Uploading…';
  startButton.setAttribute('aria-busy', 'true');
  if (statusEl) statusEl.textContent = 'Uploading…';
  try {
    const common = {
      idField: idSelect.value,
      labelField: labelSelect.value,
      passageTokens: passagesBox.checked ? PASSAGE_TOKENS : 0,
    };
    const mapping = usingTemplate()
      ? { textTemplate: templateInput.value.trim(), ...common }
      : { textField: fieldSelect.value, ...common };
    const workspace = (document.getElementById('workspace') as HTMLSelectElement | null)?.value ?? '';
    const fallback = stem(file?.name ?? retry?.filename ?? 'map');
    const name = nameInput.value.trim() || fallback;
    uploadBar.hidden = false;
    uploadBar.removeAttribute('value');
    const created = await createDataset(file, name, mapping, readOptions(), workspace, retry?.id ?? '', (fraction) => {
      uploadBar.value = fraction;
      const percent = Math.floor(fraction * 100);
      if (statusEl) statusEl.textContent = percent < 100 ? `Uploading… ${percent}%` : 'Checking the first rows…';
    });
    location.assign(created.url);
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
    uploadBar.hidden = true;
    uploading = false;
    startButton.textContent = startLabel;
    startButton.removeAttribute('aria-busy');
    if (statusEl) statusEl.textContent = '';
    updateStart();
  }
});

/** A retry starts from the failed map's choices and previews its stored file. */
function startRetry(r: Retry): void {
  nameInput.value = r.name;
  defaultName = stem(r.filename);
  const workspace = document.getElementById('workspace') as HTMLSelectElement | null;
  if (workspace && [...workspace.options].some((o) => o.value === r.workspace)) workspace.value = r.workspace;
  delimiterInput.value = r.read_options.delimiter === '\t' ? 'tab' : (r.read_options.delimiter ?? '');
  quoteInput.value = r.read_options.quote ?? '';
  headerSelect.value = r.read_options.has_header === undefined ? '' : r.read_options.has_header ? '1' : '0';
  badRowsSelect.value = r.read_options.bad_rows === 'skip' ? 'skip' : 'abort';
  if (r.text_template) {
    modeTemplate.checked = true;
    templateInput.value = r.text_template;
  }
  passagesBox.checked = r.passage_tokens > 0;
  passagesChosen = true;
  showMode();
  void preview(null);
}

// Browsers may restore a previously chosen file on back/forward navigation.
showMode();
if (retry) startRetry(retry);
if (fileInput.files?.length) fileInput.dispatchEvent(new Event('change'));
