// Every request the frontend makes to the Django API, with typed responses and one error shape.

export type Stage = 'ingest' | 'embed' | 'layout' | 'topics' | 'index' | 'done';
export type DatasetStatus = 'queued' | 'running' | 'ready' | 'failed' | 'cancelled';

export interface Dataset {
  id: string;
  name: string;
  id_field?: string;
  vector_field?: string;
  columns?: string[];
  status: DatasetStatus;
  progress: {
    stage: Stage;
    done: number;
    total: number;
    /** Seconds the current stage has run; null when no job runs. */
    elapsed_s?: number | null;
    /** Estimated seconds until the job is done; null when unknown. */
    remaining_s?: number | null;
  };
  error: null | { message: string };
  rows: number | null;
  topics: number | null;
  text_field: string;
  label_field: string;
  layout: LayoutParams;
  quality: Quality | null;
}

/** A map's layout and topic parameters; sample_size and min_cluster_size 0 mean "chosen automatically". */
export interface LayoutParams {
  n_neighbors: number;
  min_dist: number;
  metric: 'cosine' | 'euclidean';
  sample_size: number;
  min_cluster_size: number;
}

/** How faithful the map is; the agreement scores only when the dataset has a label column. */
export interface Quality {
  knn_preservation: number;
  trustworthiness: number;
  topics: number;
  noise_share: number;
  nmi_fine?: number;
  ari_fine?: number;
  nmi_broad?: number;
  ari_broad?: number;
  labelled_rows?: number;
  classes?: number;
}

export interface CreatedDataset {
  id: string;
  status: DatasetStatus;
  url: string;
}

export type TopicLevel = 'broad' | 'mid' | 'fine';

export interface Topic {
  id: number;
  label: string;
  /** An editor named it; else its rows' words did. */
  edited: boolean;
  size: number;
  /** The id of the topic one level up; null for broad topics. */
  parent: number | null;
  level: TopicLevel;
  keywords: string[];
  /** Row ids nearest the topic's centre in embedding space. */
  representatives: number[];
  x: number;
  y: number;
}

export type Fields = Record<string, unknown>;

export interface PointDetail {
  id: number;
  /** The row's value in the dataset's id column (point detail only; null without one). */
  key?: string | number | null;
  text: string;
  fields: Fields;
}

/** A passage of a row's text (passage maps): its order in the row and its characters, start to end. */
export interface Passage {
  number: number;
  start: number;
  end: number;
  text: string;
}

export interface SearchResult extends PointDetail {
  score: number;
  /** Passage maps: the row's passage that matched best. */
  passage?: Passage | null;
}

/** Raised for any failed request; `message` is safe to show (as text) to the user. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const BASE = '/api/v1';

/** The share secret of a page opened through a share link (/s/<secret>); null on any other page. */
export function shareSecret(pathname: string): string | null {
  const found = /^\/s\/([^/]+)\/?$/.exec(pathname);
  return found ? decodeURIComponent(found[1]) : null;
}

function csrfToken(): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === 'csrftoken') return decodeURIComponent(rest.join('='));
  }
  return null;
}

// Errors may come from Django (JSON envelope) or from a proxy in front of it (HTML / empty),
// so fall back to the HTTP status rather than trusting the body shape.
async function errorFrom(res: Response): Promise<ApiError> {
  let message = `Request failed (HTTP ${res.status})`;
  try {
    const body: unknown = await res.json();
    const err = (body as { error?: { message?: unknown } } | null)?.error;
    if (err && typeof err.message === 'string' && err.message) message = err.message;
  } catch {
    // Body was not JSON; keep the generic message.
  }
  return new ApiError(message, res.status);
}

export async function request(url: string, init?: RequestInit): Promise<Response> {
  // A share-link page sends its secret with every request: a page framed by another site gets no cookies.
  const secret = typeof window === 'undefined' ? null : shareSecret(window.location.pathname);
  const headers = new Headers(init?.headers);
  if (secret) headers.set('X-Atlas-Share', secret);
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin', ...init, headers });
  } catch (e) {
    throw new ApiError(`Network error: ${e instanceof Error ? e.message : String(e)}`, 0);
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

export async function getJSON<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await request(url, { headers: { Accept: 'application/json' }, ...init });
  return (await res.json()) as T;
}

export const ds = (id: string) => `${BASE}/datasets/${encodeURIComponent(id)}`;

