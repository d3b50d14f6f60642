import { describe, expect, it } from 'vitest';
import type { FilePreview } from '../src/api';
import { startWarnings } from '../src/uploadchecks';

function preview(columns: FilePreview['columns'], rows: Record<string, unknown>[]): FilePreview {
  return { format: 'csv', compression: null, encoding: 'utf-8', columns, rows, warnings: [] };
}

const many = (f: (i: number) => Record<string, unknown>) => Array.from({ length: 50 }, (_, i) => f(i));

describe('startWarnings', () => {
  it('warns when the text column holds only numbers, typed or written as text', () => {
    const typed = preview([{ name: 'n', type: 'number' }], many((i) => ({ n: i })));
    expect(startWarnings(typed, 'n', false)[0]).toContain('“n” holds only numbers');
    const written = preview([{ name: 'price', type: 'category' }], many((i) => ({ price: `${i}.5` })));
    expect(startWarnings(written, 'price', false)[0]).toContain('holds only numbers');
  });

  it('warns when the text column looks like ids', () => {
    const ids = preview([{ name: 'sku', type: 'id' }], many((i) => ({ sku: `A-${i}` })));
    expect(startWarnings(ids, 'sku', false)[0]).toContain('looks like ids');
  });

  it('warns about a file too small for a map, only when the preview saw all of it', () => {
    const small = preview([{ name: 't', type: 'text' }], [{ t: 'one text' }, { t: 'two texts' }, { t: 'three' }]);
    expect(startWarnings(small, 't', false)).toEqual([expect.stringContaining('only 3 rows')]);
    expect(startWarnings(small, 't', true)).toEqual([]);
  });

  it('says nothing about a text column of a big enough file, or a template', () => {
    const fine = preview([{ name: 't', type: 'text' }], many((i) => ({ t: `words about thing ${i}` })));
    expect(startWarnings(fine, 't', false)).toEqual([]);
    const numbers = preview([{ name: 'n', type: 'number' }], many((i) => ({ n: i })));
    expect(startWarnings(numbers, null, false)).toEqual([]);
  });
});
