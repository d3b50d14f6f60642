// One ranked row in a list (search results, nearest neighbours): its score and its text, as plain text.
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
  text.textContent = result.text.length > maxChars ? `${result.text.slice(0, maxChars)}…` : result.text;
  item.append(score, ' ', text);
  return item;
}
