// Turns the /points Arrow stream into the GPU-ready buffers the map draws from, once per page load.
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { drawOrder, MOVING_BUDGET } from './lod';

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface PointData {
  length: number;
  /**
   * The /points row (and /columns row) of each point index, or null where they are the same. A map bigger than
   * the moving budget is held in a shuffled order (lod.ts), so the first MOVING_BUDGET points are a uniform
   * sample to draw while the camera moves; every per-point array here and in the explorer follows this order.
   */
  order: Uint32Array | null;
  /** Row id per index (the API speaks row ids; deck.gl picking speaks indices). */
  ids: Int32Array;
  idToIndex: Map<number, number>;
  /** Interleaved x,y. */
  positions: Float32Array;
  /** Fine topic id per point. */
  topics: Int32Array;
  /**
   * RGBA per point, allocated once and refilled in place by colour-by and filters; deck.gl reads it
   * through the getFillColor accessor when its updateTrigger changes.
   */
  colours: Uint8Array;
  /** 1 where the filters (legend, topic, ranges) leave the point shown, the selection aside; refilled with the colours. */
  shown: Uint8Array;
  bounds: Bounds;
  /**
   * deck.gl binary data object. Created once and passed by identity on every render so
   * deck.gl never re-uploads the positions (hover, search, colour must not touch them).
   */
  binary: {
    length: number;
    attributes: {
      getPosition: { value: Float32Array; size: 2 };
    };
  };
}

function column(table: Table, name: string) {
  const col = table.getChild(name);
  if (!col) throw new Error(`points data is missing the "${name}" column`);
  // toArray() returns the underlying typed array for single-batch columns and concatenates otherwise.
  return col.toArray() as ArrayLike<number>;
}

export function parsePoints(buffer: ArrayBuffer): PointData {
  const table = tableFromIPC(new Uint8Array(buffer));
  const n = table.numRows;
  const streamIds = column(table, 'id');
  const xs = column(table, 'x');
  const ys = column(table, 'y');
  const streamTopics = column(table, 'topic');
  const order = n > MOVING_BUDGET ? drawOrder(n) : null;

  const ids = new Int32Array(n);
  const topics = new Int32Array(n);
  const positions = new Float32Array(n * 2);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const row = order ? order[i] : i;
    ids[i] = streamIds[row];
    topics[i] = streamTopics[row];
    const x = xs[row];
    const y = ys[row];
    positions[i * 2] = x;
    positions[i * 2 + 1] = y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (n === 0) minX = minY = maxX = maxY = 0;

  // Ids are probably 0..N-1 in order, but the contract doesn't promise it.
  const idToIndex = new Map<number, number>();
  for (let i = 0; i < n; i++) idToIndex.set(ids[i], i);

  return {
    length: n,
    order,
    ids,
    idToIndex,
    positions,
    topics,
    colours: new Uint8Array(n * 4),
    shown: new Uint8Array(n).fill(1),
    bounds: { minX, minY, maxX, maxY },
    binary: {
      length: n,
      attributes: {
        getPosition: { value: positions, size: 2 },
      },
    },
  };
}
