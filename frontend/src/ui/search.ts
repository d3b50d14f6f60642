// The search widget: form, clear button and the results list; it knows nothing about the map.
import type { SearchResult } from '../api';
import { resultItem } from './resultitem';

export interface SearchCallbacks {
  onSearch(query: string): void;
  onClear(): void;
  onPick(rowId: number): void;
}

export interface SearchView {
  /** The ranked results; `threshold` (the lowest score asked for) or `filtered` (the map's filters) explain an empty list. */
  showResults(results: SearchResult[], threshold?: number | null, filtered?: boolean): void;
  showMessage(text: string): void;
  setBusy(busy: boolean): void;
  markActive(rowId: number | null): void;
  clear(): void;
}

export function createSearch(
  form: HTMLFormElement,
  input: HTMLInputElement,
  clearButton: HTMLButtonElement,
  list: HTMLOListElement,
  message: HTMLElement,
  cb: SearchCallbacks,
): SearchView {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (q) cb.onSearch(q);
  });
  clearButton.addEventListener('click', () => {
    input.value = '';
    cb.onClear();
  });
  // One delegated listener instead of one per result.
  list.addEventListener('click', (ev) => {
    const li = (ev.target as Element | null)?.closest<HTMLLIElement>('li[data-row-id]');
    if (li) cb.onPick(Number(li.dataset.rowId));
  });
  list.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    const li = (ev.target as Element | null)?.closest<HTMLLIElement>('li[data-row-id]');
    if (li) {
      ev.preventDefault();
      cb.onPick(Number(li.dataset.rowId));
    }
  });

  const setMessage = (text: string) => {
    message.textContent = text;
    message.hidden = text === '';
  };

  return {
    showResults(results, threshold = null, filtered = false) {
      const none =
        threshold !== null
          ? `No matches with a score of at least ${threshold}; lower or empty "Min score" to see more.`
          : filtered
            ? 'No matches among the points the filters show; widen or clear the filters to see more.'
            : 'No matches.';
      setMessage(results.length ? '' : none);
      list.replaceChildren(...results.map((r) => resultItem(r)));
      list.hidden = results.length === 0;
    },
    showMessage(text) {
      setMessage(text);
    },
    setBusy(busy) {
      form.setAttribute('aria-busy', String(busy));
      const submit = form.querySelector<HTMLButtonElement>('button[type=submit]');
      if (submit) submit.disabled = busy;
    },
    markActive(rowId) {
      for (const li of list.querySelectorAll<HTMLLIElement>('li[data-row-id]')) {
        li.classList.toggle('active', rowId !== null && li.dataset.rowId === String(rowId));
      }
    },
    clear() {
      list.replaceChildren();
      list.hidden = true;
      setMessage('');
    },
  };
}