/** What is embedded: one column or a template such as "{title} — {body}"; optionally an id column. */
export interface RowMapping {
  textField?: string;
  textTemplate?: string;
  idField?: string;
  /** A column of known classes: each build scores its topics against it (NMI, ARI). */
  labelField?: string;
  /** Tokens per passage for a passage map (long texts); absent or 0: one vector per row. */
  passageTokens?: number;
}

/** What the user says about a delimited file instead of letting the server sniff it; empty means sniffed. */
export interface ReadOptions {
  delimiter: string;
  quote: string;
  hasHeader: '' | '1' | '0';
  badRows: 'abort' | 'skip';
}

function appendReadOptions(form: FormData, options: ReadOptions): void {
  if (options.delimiter) form.append('delimiter', options.delimiter);
  if (options.quote) form.append('quote', options.quote);
  if (options.hasHeader) form.append('has_header', options.hasHeader);
  form.append('bad_rows', options.badRows);
}

/** `workspace`: the id of a workspace the user may edit; empty means their personal workspace. `retryOf`: the id
 * of a failed map this upload fixes and replaces; without a file, that map's stored file is used again. */
export async function createDataset(
  file: File | null,
  name: string,
  mapping: RowMapping,
  options: ReadOptions,
  workspace = '',
  retryOf = '',
  onProgress?: (fraction: number) => void,
): Promise<CreatedDataset> {
  const form = new FormData();
  appendReadOptions(form, options);
  if (file) form.append('file', file);
  if (retryOf) form.append('retry_of', retryOf);
  form.append('name', name);
  if (workspace) form.append('workspace', workspace);
  if (mapping.textTemplate) form.append('text_template', mapping.textTemplate);
  else form.append('text_field', mapping.textField ?? '');
  if (mapping.idField) form.append('id_field', mapping.idField);
  if (mapping.labelField) form.append('label_field', mapping.labelField);
  if (mapping.passageTokens) form.append('passage_tokens', String(mapping.passageTokens));
  return (await sendForm(`${BASE}/datasets`, form, onProgress)) as CreatedDataset;
}

/** POST a form with XMLHttpRequest, which (unlike fetch) reports how much of the body has gone up. */
function sendForm(url: string, form: FormData, onProgress?: (fraction: number) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    const token = csrfToken();
    if (token) xhr.setRequestHeader('X-CSRFToken', token);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // A proxy's HTML error page: the status says enough.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const err = (body as { error?: { message?: unknown } } | null)?.error;
      const message = err && typeof err.message === 'string' && err.message ? err.message : `Request failed (HTTP ${xhr.status})`;
      reject(new ApiError(message, xhr.status));
    });
    xhr.addEventListener('error', () => reject(new ApiError('Network error: the upload did not reach the server', 0)));
    xhr.send(form);
  });
}

export type ColumnType = 'number' | 'datetime' | 'category' | 'text' | 'url' | 'id';

export interface FilePreview {
  format: string;
  compression: string | null;
  encoding: string | null;
  columns: { name: string; type: ColumnType }[];
  rows: Record<string, unknown>[];
  warnings: string[];
}

/** The server reads the first rows with the same readers as a build; `partial`: `file` is only its start. */
export async function previewFile(
  file: Blob | null,
  filename: string,
  partial: boolean,
  options: ReadOptions,
  retryOf = '',
): Promise<FilePreview> {
  const form = new FormData();
  appendReadOptions(form, options);
  if (file) form.append('file', file, filename);
  else form.append('retry_of', retryOf);
  if (partial) form.append('partial', '1');
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = csrfToken();
  if (token) headers['X-CSRFToken'] = token;
  const res = await request(`${BASE}/previews`, { method: 'POST', body: form, headers });
  return (await res.json()) as FilePreview;
}

/** Lay the map out again from its stored vectors with these parameters; the map is rebuilt in the background. */
export function relayout(id: string, params: Partial<LayoutParams>): Promise<Dataset> {
  return getJSON<Dataset>(`${ds(id)}/relayout`, jsonInit('POST', params));
}

/** Rename a map, or move it to another workspace the caller may edit (editors). */
export async function changeDataset(id: string, changes: { name?: string; workspace?: string }): Promise<Dataset> {
  const res = await request(ds(id), jsonInit('PATCH', changes));
  return (await res.json()) as Dataset;
}

