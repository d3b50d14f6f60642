import type { Layer, PickingInfo } from '@deck.gl/core';
import { describe, expect, it, vi } from 'vitest';
import { createPointer, rowIdFromPick } from '../src/controllers/pointer';
import type { Hover } from '../src/controllers/hover';
import { HIGHLIGHT_LAYER_ID, LABELS_LAYER_ID, POINTS_LAYER_ID } from '../src/render';
import { makePoints } from './fixtures';

const points = makePoints(
  [
    [0, 0],
    [1, 1],
  ],
  [0, 0],
  [40, 41],
);

/** A pick on the layer of this id (null: on nothing). */
function pick(layerId: string | null, index = -1, object: unknown = null): PickingInfo {
  const layer = layerId === null ? null : ({ id: layerId } as Layer);
  return { picked: layer !== null, layer, index, object, x: 10, y: 20 } as PickingInfo;
}

describe('rowIdFromPick', () => {
  it.each([
    ['a point, by its index', pick(POINTS_LAYER_ID, 1), 41],
    ['a search hit, by its datum', pick(HIGHLIGHT_LAYER_ID, 0, { id: 40, position: [0, 0] }), 40],
    ['an index past the points', pick(POINTS_LAYER_ID, 2), null],
    ['a topic label', pick(LABELS_LAYER_ID, 0, { topic: { id: 3 } }), null],
    ['nothing', pick(null), null],
  ])('reads %s', (_name, info, want) => {
    expect(rowIdFromPick(points, info)).toBe(want);
  });
});

describe('createPointer', () => {
  function setup() {
    let current: number | null = null;
    const hover: Hover = {
      move: vi.fn((rowId: number | null) => {
        current = rowId;
      }),
      current: () => current,
    };
    const select = vi.fn();
    const zoomToTopic = vi.fn();
    return { hover, select, zoomToTopic, pointer: createPointer({ points, hover, select, zoomToTopic }) };
  }

  it('selects the clicked row, and zooms to the clicked label instead', () => {
    const { pointer, select, zoomToTopic } = setup();
    pointer.click(pick(POINTS_LAYER_ID, 0));
    expect(select).toHaveBeenCalledWith(40);
    pointer.click(pick(LABELS_LAYER_ID, 0, { topic: { id: 3 } }));
    expect(zoomToTopic).toHaveBeenCalledWith(3);
    pointer.click(pick(null));
    expect(select).toHaveBeenCalledTimes(1);
  });

  it('shows a hand over a row or a label and the grab cursor elsewhere', () => {
    const { pointer, hover } = setup();
    expect(pointer.cursor()).toBe('grab');
    pointer.hover(pick(POINTS_LAYER_ID, 1));
    expect(hover.move).toHaveBeenLastCalledWith(41, 10, 20);
    expect(pointer.cursor()).toBe('pointer');
    pointer.hover(pick(LABELS_LAYER_ID, 0, { topic: { id: 3 } }));
    expect(hover.move).toHaveBeenLastCalledWith(null, 10, 20);
    expect(pointer.cursor()).toBe('pointer');
    pointer.hover(pick(null));
    expect(pointer.cursor()).toBe('grab');
  });
});
