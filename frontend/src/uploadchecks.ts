// What the upload page warns about before Start: a text column that holds no text, and a file too small for a
// map. Warnings, not refusals: the user may start anyway.
import type { FilePreview } from './api';

/** The preview holds at most this many rows: fewer means it saw the whole file. */
export const PREVIEW_ROWS = 50;
/** Below this many rows, a layout and its topics say little. */
export const FEW_ROWS = 30;

function looksNumeric(value: unknown): boolean {
  if (typeof value === 'number') return true;
  return typeof value === 'string' && /^\s*[-+]?(\d+[.,]?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value);
}

/** The warnings for this preview and choice of text (`textField` null when a template joins columns). */
export function startWarnings(preview: FilePreview, textField: string | null, partial: boolean): string[] {
  const out: string[] = [];
  if (textField !== null) {
    const column = preview.columns.find((c) => c.name === textField);
    const values = preview.rows.map((r) => r[textField]).filter((v) => v !== null && v !== undefined && v !== '');
    const numbers = column?.type === 'number' || (values.length > 0 && values.every(looksNumeric));
    if (numbers) {
      out.push(
        `The column “${textField}” holds only numbers: embedded as text they make a map of digits, not of ` +
          'meaning. Pick a column of text, or a template joining columns.',
      );
    } else if (column?.type === 'id') {
      out.push(
        `The column “${textField}” looks like ids (short, all different): a map of ids says little. Pick a ` +
          'column of text, or use it as the id column.',
      );
    }
  }
  const rows = preview.rows.length;
  if (!partial && rows < PREVIEW_ROWS && rows < FEW_ROWS) {
    out.push(
      `The file has only ${rows} row${rows === 1 ? '' : 's'}: a map shows groups among many rows, and with ` +
        `fewer than ${FEW_ROWS} its layout and topics say little.`,
    );
  }
  return out;
}
