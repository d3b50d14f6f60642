// The map-quality panel: how faithful the layout is, how the topics agree with a label column, and a
// form that lays the map out again from its stored vectors with other parameters.
import type { Dataset, LayoutParams, Quality } from '../api';

type Row = [key: keyof Quality, label: string, hint: string];

const ROWS: Row[] = [
  ['knn_preservation', 'kNN preservation', "share of each row's 10 nearest neighbours kept on the map"],
  ['trustworthiness', 'Trustworthiness', 'near 1: neighbours on the map are neighbours in meaning'],
  ['topics', 'Topics', 'fine topics found'],
  ['noise_share', 'Noise share', 'rows HDBSCAN left out (coloured by their nearest topic)'],
  ['nmi_fine', 'NMI, fine topics', 'agreement with the label column (0 chance, 1 equal)'],
  ['ari_fine', 'ARI, fine topics', 'agreement with the label column, adjusted for chance'],
  ['nmi_broad', 'NMI, broad topics', 'agreement with the label column (0 chance, 1 equal)'],
  ['ari_broad', 'ARI, broad topics', 'agreement with the label column, adjusted for chance'],
];

/** Numbers as the API gives them (rounded to 4 places there), so a reader can compare the two. */
function shown(key: keyof Quality, value: number): string {
  if (key === 'noise_share') return `${(value * 100).toFixed(2)} %`;
  return String(value);
}

export function showQuality(el: HTMLElement, ds: Dataset): void {
  const list = el.querySelector<HTMLDListElement>('#quality-list');
  if (!list) return;
  list.replaceChildren();
  const quality = ds.quality;
  el.hidden = quality === null;
  if (!quality) return;
  for (const [key, label, hint] of ROWS) {
    const value = quality[key];
    if (value === undefined) continue;
    const dt = document.createElement('dt');
    dt.textContent = label;
    dt.title = hint;
    const dd = document.createElement('dd');
    dd.dataset.key = key;
    dd.dataset.value = String(value);
    dd.textContent = shown(key, value);
    list.append(dt, dd);
  }
  const source = el.querySelector<HTMLElement>('#quality-labels');
  if (source) {
    source.textContent = ds.label_field ? `Topics compared with the column “${ds.label_field}”.` : '';
    source.hidden = !ds.label_field;
  }
}

/** Fills the re-layout form with the map's parameters and calls submit with the changed ones. */
export function bindRelayoutForm(
  form: HTMLFormElement,
  current: LayoutParams,
  submit: (params: Partial<LayoutParams>) => Promise<void>,
): void {
  const field = (name: keyof LayoutParams) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  for (const name of Object.keys(current) as (keyof LayoutParams)[]) {
    const input = form.elements.namedItem(name);
    if (input) (input as HTMLInputElement).value = String(current[name]);
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params: Partial<LayoutParams> = {
      n_neighbors: Number(field('n_neighbors').value),
      min_dist: Number(field('min_dist').value),
      metric: field('metric').value === 'euclidean' ? 'euclidean' : 'cosine',
      min_cluster_size: Number(field('min_cluster_size').value),
    };
    void submit(params);
  });
}
