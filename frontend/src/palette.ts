// Categorical colours for topic ids and legend entries.

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
export function topicColour(topic: number): [number, number, number] {
  if (topic >= 0 && topic < BASE.length) return [...BASE[topic]] as [number, number, number];
  const h = (Math.abs(topic) * 137.508) % 360;
  const l = topic % 2 === 0 ? 0.45 : 0.6;
  return hslToRgb(h, 0.65, l);
}

/** The i-th colour of a categorical legend: the same distinct set topics use. */
export const categoryColour = topicColour;
