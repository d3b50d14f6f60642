// Builders shared by the unit tests: Arrow IPC streams like the API sends, and point data parsed from them.
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { parsePoints } from '../src/points';
import type { PointData } from '../src/points';

/** The bytes of `table` as an Arrow IPC stream, in an ArrayBuffer of their own (as fetch gives them). */
export function ipc(table: Table): ArrayBuffer {
  const bytes = tableToIPC(table, 'stream');
  return bytes.slice().buffer as ArrayBuffer;
}

export interface Rows {
  id: ArrayLike<number>;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  topic: ArrayLike<number>;
}

/** A /points stream of these rows. */
export function pointsStream(rows: Rows): ArrayBuffer {
  return ipc(
    tableFromArrays({
      id: Int32Array.from(rows.id),
      x: Float32Array.from(rows.x),
      y: Float32Array.from(rows.y),
      topic: Int32Array.from(rows.topic),
    }),
  );
}

/** Point data for points at `xy` (ids 100, 101, ... and topic 0 unless given), parsed as the map parses it. */
export function makePoints(xy: [number, number][], topics?: number[], ids?: number[]): PointData {
  return parsePoints(
    pointsStream({
      id: ids ?? xy.map((_, i) => 100 + i),
      x: xy.map((p) => p[0]),
      y: xy.map((p) => p[1]),
      topic: topics ?? xy.map(() => 0),
    }),
  );
}
