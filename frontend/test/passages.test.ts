import { describe, expect, it } from 'vitest';

import { LONG_TEXT_CHARS, longTexts } from '../src/passages';

describe('longTexts', () => {
  it('suggests passages when the column averages over the model window', () => {
    const rows = [{ body: 'x'.repeat(LONG_TEXT_CHARS * 2), name: 'a' }, { body: 'short', name: 'b' }];
    expect(longTexts({ rows }, 'body')).toBe(true);
    expect(longTexts({ rows }, 'name')).toBe(false);
  });

  it('does not suggest passages for short texts, non-text values or no rows', () => {
    expect(longTexts({ rows: [{ body: 'x'.repeat(LONG_TEXT_CHARS) }] }, 'body')).toBe(false);
    expect(longTexts({ rows: [{ body: 12345 }, { body: null }] }, 'body')).toBe(false);
    expect(longTexts({ rows: [] }, 'body')).toBe(false);
  });
});
