// Which topic labels show at a zoom: the level (broad -> mid -> fine) and a greedy screen-space declutter.
import type { Topic, TopicLevel } from './api';

/** Zoom steps (in powers of two past the fitted view) at which finer labels take over. */
const MID_FROM = 1;
const FINE_FROM = 2.5;
const MAX_CANDIDATES = 400;
export const LABEL_FONT_PX = 13;
const PAD_X = 4;
const PAD_Y = 2;

export function levelForZoom(zoom: number, fittedZoom: number): TopicLevel {
  const d = zoom - fittedZoom;
  return d < MID_FROM ? 'broad' : d < FINE_FROM ? 'mid' : 'fine';
}

/** A placed label with its box in screen pixels relative to the world origin (pan moves all boxes alike). */
export interface PlacedLabel {
  topic: Topic;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Largest topics first; a label is kept only if its box overlaps none already kept. Boxes depend on zoom
 * only, so panning never changes the set and labels do not flicker.
 */
export function placeLabels(
  topics: Topic[],
  level: TopicLevel,
  zoom: number,
  measure: (text: string) => number,
): PlacedLabel[] {
  const scale = 2 ** zoom;
  const candidates = topics
    .filter((t) => t.level === level && t.label && Number.isFinite(t.x) && Number.isFinite(t.y))
    .sort((a, b) => b.size - a.size || a.id - b.id)
    .slice(0, MAX_CANDIDATES);
  const placed: PlacedLabel[] = [];
  const halfH = LABEL_FONT_PX * 0.65 + PAD_Y;
  for (const topic of candidates) {
    const halfW = measure(topic.label) / 2 + PAD_X;
    // Screen y grows downwards while map y grows upwards.
    const cx = topic.x * scale;
    const cy = -topic.y * scale;
    const box = { topic, x0: cx - halfW, y0: cy - halfH, x1: cx + halfW, y1: cy + halfH };
    if (placed.every((p) => box.x1 <= p.x0 || box.x0 >= p.x1 || box.y1 <= p.y0 || box.y0 >= p.y1)) placed.push(box);
  }
  return placed;
}

/** Text width in pixels with the label font, measured by the browser itself. */
export function textMeasurer(fontFamily: string, weight: number): (text: string) => number {
  const ctx = document.createElement('canvas').getContext('2d');
  const cache = new Map<string, number>();
  return (text) => {
    let w = cache.get(text);
    if (w === undefined) {
      if (ctx) {
        ctx.font = `${weight} ${LABEL_FONT_PX}px ${fontFamily}`;
        w = ctx.measureText(text).width;
      } else {
        w = text.length * LABEL_FONT_PX * 0.6;
      }
      cache.set(text, w);
    }
    return w;
  };
}
