// Light and dark themes: one attribute on <html>, remembered in localStorage.
import type { MapState, Store, Theme } from '../state';

const KEY = 'atlas-theme';

export function savedTheme(): Theme {
  try {
    return localStorage.getItem(KEY) === 'dark' ? 'dark' : 'light';
  } catch {
    // Storage can be off (privacy settings); the default theme is fine then.
    return 'light';
  }
}

export function applyTheme(theme: Theme, button: HTMLButtonElement | null): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // See savedTheme.
  }
  if (button) {
    button.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
    button.setAttribute('aria-pressed', String(theme === 'dark'));
  }
}

/** The theme button switches the store's theme; the page follows the store. */
export function bindThemeToggle(button: HTMLButtonElement | null, store: Store<MapState>): void {
  applyTheme(store.get().theme, button);
  button?.addEventListener('click', () => store.set({ theme: store.get().theme === 'dark' ? 'light' : 'dark' }));
  store.subscribe((state, prev) => {
    if (state.theme !== prev.theme) applyTheme(state.theme, button);
  });
}
