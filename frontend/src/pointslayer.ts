// The points layer: a scatterplot whose fully transparent points are not drawn and cannot be picked.
import { ScatterplotLayer } from '@deck.gl/layers';

/**
 * Hidden points (alpha 0 in the colour buffer, the "hide filtered" mode) are discarded in every pass. Picking
 * colours ignore the fill alpha, so without this a hidden point would still answer hovers and clicks, and
 * would block a lit point under it.
 */
export class PointsLayer<D = unknown> extends ScatterplotLayer<D> {
  static layerName = 'PointsLayer';

  getShaders() {
    const shaders = super.getShaders();
    const inject: Record<string, string> = { ...(shaders.inject ?? {}) };
    // Runs before deck.gl's picking hook (order 99), which swaps the colour for the picking colour.
    inject['fs:DECKGL_FILTER_COLOR'] = `${inject['fs:DECKGL_FILTER_COLOR'] ?? ''}\n  if (color.a == 0.0) discard;\n`;
    return { ...shaders, inject };
  }
}
