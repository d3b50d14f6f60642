// Whether a map of this column should be cut into passages: its texts are longer than the model reads whole.

import type { FilePreview } from './api';

/** About 256 tokens of English, the default model's window: texts longer than this lose their tails. */
export const LONG_TEXT_CHARS = 1000;
/** Tokens per passage asked for when the user picks passages: the model's window caps it on the server. */
export const PASSAGE_TOKENS = 256;

/** True when the column's texts in the preview rows average over LONG_TEXT_CHARS characters. */
export function longTexts(preview: Pick<FilePreview, 'rows'>, column: string): boolean {
  const lengths = preview.rows.map((row) => {
    const value = row[column];
    return typeof value === 'string' ? value.length : 0;
  });
  if (lengths.length === 0) return false;
  return lengths.reduce((a, b) => a + b, 0) / lengths.length > LONG_TEXT_CHARS;
}
