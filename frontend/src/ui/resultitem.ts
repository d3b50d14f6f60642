// One ranked row in a list (search results, nearest neighbours): its score, its id and its text, as plain text.
import type { SearchResult } from '../api';

export function resultItem(result: SearchResult, maxChars = Infinity): HTMLLIElement {
  const item = document.createElement('li');
  item.dataset.rowId = String(result.id);
  item.tabIndex = 0;
  const score = document.createElement('span');
  score.className = 'score';
  score.textContent = result.score.toFixed(3);
  const text = document.createElement('span');
  text.className = 'text';
  // A passage map's hit shows the passage that matched, marked where the row's text goes on around it.
  const passage = result.passage;
  const shown = passage
    ? `${passage.start > 0 ? '…' : ''}${passage.text}${passage.end < result.text.length ? '…' : ''}`
    : result.text;
  text.textContent = shown.length > maxChars ? `${shown.slice(0, maxChars)}…` : shown;
  item.append(score, ' ');
  // The row's own id (the map's id column), when it has one: what people know their rows by.
  if (result.key !== null && result.key !== undefined && result.key !== '') {
    const key = document.createElement('span');
    key.className = 'key';
    key.textContent = String(result.key);
    item.append(key, ' ');
  }
  item.append(text);
  return item;
}
