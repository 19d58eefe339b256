// The records view's search box takes either a filter in the rule language or plain words, as
// PocketBase users expect: text without an operator becomes "contains" over the collection's
// text-like fields and the id (`(id ~ "rust tips" || title ~ "rust tips" || …)`, case-insensitive).
const OPERATOR = /(=|~|<|>|&&|\|\|)/;
const SEARCHED = new Set(['text', 'editor', 'email', 'url', 'select']);

export function searchFilter(input, collection) {
  const text = input.trim();
  if (!text || OPERATOR.test(text)) return text;
  const literal = `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const fields = collection.fields
    .filter((f) => f.name === 'id' || (SEARCHED.has(f.type) && !f.hidden))
    .map((f) => `${f.name} ~ ${literal}`);
  return fields.length ? `(${fields.join(' || ')})` : text;
}
