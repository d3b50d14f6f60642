// The points layer: a scatterplot whose fully transparent points are not drawn and cannot be picked, and
// which can draw only the first points of its buffers (level of detail while the camera moves).
import { ScatterplotLayer } from '@deck.gl/layers';

export interface PointsLayerProps {
  /**
   * Draw only the first `drawCount` points (all when it is as large as the data). The buffers keep every
   * point; only the draw call's instance count changes, so switching uploads nothing. Picking draws the same.
   */
  drawCount: number;
  /** Told how many points each draw (picture or picking pass) drew. */
  onDrawn: ((count: number) => void) | null;
}

/**
 * Hidden points (alpha 0 in the colour buffer, the "hide filtered" mode) are discarded in every pass. Picking
 * colours ignore the fill alpha, so without this a hidden point would still answer hovers and clicks, and
 * would block a lit point under it.
 */
export class PointsLayer<D = unknown> extends ScatterplotLayer<D, PointsLayerProps> {
  static layerName = 'PointsLayer';

  getShaders() {
    const shaders = super.getShaders();
    const inject: Record<string, string> = { ...(shaders.inject ?? {}) };
    // Runs before deck.gl's picking hook (order 99), which swaps the colour for the picking colour.
    inject['fs:DECKGL_FILTER_COLOR'] = `${inject['fs:DECKGL_FILTER_COLOR'] ?? ''}\n  if (color.a == 0.0) discard;\n`;
    return { ...shaders, inject };
  }

  draw(params: Parameters<ScatterplotLayer<D, PointsLayerProps>['draw']>[0]): void {
    const model = this.state.model;
    // deck.gl sets the model's instance count to the data length after every update.
    const all = model ? model.instanceCount : 0;
    const count = Math.max(0, Math.min(all, this.props.drawCount));
    if (model && count < all) {
      model.setInstanceCount(count);
      try {
        super.draw(params);
      } finally {
        model.setInstanceCount(all);
      }
    } else {
      super.draw(params);
    }
    this.props.onDrawn?.(count);
  }
}
