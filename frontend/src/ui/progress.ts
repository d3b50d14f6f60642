// The pipeline progress panel on the map page: stage list, current-stage bar and row count.
import type { Dataset, Stage } from '../api';

export const STAGES: ReadonlyArray<Exclude<Stage, 'done'>> = ['ingest', 'embed', 'layout', 'topics', 'index'];

/** Seconds as a clock: 0:42, 12:05, 1:02:03. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The line under the bar: the stage's elapsed time and the estimate of what is left of the job. */
export function timeLine(elapsed: number | null | undefined, remaining: number | null | undefined): string {
  if (elapsed === null || elapsed === undefined) return '';
  const left = remaining === null || remaining === undefined ? 'estimating the time left' : `about ${clock(remaining)} left`;
  return `${clock(elapsed)} in this stage · ${left}`;
}

/** What the row count says: rows done of the total while embedding (the one stage that counts them as it
 * goes), otherwise how many rows the stage works on. */
export function countLine(stage: Stage, done: number, total: number): string {
  const n = (x: number) => x.toLocaleString('en');
  if (stage === 'embed' && total > 0) return `${n(done)} / ${n(total)} rows`;
  return total > 0 ? `${n(total)} rows` : 'reading the file';
}

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
  const timeEl = document.getElementById('progress-time');

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
      countEl.textContent = ds.status === 'queued' ? 'waiting for a worker' : countLine(stage, done, total);
      if (timeEl) timeEl.textContent = timeLine(ds.progress.elapsed_s, ds.progress.remaining_s);
      if (stage === 'embed' && total > 0 && ds.status !== 'queued') {
        bar.max = total;
        bar.value = Math.min(done, total);
      } else {
        // Only embedding counts its rows as it goes: the other stages get an indeterminate bar, not a 0% that
        // sits still for the whole stage.
        bar.removeAttribute('value');
      }
    },
    hide() {
      panel.hidden = true;
    },
  };
}
