import { Dictionary, Int8, Utf8, vectorFromArray, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { NONE, topValues } from '../src/topvalues';
import { ipc } from './fixtures';

function stream(values: (string | null)[]): ArrayBuffer {
  return ipc(new Table({ value: vectorFromArray(values, new Dictionary(new Utf8(), new Int8())) }));
}

describe('topValues reads which of a column\'s most frequent values each point holds', () => {
  it('codes each point by its value, NONE for the rest, with each value\'s total', () => {
    const t = topValues('summary', stream(['a', null, 'b', 'a', null]), 5, null);
    expect(t.values).toEqual(['a', 'b']);
    expect([...t.codes]).toEqual([0, NONE, 1, 0, NONE]);
    expect(t.totals).toEqual([2, 1]);
  });

  it('follows the points\' order when the /points payload reorders rows', () => {
    const t = topValues('summary', stream(['a', 'b', null]), 3, Uint32Array.from([2, 0, 1]));
    expect([...t.codes]).toEqual([NONE, 0, 1]);
  });

  it('refuses a payload of another length', () => {
    expect(() => topValues('summary', stream(['a']), 2, null)).toThrow('1 top-value codes for 2 points');
  });
});
