// "Share this view": a link to the map that opens the view on screen now (its query string: camera, search,
// selected row), with a copy button and, for share links, an iframe snippet to embed it.
import * as api from '../api';

export type ShareMode = 'create' | 'shared' | 'copy';

/** The link to pass on: the map's (or share link's) address with the current view's query string. */
export function viewUrl(base: string, search: string): string {
  return `${base.split('?')[0]}${search}`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An iframe that shows the shared view on another site (one of the origins the server allows). */
export function embedCode(url: string, title: string): string {
  return (
    `<iframe src="${escapeAttribute(url)}" title="${escapeAttribute(title)}" width="100%" height="600" ` +
    'style="border:0" loading="lazy" allow="clipboard-write"></iframe>'
  );
}

/** What the page says about embedding, from the origins the server lets frame a share link. */
export function embedNote(origins: string[]): string {
  if (origins.length === 0) return 'This server lets no site embed its maps; ask its administrator to allow yours.';
  return `Sites that may embed it: ${origins.join(', ')}.`;
}

async function copyText(text: string, field: HTMLInputElement | HTMLTextAreaElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain HTTP on a non-local host): select the text for the user to copy.
    field.select();
    return document.execCommand('copy');
  }
}

export interface ShareContext {
  datasetId: string;
  title: string;
  showError(text: string): void;
}

export interface Share {
  /** Take the view from here (the store's, which the address bar follows a moment later). */
  follow(search: () => string): void;
}

export function bindShare(ctx: ShareContext): Share {
  let currentSearch = () => window.location.search;
  const share: Share = {
    follow(search) {
      currentSearch = search;
    },
  };
  const section = document.getElementById('share');
  if (!section) return share;
  const mode = (section.dataset.mode ?? 'copy') as ShareMode;
  const origins = (section.dataset.embedOrigins ?? '').split(' ').filter(Boolean);
  const q = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const button = q<HTMLButtonElement>('share-view');
  const result = q<HTMLElement>('share-result');
  const urlField = q<HTMLInputElement>('share-url');
  const status = q<HTMLElement>('share-status');
  const embed = q<HTMLDetailsElement>('share-embed');
  const embedField = q<HTMLTextAreaElement>('share-embed-code');
  // A share link's own address; made once per page for an editor, then reused with the view of the moment.
  let base: string | null = mode === 'create' ? null : window.location.origin + window.location.pathname;

  const refresh = (): string => {
    const url = viewUrl(base ?? '', currentSearch());
    urlField.value = url;
    embedField.value = embedCode(url, `${ctx.title} · Atlas`);
    return url;
  };

  const copy = async (text: string, field: HTMLInputElement | HTMLTextAreaElement, what: string) => {
    status.textContent = (await copyText(text, field)) ? `${what} copied.` : `Select the ${what.toLowerCase()} and copy it.`;
  };

  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      if (base === null) base = (await api.createShareLink(ctx.datasetId, 'Shared from the map page')).url;
      result.hidden = false;
      embed.hidden = mode === 'copy';
      q<HTMLElement>('share-embed-note').textContent = embedNote(origins);
      await copy(refresh(), urlField, 'Link');
    } catch (e) {
      ctx.showError(`Could not share the view: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      button.disabled = false;
    }
  });
  q<HTMLButtonElement>('share-copy').addEventListener('click', () => void copy(refresh(), urlField, 'Link'));
  q<HTMLButtonElement>('share-embed-copy').addEventListener('click', () => {
    refresh();
    void copy(embedField.value, embedField, 'Embed code');
  });
  return share;
}
