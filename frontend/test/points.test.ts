import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { drawOrder, MOVING_BUDGET } from '../src/lod';
import { parsePoints } from '../src/points';
import { ipc, pointsStream } from './fixtures';

describe('parsePoints', () => {
  it('reads ids, interleaved positions, topics and bounds in stream order for a small map', () => {
    const p = parsePoints(pointsStream({ id: [7, 3, 9], x: [1, -2, 4], y: [0.5, 3, -1], topic: [2, 0, 2] }));
    expect(p.length).toBe(3);
    expect(p.order).toBeNull();
    expect(Array.from(p.ids)).toEqual([7, 3, 9]);
    expect(Array.from(p.positions)).toEqual([1, 0.5, -2, 3, 4, -1]);
    expect(Array.from(p.topics)).toEqual([2, 0, 2]);
    expect(p.bounds).toEqual({ minX: -2, minY: -1, maxX: 4, maxY: 3 });
    expect([...p.idToIndex]).toEqual([
      [7, 0],
      [3, 1],
      [9, 2],
    ]);
  });

  it('allocates the colour buffer once, shows every point, and hands deck.gl the positions by identity', () => {
    const p = parsePoints(pointsStream({ id: [1, 2], x: [0, 1], y: [0, 1], topic: [0, 0] }));
    expect(p.colours).toEqual(new Uint8Array(8));
    expect(Array.from(p.shown)).toEqual([1, 1]);
    expect(p.binary.length).toBe(2);
    expect(p.binary.attributes.getPosition.size).toBe(2);
    expect(p.binary.attributes.getPosition.value).toBe(p.positions);
  });

  it('gives an empty map zero bounds', () => {
    const p = parsePoints(pointsStream({ id: [], x: [], y: [], topic: [] }));
    expect(p.length).toBe(0);
    expect(p.bounds).toEqual({ minX: 0, minY: 0, maxX: 0, maxY: 0 });
  });

  it('keeps a map of exactly the moving budget in stream order', () => {
    const n = MOVING_BUDGET;
    const ids = Array.from({ length: n }, (_, i) => i);
    expect(parsePoints(pointsStream({ id: ids, x: ids, y: ids, topic: ids })).order).toBeNull();
  });

  it('holds a map bigger than the moving budget in the shuffled draw order', () => {
    const n = MOVING_BUDGET + 17;
    const rows = Array.from({ length: n }, (_, i) => i);
    const p = parsePoints(
      pointsStream({ id: rows.map((i) => 1000 + i), x: rows, y: rows.map((i) => 2 * i), topic: rows.map((i) => i % 5) }),
    );
    const order = drawOrder(n);
    expect(Array.from(p.order ?? [])).toEqual(Array.from(order));
    for (const i of [0, 1, 2, 12345, n - 1]) {
      const row = order[i];
      expect(p.ids[i]).toBe(1000 + row);
      expect([p.positions[i * 2], p.positions[i * 2 + 1]]).toEqual([row, 2 * row]);
      expect(p.topics[i]).toBe(row % 5);
      expect(p.idToIndex.get(1000 + row)).toBe(i);
    }
    expect(p.bounds).toEqual({ minX: 0, minY: 0, maxX: n - 1, maxY: 2 * (n - 1) });
  });

  it('names the column a stream lacks', () => {
    const stream = ipc(tableFromArrays({ id: Int32Array.from([1]), x: Float32Array.from([0]), y: Float32Array.from([0]) }));
    expect(() => parsePoints(stream)).toThrow('points data is missing the "topic" column');
  });
});
