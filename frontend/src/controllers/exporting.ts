// Export: the rows lit on the map now (the selection, within any filters) as a CSV (for a spreadsheet, or
// plain) or Parquet download, and a line saying what the spreadsheet CSV changed.
import * as api from '../api';
import type { ExportFormat } from '../api';
import { VISIBLE_ALPHA } from '../colouring';
import type { PointData } from '../points';

/** Row ids of the points drawn lit: the colour buffer is the one truth of what filters leave shown. */
export function litRowIds(points: PointData): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.length; i++) if (points.colours[i * 4 + 3] === VISIBLE_ALPHA) out.push(points.ids[i]);
  return out;
}

/** What the page says after a download: the file, and for a spreadsheet CSV the cells it changed. */
export function exportMessage(filename: string, neutralised: number | null): string {
  if (neutralised === null) return `Downloaded ${filename}: every value as stored.`;
  if (neutralised === 0) return `Downloaded ${filename}: no cell looked like a spreadsheet formula.`;
  const cells = neutralised === 1 ? '1 cell' : `${neutralised.toLocaleString('en')} cells`;
  return (
    `Downloaded ${filename}: ${cells} starting with = + - or @ got a leading ' so the spreadsheet shows ` +
    'them as text. Choose plain CSV to keep every value as stored.'
  );
}

export function bindExport(datasetId: string, points: PointData, showError: (text: string) => void): void {
  const message = document.querySelector<HTMLElement>('#export-message');
  for (const button of document.querySelectorAll<HTMLButtonElement>('#export button[data-format]')) {
    button.addEventListener('click', async () => {
      const format = button.dataset.format as ExportFormat;
      const spreadsheet = button.dataset.spreadsheet === 'true';
      button.disabled = true;
      try {
        const { blob, filename, neutralised } = await api.exportRows(datasetId, litRowIds(points), format, spreadsheet);
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = filename;
        document.body.append(a);
        a.click();
        a.remove();
        // The download has its own copy once click() returns; the blob URL can go.
        setTimeout(() => URL.revokeObjectURL(url), 1000);
        if (message) {
          message.textContent = exportMessage(filename, neutralised);
          message.hidden = false;
        }
      } catch (e) {
        showError(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        button.disabled = false;
      }
    });
  }
}
