// The pointer over the map: what it hovers (a row's tooltip, a label's hand cursor) and what a click does.
import type { PickingInfo } from '@deck.gl/core';
import type { Hover } from './hover';
import type { PlacedLabel } from '../labels';
import type { PointData } from '../points';
import { HIGHLIGHT_LAYER_ID, LABELS_LAYER_ID, POINTS_LAYER_ID } from '../render';
import type { HighlightDatum } from '../render';

/** The row id a pick landed on: a point, or a search hit drawn over it; null for anything else. */
export function rowIdFromPick(points: PointData, info: PickingInfo): number | null {
  if (!info.picked || !info.layer) return null;
  if (info.layer.id === POINTS_LAYER_ID && info.index >= 0 && info.index < points.length) return points.ids[info.index];
  if (info.layer.id === HIGHLIGHT_LAYER_ID && info.object) return (info.object as HighlightDatum).id;
  return null;
}

export interface PointerContext {
  points: PointData;
  hover: Hover;
  /** A click on a row. */
  select(rowId: number): void;
  /** A click on a topic label. */
  zoomToTopic(topicId: number): void;
}

export interface Pointer {
  /** deck.gl's getCursor. */
  cursor(): string;
  /** deck.gl's onHover. */
  hover(info: PickingInfo): void;
  /** deck.gl's onClick. */
  click(info: PickingInfo): void;
}

export function createPointer(ctx: PointerContext): Pointer {
  // The cursor is over a topic label (a click zooms into its topic).
  let overLabel = false;
  return {
    cursor: () => (ctx.hover.current() !== null || overLabel ? 'pointer' : 'grab'),
    hover(info) {
      overLabel = info.layer?.id === LABELS_LAYER_ID;
      ctx.hover.move(rowIdFromPick(ctx.points, info), info.x, info.y);
    },
    click(info) {
      if (info.layer?.id === LABELS_LAYER_ID && info.object) {
        ctx.zoomToTopic((info.object as PlacedLabel).topic.id);
        return;
      }
      const rowId = rowIdFromPick(ctx.points, info);
      if (rowId !== null) ctx.select(rowId);
    },
  };
}
