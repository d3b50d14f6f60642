// The tag widgets: the map's tag list (show one, delete) and the form that tags or untags the selection.
import type { Tag } from '../api';

export interface TagCallbacks {
  /** Show only this tag's rows (colour by tag, every other entry hidden). */
  onShow(tagId: number): void;
  onDelete(tagId: number): void;
  /** Put the named tag (created when new, with this colour) on the selection, or take it off. */
  onApply(name: string, colour: string, add: boolean): void;
}

export interface TagsView {
  show(tags: Tag[]): void;
  /** Per tag, its rows the filters leave lit ("12 of 80"; null for a tag not counted); null: every tag's own count. */
  counts(lit: (number | null)[] | null): void;
  message(text: string): void;
}

/** `form`: the tag form, absent for view-only visitors, who then get no delete buttons either. */
export function createTagsView(list: HTMLElement, form: HTMLFormElement | null, cb: TagCallbacks): TagsView {
  const name = form?.querySelector<HTMLInputElement>('#tag-name');
  const colour = form?.querySelector<HTMLInputElement>('#tag-colour');
  const names = form?.querySelector<HTMLDataListElement>('#tag-names');
  const note = form?.querySelector<HTMLElement>('#tag-message');
  const apply = (add: boolean) => {
    const value = name?.value.trim() ?? '';
    if (value) cb.onApply(value, colour?.value ?? '#e4572e', add);
  };
  form?.addEventListener('submit', (e) => {
    e.preventDefault();
    apply(true);
  });
  form?.querySelector<HTMLButtonElement>('#untag')?.addEventListener('click', () => apply(false));
  return {
    show(tags) {
      list.hidden = tags.length === 0;
      list.replaceChildren(
        ...tags.map((t) => {
          const li = document.createElement('li');
          li.dataset.tagId = String(t.id);
          li.dataset.count = String(t.count);
          const swatch = document.createElement('span');
          swatch.className = 'swatch';
          swatch.style.background = t.colour;
          const label = document.createElement('button');
          label.type = 'button';
          label.className = 'legend-label tag-show';
          // Tag names are user text.
          label.textContent = t.name;
          label.title = 'Show only these rows';
          label.addEventListener('click', () => cb.onShow(t.id));
          const count = document.createElement('span');
          count.className = 'legend-count';
          count.textContent = t.count.toLocaleString();
          li.append(swatch, label, count);
          if (form) {
            const remove = document.createElement('button');
            remove.type = 'button';
            remove.className = 'tag-delete danger';
            remove.textContent = '×';
            remove.setAttribute('aria-label', `Delete tag ${t.name}`);
            remove.addEventListener('click', () => cb.onDelete(t.id));
            li.append(remove);
          }
          return li;
        }),
      );
      names?.replaceChildren(
        ...tags.map((t) => {
          const o = document.createElement('option');
          o.value = t.name;
          return o;
        }),
      );
    },
    counts(lit) {
      list.querySelectorAll<HTMLElement>('li').forEach((li, k) => {
        const total = Number(li.dataset.count);
        const shown = lit?.[k] ?? null;
        const count = li.querySelector<HTMLElement>('.legend-count');
        if (count) count.textContent = shown === null || shown === total ? total.toLocaleString() : `${shown.toLocaleString()} of ${total.toLocaleString()}`;
        if (shown === null) delete li.dataset.lit;
        else li.dataset.lit = String(shown);
      });
    },
    message(text) {
      if (!note) return;
      note.textContent = text;
      note.hidden = text === '';
    },
  };
}
