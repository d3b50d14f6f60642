// "Manage map" (editors): rename it, move it to another workspace, delete it after a confirmation.
import * as api from '../api';

export interface ManageContext {
  datasetId: string;
  /** The page's title and heading follow a rename. */
  renamed(name: string): void;
  showError(text: string): void;
}

export function bindManage(ctx: ManageContext): void {
  const section = document.getElementById('manage');
  if (!section) return;
  const message = document.getElementById('manage-message') as HTMLElement;
  const say = (text: string) => {
    message.textContent = text;
    message.hidden = false;
  };
  const failed = (what: string, e: unknown) =>
    ctx.showError(`Could not ${what}: ${e instanceof Error ? e.message : String(e)}`);

  const renameForm = document.getElementById('rename-form') as HTMLFormElement;
  const renameInput = document.getElementById('rename-input') as HTMLInputElement;
  renameForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const ds = await api.changeDataset(ctx.datasetId, { name: renameInput.value });
      renameInput.value = ds.name;
      ctx.renamed(ds.name);
      say(`Renamed to “${ds.name}”.`);
    } catch (e) {
      failed('rename the map', e);
    }
  });

  const moveForm = document.getElementById('move-form') as HTMLFormElement | null;
  const moveSelect = document.getElementById('move-workspace') as HTMLSelectElement | null;
  moveForm?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!moveSelect) return;
    try {
      await api.changeDataset(ctx.datasetId, { workspace: moveSelect.value });
      say(`Moved to ${moveSelect.selectedOptions[0]?.textContent ?? 'the workspace'}.`);
    } catch (e) {
      failed('move the map', e);
    }
  });

  const deleteButton = document.getElementById('delete-map') as HTMLButtonElement;
  deleteButton.addEventListener('click', async () => {
    if (!window.confirm('Delete this map, its tags and its share links for everyone? This cannot be undone.')) return;
    deleteButton.disabled = true;
    try {
      await api.deleteDataset(ctx.datasetId);
      window.location.assign('/');
    } catch (e) {
      deleteButton.disabled = false;
      failed('delete the map', e);
    }
  });
}
