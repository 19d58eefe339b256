// The records view's search box takes either a filter in the rule language or plain words, as
// PocketBase users expect. Plain words go to the collection's full-text index when it has one
// (`search=`: every word, "quoted phrases", prefix*; docs/search.md); otherwise they become
// "contains" over the collection's text-like fields and the id
// (`(id ~ "rust tips" || title ~ "rust tips" || …)`, case-insensitive).
const OPERATOR = /(=|~|<|>|&&|\|\|)/;
const SEARCHED = new Set(['text', 'editor', 'email', 'url', 'select']);

// The list's query parameters for what was typed: { filter } or { search }.
export function searchQuery(input, collection) {
  const text = input.trim();
  if (!text || OPERATOR.test(text)) return { filter: text };
  if (collection.search) return { search: text };
  const literal = `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const fields = collection.fields
    .filter((f) => f.name === 'id' || (SEARCHED.has(f.type) && !f.hidden))
    .map((f) => `${f.name} ~ ${literal}`);
  return { filter: fields.length ? `(${fields.join(' || ')})` : text };
}
