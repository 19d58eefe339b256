// Settings › Export collections and Import collections: the schema as JSON (the collections as
// GET /api/collections answers them, without their created/updated times), and back in through
// PUT /api/collections/import {collections, deleteMissing} after a review of what would change.
import { api, errorLines } from '../api.js';
import { busy, confirm, h, replace, spinner, toast } from '../dom.js';
import { loadCollections } from '../store.js';

async function allCollections() {
  const items = [];
  for (let page = 1; ; page++) {
    const res = await api('GET', '/api/collections', { query: { page, perPage: 500, sort: 'created' } });
    items.push(...res.items);
    if (page >= res.totalPages || !res.items.length) return items;
  }
}

const exported = (c) => {
  const rest = { ...c };
  delete rest.created;
  delete rest.updated;
  return rest;
};

export async function drawExport(panel) {
  replace(panel, spinner('Loading collections…'));
  let collections;
  try { collections = await allCollections(); } catch (err) { replace(panel, h('div', { class: 'card-pad form-error', role: 'alert' }, err.message)); return; }
  const picked = new Set(collections.map((c) => c.id));
  const output = h('textarea', { class: 'input mono schema-json', id: 'export-json', readOnly: true, spellcheck: 'false', rows: 14 });
  const count = h('span', { class: 'small muted', 'aria-live': 'polite' });
  const json = () => JSON.stringify(collections.filter((c) => picked.has(c.id)).map(exported), null, 2);
  const paint = () => {
    output.value = json();
    count.textContent = `${picked.size} of ${collections.length} collections`;
    all.checked = picked.size === collections.length;
    all.indeterminate = picked.size > 0 && picked.size < collections.length;
  };
  const boxes = collections.map((c) => h('input', { type: 'checkbox', checked: true, 'data-id': c.id, onchange: (e) => {
    if (e.target.checked) picked.add(c.id); else picked.delete(c.id);
    paint();
  } }));
  const all = h('input', { type: 'checkbox', checked: true, onchange: (e) => {
    for (const [i, c] of collections.entries()) { boxes[i].checked = e.target.checked; if (e.target.checked) picked.add(c.id); else picked.delete(c.id); }
    paint();
  } });

  const download = () => {
    const url = URL.createObjectURL(new Blob([json() + '\n'], { type: 'application/json' }));
    const a = h('a', { href: url, download: `collections-${new Date().toISOString().slice(0, 10)}.json`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const copy = async () => {
    try { await navigator.clipboard.writeText(json()); toast('Copied the collections\' JSON.'); }
    catch { output.select(); toast('Copying was refused: the text is selected, copy it with Ctrl+C.', 'error'); }
  };
  replace(panel, h('div', { class: 'card-head' }, h('h2', null, 'Export collections')),
    h('div', { class: 'card-pad stack' },
      h('p', { class: 'small muted' }, 'The schema of the chosen collections as JSON: fields, rules, indexes and options, without records. ',
        'OAuth2 client secrets are never part of it. Import it on another server under Settings › Import collections.'),
      h('label', { class: 'check' }, all, 'All collections'),
      h('div', { class: 'collection-picks', role: 'group', 'aria-label': 'Collections to export' },
        collections.map((c, i) => h('label', { class: 'check', title: c.name }, boxes[i], c.name))),
      h('div', { class: 'field' }, h('label', { for: 'export-json' }, 'JSON'), output),
      h('div', { class: 'row' },
        h('button', { class: 'btn primary', type: 'button', onclick: download }, 'Download JSON'),
        h('button', { class: 'btn', type: 'button', onclick: copy }, 'Copy'), count)));
  paint();
}

// --- import -----------------------------------------------------------------------------------

// The collections in a pasted text: a list, {collections: [...]} or a list response {items: [...]}.
export function parseSchema(text) {
  let data;
  try { data = JSON.parse(text); } catch (err) { throw new Error(`Not valid JSON: ${err.message}`); }
  const list = Array.isArray(data) ? data : data?.collections || data?.items;
  if (!Array.isArray(list) || !list.length) throw new Error('Expected a non-empty list of collections.');
  list.forEach((c, i) => {
    if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error(`Item ${i + 1} is not an object.`);
    if (!c.name || typeof c.name !== 'string') throw new Error(`Item ${i + 1} has no name.`);
  });
  return list;
}

// JSON with sorted keys, for comparing values whatever their key order.
const canon = (v) => JSON.stringify(v, (_, x) => (x && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
const IGNORED = new Set(['created', 'updated', 'id', 'fields']);

function comparable(c) {
  const out = exported(c);
  // Secrets never come back from the server, so an imported one is no change to show.
  if (out.oauth2?.providers) {
    out.oauth2 = { ...out.oauth2, providers: out.oauth2.providers.map((p) => { const q = { ...p }; delete q.clientSecret; return q; }) };
  }
  return out;
}

function fieldDiff(before, after) {
  const find = (list, f) => list.find((x) => f.id && x.id === f.id) || list.find((x) => x.name === f.name);
  const added = []; const changed = []; const removed = [];
  for (const f of after) {
    const old = find(before, f);
    if (!old) { added.push(f.name); continue; }
    const keys = [...new Set([...Object.keys(old), ...Object.keys(f)])].filter((k) => k !== 'id' && canon(old[k]) !== canon(f[k]));
    if (keys.length) changed.push(old.name !== f.name ? `${old.name} → ${f.name} (${keys.join(', ')})` : `${f.name} (${keys.join(', ')})`);
  }
  for (const f of before) if (!find(after, f)) removed.push(f.name);
  return { added, changed, removed };
}

// What importing `items` would do to `current`, matched by id, then by name (as the server does).
export function schemaDiff(current, items, deleteMissing) {
  const added = []; const changed = []; const kept = []; const removed = [];
  const matched = new Set();
  for (const item of items) {
    const old = current.find((c) => item.id && c.id === item.id) || current.find((c) => c.name === item.name);
    if (!old) { added.push(item); continue; }
    matched.add(old.id);
    const a = comparable(old); const b = comparable({ ...old, ...item });
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !IGNORED.has(k) && canon(a[k]) !== canon(b[k]));
    const fields = item.fields ? fieldDiff(old.fields || [], item.fields) : { added: [], changed: [], removed: [] };
    if (keys.length || fields.added.length || fields.changed.length || fields.removed.length) changed.push({ old, item, keys, fields });
  }
  // An enabled OAuth2 provider needs its secret: exports have none, so a provider this server does
  // not store yet makes the import fail unless the JSON was given one.
  const secretless = [];
  for (const item of items) {
    if (!item.oauth2?.enabled) continue;
    const old = current.find((c) => item.id && c.id === item.id) || current.find((c) => c.name === item.name);
    const stored = new Set((old?.oauth2?.providers || []).map((p) => p.name));
    for (const p of item.oauth2.providers || []) if (!p.clientSecret && !stored.has(p.name)) secretless.push(`${item.name}: ${p.name}`);
  }
  for (const c of current) {
    if (matched.has(c.id)) continue;
    if (c.system) continue; // the server never deletes a system collection
    (deleteMissing ? removed : kept).push(c);
  }
  return { added, changed, removed, kept, secretless };
}

export function drawImport(panel) {
  const text = h('textarea', { class: 'input mono schema-json', id: 'import-json', rows: 12, spellcheck: 'false',
    placeholder: '[{"name": "posts", "type": "base", "fields": [...]}, ...]', oninput: () => { result.hidden = true; } });
  const file = h('input', { type: 'file', id: 'import-file', accept: 'application/json,.json', class: 'sr-only', tabindex: -1,
    'aria-hidden': 'true', onchange: async () => {
    const f = file.files?.[0];
    if (!f) return;
    text.value = await f.text();
    file.value = '';
    review();
  } });
  const deleteMissing = h('input', { type: 'checkbox', id: 'import-delete-missing', onchange: () => { if (!result.hidden) review(); } });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const result = h('section', { class: 'diff', 'aria-label': 'Changes', hidden: true });
  const reviewBtn = h('button', { class: 'btn primary', type: 'submit' }, 'Review changes');

  async function review() {
    error.hidden = true;
    result.hidden = true;
    let items;
    try { items = parseSchema(text.value); } catch (err) { error.textContent = err.message; error.hidden = false; return; }
    let current;
    try { current = await busy(reviewBtn, () => loadCollections()); } catch (err) { error.textContent = err.message; error.hidden = false; return; }
    drawDiff(items, current);
  }

  function drawDiff(items, current) {
    const d = schemaDiff(current, items, deleteMissing.checked);
    const none = !d.added.length && !d.changed.length && !d.removed.length;
    const apply = h('button', { class: 'btn primary', type: 'button', disabled: none, onclick: async () => {
      if (d.removed.length && !(await confirm(`Delete ${d.removed.length} collection${d.removed.length > 1 ? 's' : ''}?`,
        `${d.removed.map((c) => c.name).join(', ')} and all of their records will be deleted. This cannot be undone.`, { action: 'Import and delete' }))) return;
      error.hidden = true;
      try {
        await busy(apply, () => api('PUT', '/api/collections/import', { body: { collections: items, deleteMissing: deleteMissing.checked } }));
      } catch (err) {
        replace(error, err.message, h('ul', null, errorLines(err.data).map((l) => h('li', null, l))));
        error.hidden = false;
        return;
      }
      toast('Collections imported.');
      drawDiff(items, await loadCollections());
    } }, 'Apply import');
    const group = (title, cls, list, item) => (list.length ? h('div', { class: 'stack tight' },
      h('h3', { class: cls }, `${title} (${list.length})`), h('ul', { class: 'diff-list', 'aria-label': title }, list.map(item))) : null);
    const names = (label, list, cls) => (list.length ? h('li', { class: cls }, `${label}: ${list.join(', ')}`) : null);
    replace(result,
      none ? h('div', { class: 'form-ok', role: 'status' }, 'The server\'s collections already match this schema.') : null,
      d.secretless.length ? h('div', { class: 'form-warn', role: 'note' }, `OAuth2 providers without a client secret on this server: ${d.secretless.join(', ')}. `,
        'Exports never hold secrets: add "clientSecret" to each in the JSON, or turn OAuth2 off in it, or the import is refused.') : null,
      group('Added', 'diff-add', d.added, (c) => h('li', null, h('span', { class: 'diff-name' }, c.name), h('span', { class: 'badge' }, c.type || 'base'),
        h('span', { class: 'small muted' }, `${(c.fields || []).length} fields`))),
      group('Changed', 'diff-mod', d.changed, ({ old, item, keys, fields }) => h('li', null,
        h('span', { class: 'diff-name' }, item.name), old.name !== item.name ? h('span', { class: 'small muted' }, `renamed from ${old.name}`) : null,
        h('ul', null, names('Fields added', fields.added, 'diff-add'), names('Fields removed', fields.removed, 'diff-del'),
          names('Fields changed', fields.changed, 'diff-mod'), keys.length ? h('li', null, `Also changed: ${keys.join(', ')}`) : null))),
      group('Deleted', 'diff-del', d.removed, (c) => h('li', null, h('span', { class: 'diff-name' }, c.name),
        h('span', { class: 'badge danger' }, 'deleted with its records'))),
      d.kept.length ? h('p', { class: 'small muted' }, `Not in the import, kept: ${d.kept.map((c) => c.name).join(', ')}.`) : null,
      h('div', { class: 'row' }, apply));
    result.hidden = false;
  }

  replace(panel, h('div', { class: 'card-head' }, h('h2', null, 'Import collections')),
    h('form', { class: 'card-pad', novalidate: true, onsubmit: (e) => { e.preventDefault(); review(); } },
      h('p', { class: 'small muted' }, 'Paste the JSON of an export, or load its file. Collections are matched by id, then by name: ',
        'new ones are created, the others updated, in one transaction. Review the changes before applying them.'),
      error,
      h('div', { class: 'field' }, h('label', { for: 'import-json' }, 'Collections JSON'), text),
      h('div', { class: 'row' }, file, h('button', { class: 'btn', type: 'button', onclick: () => file.click() }, 'Load from a file…')),
      h('label', { class: 'check' }, deleteMissing, 'Delete collections that are not in the import (system collections are kept)'),
      h('div', { class: 'row' }, reviewBtn),
      result));
}
