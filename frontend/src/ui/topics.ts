// The topic panel: broad -> mid -> fine with counts; picking one filters the map to it.
import type { Topic } from '../api';

export interface TopicPanel {
  setActive(topicId: number | null): void;
}

export function createTopicPanel(
  tree: HTMLElement,
  clear: HTMLButtonElement,
  topics: Topic[],
  onPick: (topicId: number | null) => void,
): TopicPanel {
  const children = new Map<number | null, Topic[]>();
  for (const t of topics) {
    const list = children.get(t.parent) ?? [];
    list.push(t);
    children.set(t.parent, list);
  }
  const items = new Map<number, HTMLElement>();
  function branch(parent: number | null): HTMLUListElement {
    const ul = document.createElement('ul');
    for (const t of (children.get(parent) ?? []).sort((a, b) => b.size - a.size)) {
      const li = document.createElement('li');
      li.dataset.topicId = String(t.id);
      li.dataset.level = t.level;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'topic-name';
      const label = document.createElement('span');
      // Labels come from the rows' words: text only.
      label.textContent = t.label || `Topic ${t.id}`;
      const count = document.createElement('span');
      count.className = 'topic-count';
      count.textContent = t.size.toLocaleString();
      button.append(label, count);
      button.addEventListener('click', () => onPick(t.id));
      li.append(button);
      if (children.has(t.id)) li.append(branch(t.id));
      items.set(t.id, li);
      ul.append(li);
    }
    return ul;
  }
  tree.replaceChildren(branch(null));
  clear.addEventListener('click', () => onPick(null));
  return {
    setActive(topicId) {
      for (const [id, li] of items) li.classList.toggle('active', id === topicId);
      clear.hidden = topicId === null;
    },
  };
}

/** The fine topic ids under a topic of any level (the ids the points carry). */
export function fineTopicsUnder(topics: Topic[], topicId: number): Set<number> {
  const byParent = new Map<number, number[]>();
  for (const t of topics) if (t.parent !== null) byParent.set(t.parent, [...(byParent.get(t.parent) ?? []), t.id]);
  const level = new Map(topics.map((t) => [t.id, t.level]));
  const out = new Set<number>();
  const stack = [topicId];
  while (stack.length) {
    const id = stack.pop() as number;
    if (level.get(id) === 'fine') out.add(id);
    stack.push(...(byParent.get(id) ?? []));
  }
  return out;
}
