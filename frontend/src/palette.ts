// Categorical colours for topic ids, precomputed once into an RGB lookup table.

// Tableau-20-like: distinct, readable on a white background.
const BASE: ReadonlyArray<readonly [number, number, number]> = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
  [174, 199, 232], [255, 187, 120], [152, 223, 138], [255, 152, 150], [197, 176, 213],
  [196, 156, 148], [247, 182, 210], [199, 199, 199], [219, 219, 141], [158, 218, 229],
];

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Colour for one topic id; beyond the base set, golden-angle hues keep neighbours apart. */
export function topicColor(topic: number): [number, number, number] {
  if (topic >= 0 && topic < BASE.length) return [...BASE[topic]] as [number, number, number];
  const h = (Math.abs(topic) * 137.508) % 360;
  const l = topic % 2 === 0 ? 0.45 : 0.6;
  return hslToRgb(h, 0.65, l);
}

/** Per-point RGB bytes (length 3N) for deck.gl's normalized Uint8 colour attribute. */
export function colorsForTopics(topics: ArrayLike<number>): Uint8Array {
  let max = 0;
  for (let i = 0; i < topics.length; i++) if (topics[i] > max) max = topics[i];
  // Lookup table: one colour computation per topic instead of per point.
  const lut = new Uint8Array((max + 1) * 3);
  for (let t = 0; t <= max; t++) lut.set(topicColor(t), t * 3);
  const out = new Uint8Array(topics.length * 3);
  for (let i = 0; i < topics.length; i++) {
    const t = topics[i];
    const o = t >= 0 ? t * 3 : -1;
    if (o < 0) {
      // Should not happen (backend promises topic >= 0); grey keeps the point visible.
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = 160;
    } else {
      out[i * 3] = lut[o];
      out[i * 3 + 1] = lut[o + 1];
      out[i * 3 + 2] = lut[o + 2];
    }
  }
  return out;
}
