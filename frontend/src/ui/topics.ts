// The topic panel: broad -> mid -> fine with counts; picking one filters the map to it. Editors rename a topic
// in place (the pencil beside it: Enter saves, Escape leaves it as it was), or ask the server's labeller for one.
import type { Topic } from '../api';

export interface TopicPanel {
  setActive(topicId: number | null): void;
}

/** Saves a topic's new name; resolves with the name stored, rejects with what went wrong. */
export type RenameTopic = (topicId: number, label: string) => Promise<string>;
/** Asks the server's labeller for a topic's name; resolves with the new name, or null when it gave none. */
export type AskLabeller = (topicId: number) => Promise<string | null>;

export function createTopicPanel(
  tree: HTMLElement,
  clear: HTMLButtonElement,
  topics: Topic[],
  onPick: (topicId: number | null) => void,
  rename: RenameTopic | null = null,
  message: (text: string) => void = () => undefined,
  ask: AskLabeller | null = null,
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
      if (rename) li.append(renameButton(t, li, button, label, rename, message, ask));
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

/** The pencil that turns a topic's name into a field; the name shown is the one the server stored. */
function renameButton(
  t: Topic,
  li: HTMLElement,
  button: HTMLButtonElement,
  label: HTMLElement,
  rename: RenameTopic,
  message: (text: string) => void,
  ask: AskLabeller | null,
): HTMLButtonElement {
  const pencil = document.createElement('button');
  pencil.type = 'button';
  pencil.className = 'topic-rename';
  pencil.textContent = '✎';
  pencil.title = 'Rename this topic';
  pencil.setAttribute('aria-label', `Rename topic ${t.label}`);
  pencil.addEventListener('click', () => {
    const form = document.createElement('form');
    form.className = 'topic-rename-form';
    const input = document.createElement('input');
    input.type = 'text';
    input.maxLength = 200;
    input.required = true;
    input.value = t.label;
    input.setAttribute('aria-label', 'New topic name');
    form.append(input);
    const close = () => {
      form.replaceWith(button);
      pencil.hidden = false;
    };
    const named = (stored: string) => {
      t.label = stored;
      t.edited = true;
      li.dataset.edited = 'true';
      label.textContent = stored; // user text, never markup
      pencil.setAttribute('aria-label', `Rename topic ${stored}`);
    };
    if (ask) {
      const suggest = document.createElement('button');
      suggest.type = 'button';
      suggest.className = 'topic-ask';
      suggest.textContent = 'Ask the labeller';
      suggest.addEventListener('click', () => {
        input.disabled = suggest.disabled = true;
        message('Asking the labeller…');
        ask(t.id)
          .then((stored) => {
            if (stored === null) {
              message('The labeller gave no usable name; the topic keeps its own.');
            } else {
              named(stored);
              message(`Named “${stored}” by the labeller.`);
            }
            close();
          })
          .catch((err: unknown) => {
            input.disabled = suggest.disabled = false;
            message(err instanceof Error ? err.message : String(err));
          });
      });
      form.append(suggest);
    }
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') close();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const wanted = input.value.trim();
      if (!wanted || wanted === t.label) return close();
      input.disabled = true;
      rename(t.id, wanted)
        .then((stored) => {
          named(stored);
          message(`Renamed to “${stored}”.`);
          close();
        })
        .catch((err: unknown) => {
          input.disabled = false;
          message(err instanceof Error ? err.message : String(err));
        });
    });
    button.replaceWith(form);
    pencil.hidden = true;
    input.focus();
    input.select();
  });
  li.dataset.edited = String(t.edited);
  return pencil;
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
