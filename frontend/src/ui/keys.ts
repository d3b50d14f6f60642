// Keyboard shortcuts on the map page: "/" focuses search, Escape clears the search and the selection.

export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function bindKeys(searchInput: HTMLInputElement, clear: () => void): void {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '/' && !typingIn(e.target)) {
      e.preventDefault();
      searchInput.focus();
      searchInput.select();
    } else if (e.key === 'Escape') {
      clear();
      searchInput.blur();
    }
  });
}
