// Export: the rows lit on the map now (the selection, within any filters) as a CSV or Parquet download.
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

export function bindExport(datasetId: string, points: PointData, showError: (text: string) => void): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('#export button[data-format]')) {
    button.addEventListener('click', async () => {
      const format = button.dataset.format as ExportFormat;
      button.disabled = true;
      try {
        const { blob, filename } = await api.exportRows(datasetId, litRowIds(points), format);
        const url = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = url;
        a.download = filename;
        document.body.append(a);
        a.click();
        a.remove();
        // The download has its own copy once click() returns; the blob URL can go.
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      } catch (e) {
        showError(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        button.disabled = false;
      }
    });
  }
}
