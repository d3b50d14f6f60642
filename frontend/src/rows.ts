// Row details fetched once per row per page load, shared by hover, the details panel and search results.
import * as api from './api';
import type { PointDetail } from './api';

export interface RowCache {
  /** The row, from the cache or the API; concurrent asks for one row share one request. */
  get(rowId: number): Promise<PointDetail>;
  cached(rowId: number): PointDetail | undefined;
  /** Rows that arrived another way (search results carry the same payload). */
  seed(detail: PointDetail): void;
}

export function createRowCache(datasetId: string): RowCache {
  // Row details are immutable for a build, so nothing is ever evicted.
  const done = new Map<number, PointDetail>();
  const inflight = new Map<number, Promise<PointDetail>>();
  return {
    get(rowId) {
      const hit = done.get(rowId);
      if (hit) return Promise.resolve(hit);
      let p = inflight.get(rowId);
      if (!p) {
        p = api.getPoint(datasetId, rowId).then(
          (d) => {
            done.set(rowId, d);
            inflight.delete(rowId);
            return d;
          },
          (e: unknown) => {
            inflight.delete(rowId);
            throw e;
          },
        );
        inflight.set(rowId, p);
      }
      return p;
    },
    cached: (rowId) => done.get(rowId),
    seed(detail) {
      done.set(detail.id, detail);
    },
  };
}
