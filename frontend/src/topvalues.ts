// A column's most frequent values (GET .../columns/<name>/top): which of them each point holds, for the charts'
// top values of a text column, whose every value would be far too many to load.
import { tableFromIPC } from 'apache-arrow';

/** Code of a point that holds none of the top values. */
export const NONE = 255;

export interface TopValues {
  /** The values, in the order the points first hold them. */
  values: string[];
  /** Per point (the /points order): the index of its value in `values`, or NONE. */
  codes: Uint8Array;
  /** Per value, how many points hold it. */
  totals: number[];
}

export function topValues(column: string, buffer: ArrayBuffer, length: number, order: Uint32Array | null): TopValues {
  const vector = tableFromIPC(new Uint8Array(buffer)).getChild('value');
  if (!vector) throw new Error(`the top values of column "${column}" have no "value" field`);
  if (vector.length !== length) throw new Error(`column "${column}" has ${vector.length} top-value codes for ${length} points`);
  const values: string[] = [];
  const totals: number[] = [];
  const index = new Map<string, number>();
  const codes = new Uint8Array(length).fill(NONE);
  for (let i = 0; i < length; i++) {
    const v = vector.get(order ? order[i] : i) as string | null;
    if (v === null) continue;
    let code = index.get(v);
    if (code === undefined) {
      code = values.length;
      index.set(v, code);
      values.push(v);
      totals.push(0);
    }
    codes[i] = code;
    totals[code]++;
  }
  return { values, codes, totals };
}
