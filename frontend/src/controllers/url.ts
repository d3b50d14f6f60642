// The address bar follows the store: once the linked fields stop changing, the link is written again.
import type { MapState, Store } from '../state';
import { linkChanged, urlState, writeUrl } from '../url';

/** The camera moves many times a second while panning; the URL follows this long after it settles. */
export const URL_DELAY_MS = 250;

/** Keeps the URL a view of the store; `rewrite`: write it once now too (an outdated link). */
export function followInUrl(store: Store<MapState>, rewrite: boolean): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  function publish(): void {
    clearTimeout(timer);
    timer = setTimeout(() => writeUrl(urlState(store.get())), URL_DELAY_MS);
  }
  store.subscribe((state, prev) => {
    if (linkChanged(state, prev)) publish();
  });
  if (rewrite) publish();
}
