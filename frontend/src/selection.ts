// Which points a box or a lasso holds, by their x/y in data space, straight from the point buffers.
import type { PointData } from './points';

/** A closed polygon in data space, as [x, y] corners (the last joins the first). */
export type Polygon = [number, number][];

function inside(poly: Polygon, x: number, y: number): boolean {
  // Even-odd ray casting: count edges a ray to the right of (x, y) crosses.
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** Indices (ascending) of the points inside the polygon; with `shown`, only those it marks 1. */
export function pointsInPolygon(points: PointData, poly: Polygon, shown?: Uint8Array): Int32Array {
  if (poly.length < 3) return new Int32Array(0);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of poly) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const out: number[] = [];
  const p = points.positions;
  // The bounding box rejects most points with four comparisons before the edge walk.
  for (let i = 0; i < points.length; i++) {
    const x = p[i * 2];
    const y = p[i * 2 + 1];
    if (x < minX || x > maxX || y < minY || y > maxY) continue;
    if (shown && !shown[i]) continue;
    if (inside(poly, x, y)) out.push(i);
  }
  return Int32Array.from(out);
}

/** The four corners of the box spanned by two opposite corners. */
export function boxPolygon(a: [number, number], b: [number, number]): Polygon {
  return [
    [a[0], a[1]],
    [b[0], a[1]],
    [b[0], b[1]],
    [a[0], b[1]],
  ];
}

export interface TopicCount {
  topic: number;
  count: number;
}

/** Fine topics of the selected points, most frequent first. */
export function topTopics(points: PointData, indices: Int32Array, limit: number): TopicCount[] {
  const counts = new Map<number, number>();
  for (const i of indices) counts.set(points.topics[i], (counts.get(points.topics[i]) ?? 0) + 1);
  return [...counts.entries()]
    .map(([topic, count]) => ({ topic, count }))
    .sort((a, b) => b.count - a.count || a.topic - b.topic)
    .slice(0, limit);
}

/** Row ids of the given indices, for the API (which speaks row ids). */
export function rowIds(points: PointData, indices: Int32Array): number[] {
  return Array.from(indices, (i) => points.ids[i]);
}