/** Delete a map with everything it holds (editors). */
export async function deleteDataset(id: string): Promise<void> {
  await request(ds(id), jsonInit('DELETE', {}));
}

export function getDataset(id: string): Promise<Dataset> {
  // The status changes under us while polling; never let a cache answer.
  return getJSON<Dataset>(ds(id), { cache: 'no-store' });
}

/** Raw Arrow IPC stream bytes; parsing lives with the caller so this module stays dependency-free. */
/** The points payload; `onBytes` hears how many bytes have arrived so far, as they arrive. */
export async function getPointsArrow(id: string, onBytes?: (received: number) => void): Promise<ArrayBuffer> {
  const res = await request(`${ds(id)}/points`, { headers: { Accept: 'application/vnd.apache.arrow.stream' } });
  if (!onBytes || !res.body) return res.arrayBuffer();
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    onBytes(received);
  }
  const out = new Uint8Array(received);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out.buffer;
}

export function getTopics(id: string): Promise<Topic[]> {
  return getJSON<Topic[]>(`${ds(id)}/topics`);
}

export function getPoint(id: string, rowId: number): Promise<PointDetail> {
  return getJSON<PointDetail>(`${ds(id)}/points/${rowId}`);
}

export async function neighbors(id: string, rowId: number, k = 10): Promise<SearchResult[]> {
  const body = await getJSON<{ results: SearchResult[] }>(`${ds(id)}/points/${rowId}/neighbors?k=${k}`);
  return body.results;
}

/** similar: the rows like one row (q is its id); hybrid: meaning and keywords, their ranks fused. */
export type SearchMode = 'semantic' | 'keyword' | 'hybrid' | 'similar';

export interface SearchParams {
  mode: SearchMode;
  /** The query text (semantic, keyword, hybrid) or the row id (similar). */
  q: string;
  k: number;
  threshold: number | null;
}

export type FilterOp = '=' | '!=' | 'in' | '<' | '<=' | '>' | '>=' | 'between' | 'contains';
export type FilterScalar = string | number | boolean | null;

/** A query filter as POST /query reads it (maps/filters.py): a column comparison, a topic of any level, a tag,
 * row ids, or all / any of filters. */
export type QueryFilter =
  | { column: string; op: FilterOp; value: FilterScalar | FilterScalar[] }
  | { topic: number }
  | { tag: number }
  | { rows: number[] }
  | { text_length: [number | null, number | null] }
  | { and: QueryFilter[] }
  | { or: QueryFilter[] };

/** The body of POST /query: exactly one of query, row (and vector, which the page never sends). */
interface QueryBody {
  query?: string;
  row?: number;
  k: number;
  mode: 'semantic' | 'keyword' | 'hybrid';
  threshold?: number;
  filters?: QueryFilter;
}

/** The ranked hits of a search, kept to the rows that pass `filters` (all rows when undefined). */
export async function search(id: string, p: SearchParams, filters?: QueryFilter, signal?: AbortSignal): Promise<SearchResult[]> {
  // similar is the row form of a semantic query.
  const body: QueryBody = p.mode === 'similar' ? { row: Number(p.q), k: p.k, mode: 'semantic' } : { query: p.q, k: p.k, mode: p.mode };
  if (p.threshold !== null) body.threshold = p.threshold;
  if (filters) body.filters = filters;
  const res = await request(`${ds(id)}/query`, { ...jsonInit('POST', body), signal });
  return ((await res.json()) as { results: SearchResult[] }).results;
}

export function jsonInit(method: string, body: unknown): RequestInit {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  const token = csrfToken();
  if (token) headers['X-CSRFToken'] = token;
  return { method, headers, body: JSON.stringify(body) };
}

export interface Tag {
  id: number;
  name: string;
  colour: string;
  count: number;
}

export async function getTags(id: string): Promise<Tag[]> {
  return (await getJSON<{ tags: Tag[] }>(`${ds(id)}/tags`, { cache: 'no-store' })).tags;
}

export async function createTag(id: string, name: string, colour: string): Promise<Tag> {
  const res = await request(`${ds(id)}/tags`, jsonInit('POST', { name, colour }));
  return (await res.json()) as Tag;
}

export async function deleteTag(id: string, tagId: number): Promise<void> {
  await request(`${ds(id)}/tags/${tagId}`, jsonInit('DELETE', {}));
}

