// An <option> of a select whose text is user data (a column, tag or topic name): set as text, never markup.
export function textOption(value: string, text: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}
