// The pipeline progress panel on the map page: stage list, current-stage bar and row count.
import type { Dataset, Stage } from '../api';

export const STAGES: ReadonlyArray<Exclude<Stage, 'done'>> = ['ingest', 'embed', 'layout', 'topics', 'index'];

export interface ProgressView {
  update(ds: Dataset): void;
  hide(): void;
}

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

export function createProgress(): ProgressView {
  const panel = byId<HTMLElement>('progress');
  const list = byId<HTMLOListElement>('progress-stages');
  const stageEl = byId<HTMLElement>('progress-stage');
  const countEl = byId<HTMLElement>('progress-count');
  const bar = byId<HTMLProgressElement>('progress-bar');

  // Built here rather than trusted from the template so the stage order lives in one place.
  list.replaceChildren(
    ...STAGES.map((stage) => {
      const li = document.createElement('li');
      li.dataset.stage = stage;
      const mark = document.createElement('span');
      mark.className = 'stage-mark';
      mark.setAttribute('aria-hidden', 'true');
      const label = document.createElement('span');
      label.textContent = stage;
      li.append(mark, label);
      return li;
    }),
  );

  return {
    update(ds) {
      panel.hidden = false;
      const { stage, done, total } = ds.progress;
      // A queued job reports no meaningful stage yet; 'done' means everything is finished.
      const current = ds.status === 'queued' ? -1 : stage === 'done' ? STAGES.length : STAGES.indexOf(stage);
      list.querySelectorAll<HTMLLIElement>('li').forEach((li, i) => {
        li.classList.toggle('done', i < current);
        li.classList.toggle('current', i === current);
        if (i === current) li.setAttribute('aria-current', 'step');
        else li.removeAttribute('aria-current');
        const mark = li.querySelector('.stage-mark');
        if (mark) mark.textContent = i < current ? '✓' : i === current ? '▶' : '•';
      });
      stageEl.textContent = ds.status === 'queued' ? 'queued' : stage;
      countEl.textContent = `${done} / ${total}`;
      if (total > 0) {
        bar.max = total;
        bar.value = Math.min(done, total);
      } else {
        // No total yet: an indeterminate bar instead of a misleading 0%.
        bar.removeAttribute('value');
      }
    },
    hide() {
      panel.hidden = true;
    },
  };
}
