// The hover tooltip: follows the cursor over #map and shows a row's text as plain text.

const MAX_CHARS = 300;

export interface Tooltip {
  /** Position (relative to #map) and show a placeholder until text arrives. */
  show(x: number, y: number, text: string | null): void;
  hide(): void;
}

export function truncate(text: string, max = MAX_CHARS): string {
  // Array.from counts code points, so an emoji is never split in half.
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join('').trimEnd() + '…' : text;
}

export function createTooltip(el: HTMLElement, container: HTMLElement): Tooltip {
  el.hidden = true;
  return {
    show(x, y, text) {
      el.textContent = text === null ? '…' : truncate(text);
      el.hidden = false;
      // Flip to the other side of the cursor near the right/bottom edges so it stays on screen.
      const pad = 14;
      const w = el.offsetWidth;
      const h = el.offsetHeight;
      const left = x + pad + w > container.clientWidth ? Math.max(0, x - pad - w) : x + pad;
      const top = y + pad + h > container.clientHeight ? Math.max(0, y - pad - h) : y + pad;
      el.style.transform = `translate(${left}px, ${top}px)`;
    },
    hide() {
      el.hidden = true;
    },
  };
}
