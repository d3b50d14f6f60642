// The selection summary: how many points the box or lasso holds and their commonest topics, as plain text.
import type { TopicCount } from '../selection';

export interface SelectionPanel {
  show(count: number, topics: TopicCount[], labelOf: (topic: number) => string): void;
  hide(): void;
}

export function createSelectionPanel(el: HTMLElement, onClear: () => void): SelectionPanel {
  const count = el.querySelector<HTMLElement>('#selection-count');
  const list = el.querySelector<HTMLOListElement>('#selection-topics');
  el.querySelector<HTMLButtonElement>('#selection-clear')?.addEventListener('click', onClear);
  el.hidden = true;
  return {
    show(n, topics, labelOf) {
      if (count) count.textContent = `${n.toLocaleString()} ${n === 1 ? 'point' : 'points'} selected`;
      el.dataset.count = String(n);
      list?.replaceChildren(
        ...topics.map((t) => {
          const li = document.createElement('li');
          li.dataset.topicId = String(t.topic);
          li.dataset.count = String(t.count);
          const name = document.createElement('span');
          name.className = 'legend-label';
          // Topic labels come from the data: text only.
          name.textContent = labelOf(t.topic);
          const c = document.createElement('span');
          c.className = 'legend-count';
          c.textContent = t.count.toLocaleString();
          li.append(name, c);
          return li;
        }),
      );
      el.hidden = false;
      // The side panel may be scrolled down (the topic tree); bring the new selection's summary into view.
      el.scrollIntoView({ block: 'nearest' });
    },
    hide() {
      el.hidden = true;
      delete el.dataset.count;
      list?.replaceChildren();
    },
  };
}