export async function getTagRows(id: string, tagId: number): Promise<number[]> {
  return (await getJSON<{ rows: number[] }>(`${ds(id)}/tags/${tagId}/rows`, { cache: 'no-store' })).rows;
}

/** Tags (add) or untags (remove) rows; resolves with how many rows changed. */
export async function setTagRows(id: string, tagId: number, rows: number[], add: boolean): Promise<number> {
  const res = await request(`${ds(id)}/tags/${tagId}/rows`, jsonInit(add ? 'POST' : 'DELETE', { rows }));
  const body = (await res.json()) as { added?: number; removed?: number };
  return (add ? body.added : body.removed) ?? 0;
}

export interface NewShareLink {
  id: string;
  /** The link itself, shown only once; a view's query string added to it opens that view. */
  url: string;
}

/** A new view-only link to the map (editors only). */
export async function createShareLink(id: string, label: string): Promise<NewShareLink> {
  const res = await request(`${ds(id)}/share-links`, jsonInit('POST', { label }));
  return (await res.json()) as NewShareLink;
}

/** One row of the linked table. */
export interface TableRow {
  id: number;
  key: unknown;
  text: string;
  topic: number | null;
  fields: Fields;
}

/** A page of the map's rows (or of `rows`, the lit ones), sorted by a column, row_id, text or topic. */
export async function tablePage(
  id: string,
  rows: number[] | null,
  sort: string,
  descending: boolean,
  offset: number,
  limit: number,
): Promise<{ total: number; rows: TableRow[] }> {
  const res = await request(`${ds(id)}/table`, jsonInit('POST', { rows, sort, descending, offset, limit }));
  return (await res.json()) as { total: number; rows: TableRow[] };
}

export type ExportFormat = 'csv' | 'parquet';

export interface ExportedFile {
  blob: Blob;
  filename: string;
  /** For a CSV meant for a spreadsheet: how many cells got a leading apostrophe; null otherwise. */
  neutralised: number | null;
}

/** The rows as a file, with the name the server suggests; `spreadsheet` (CSV only) neutralises formulas. */
export async function exportRows(id: string, rows: number[], format: ExportFormat, spreadsheet = false): Promise<ExportedFile> {
  const res = await request(`${ds(id)}/export`, jsonInit('POST', { rows, format, spreadsheet }));
  const found = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '');
  const neutralised = res.headers.get('X-Atlas-Neutralised-Cells');
  return {
    blob: await res.blob(),
    filename: found ? found[1] : `export.${format}`,
    neutralised: neutralised === null ? null : Number(neutralised),
  };
}

export type ColumnKind = 'number' | 'date' | 'category' | 'text';

export interface ColumnSummary {
  name: string;
  kind: ColumnKind;
  distinct: number;
}

export function getColumns(id: string): Promise<ColumnSummary[]> {
  return getJSON<ColumnSummary[]>(`${ds(id)}/columns`);
}

async function getArrow(url: string): Promise<ArrayBuffer> {
  const res = await request(url, { headers: { Accept: 'application/vnd.apache.arrow.stream' } });
  return res.arrayBuffer();
}

/** One column's values for every point, in the /points order, as Arrow IPC stream bytes. */
export function getColumnArrow(id: string, name: string): Promise<ArrayBuffer> {
  return getArrow(`${ds(id)}/columns/${encodeURIComponent(name)}`);
}

/** Which of a column's most frequent values each point holds (null: none of them), in the /points order. */
export function getColumnTopArrow(id: string, name: string): Promise<ArrayBuffer> {
  return getArrow(`${ds(id)}/columns/${encodeURIComponent(name)}/top`);
}

/** Each point's outlier score (null on maps laid out before scores existed), in the /points order. */
export function getOutliersArrow(id: string): Promise<ArrayBuffer> {
  return getArrow(`${ds(id)}/outliers`);
}

/** Each row's duplicate group at `threshold` ("1. <text>", largest first), null outside every group. */
export function getDuplicateRowsArrow(id: string, threshold: number): Promise<ArrayBuffer> {
  return getArrow(`${ds(id)}/duplicates/rows?threshold=${encodeURIComponent(String(threshold))}`);
}

/** How many characters long each point's text is, in the /points order. */
export function getTextLengthsArrow(id: string): Promise<ArrayBuffer> {
  return getArrow(`${ds(id)}/text-lengths`);
}
