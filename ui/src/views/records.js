// A collection's page: records with paging, sorting, a search bar (plain words or the filter language), bulk
// delete; opening a row edits it. Also the entry points to the collection editor, API preview and records
// export/import (record_transfer.js).
import { api, enc } from '../api.js';
import { confirm, empty, h, replace, spinner, toast } from '../dom.js';
import { preview } from '../fields.js';
import { fileToken, fileUrl, isImage } from '../files.js';
import { expandedById, recordLabel, relationChip } from '../record_label.js';
import { findCollection, store } from '../store.js';
import { openApiPreview } from './api_preview.js';
import { searchQuery } from '../search_filter.js';
import { openCollectionEditor } from './collection_editor.js';
import { openRecordForm } from './record_form.js';
import { openRecordTransfer } from './record_transfer.js';

const PER_PAGE = [20, 50, 100];

export function renderCollection(main, name) {
  if (!name) return renderOverview(main);
  const collection = findCollection(name);
  if (!collection) {
    replace(main, h('div', { class: 'page-body' }, empty('?', 'Collection not found', `There is no collection named “${name}”.`,
      h('a', { class: 'btn', href: '#/collections' }, 'All collections'))));
    return;
  }
  const hasCreated = collection.fields.some((f) => f.name === 'created');
  const state = { page: 1, perPage: 20, sort: hasCreated ? '-created' : '', query: {}, selected: new Set(), res: null, error: null, loading: true };
  const columns = collection.fields.filter((f) => f.type !== 'password' && !(collection.type === 'auth' && f.name === 'tokenKey'));
  // One request names every related record: the relation columns are expanded with the page.
  const expand = columns.filter((f) => f.type === 'relation').map((f) => f.name).join(',');
  const table = h('div', { class: 'card' });
  const filterInput = h('input', { class: 'input mono', id: 'records-filter', type: 'search', 'aria-label': 'Filter records',
    placeholder: 'Search words, or filter, e.g. title ~ "hello" && views > 10' });
  const filterError = h('div', { class: 'error', role: 'alert', hidden: true });
  const bulk = h('div', { class: 'bulkbar', hidden: true });
  let token = '';

  async function load() {
    state.loading = true;
    draw();
    try {
      state.res = await api('GET', `/api/collections/${enc(collection.name)}/records`, { query: {
        page: state.page, perPage: state.perPage, sort: state.sort, expand, ...state.query } });
      state.error = null;
      filterError.hidden = true;
      filterInput.classList.remove('invalid');
      if (columns.some((f) => f.type === 'file' && f.protected)) token = await fileToken();
    } catch (err) {
      if ((state.query.filter || state.query.search) && err.status === 400) {
        filterError.textContent = `${state.query.search ? 'Invalid search' : 'Invalid filter'}: ${err.message}`;
        filterError.hidden = false;
        filterInput.classList.add('invalid');
        state.res = null;
      } else state.error = err;
    }
    state.loading = false;
    draw();
  }

  function sortButton(f) {
    const dir = state.sort === f.name ? 'asc' : state.sort === `-${f.name}` ? 'desc' : null;
    return h('button', { class: 'sort', type: 'button', onclick: () => {
      state.sort = dir === 'desc' ? f.name : `-${f.name}`;
      state.page = 1;
      load();
    } }, f.name, dir ? h('span', { class: 'arrow', 'aria-hidden': 'true' }, dir === 'asc' ? '↑' : '↓') : null);
  }

  function cell(f, rec) {
    const v = rec[f.name];
    if (f.type === 'bool') return h('span', { class: ['badge', v ? 'success' : null] }, v ? 'true' : 'false');
    if (f.type === 'file') {
      const names = Array.isArray(v) ? v : v ? [v] : [];
      return h('span', { class: 'row' }, names.slice(0, 3).map((n) => (isImage(n)
        ? h('img', { class: 'thumb', alt: n, loading: 'lazy', src: fileUrl(collection, rec, n, { thumb: '100x100', token }) })
        : h('span', { class: 'chip' }, n))));
    }
    if (f.type === 'relation' || f.type === 'select') {
      const vals = Array.isArray(v) ? v : v ? [v] : [];
      const related = f.type === 'relation' ? expandedById(rec, f.name) : null;
      const more = vals.length - 3;
      return h('span', { class: 'chips' }, vals.slice(0, 3).map((x) => (related ? relationChip(x, related.get(x)) : h('span', { class: 'chip' }, x))),
        more > 0 ? h('span', { class: 'chip-more', title: vals.slice(3).map((x) => recordLabel(related?.get(x)) || x).join(', ') }, `+${more}`) : null);
    }
    const text = preview(f, v);
    return text === '' ? h('span', { class: 'faint' }, '—') : text;
  }

  function toggleAll(on) {
    for (const r of state.res?.items || []) if (on) state.selected.add(r.id); else state.selected.delete(r.id);
    draw();
  }

  function drawBulk() {
    const n = state.selected.size;
    bulk.hidden = n === 0;
    replace(bulk, `${n} selected`, h('button', { class: 'btn sm', type: 'button', onclick: () => { state.selected.clear(); draw(); } }, 'Clear'),
      h('button', { class: 'btn sm danger solid', type: 'button', onclick: bulkDelete }, `Delete selected (${n})`));
  }

  async function bulkDelete() {
    const ids = [...state.selected];
    if (!(await confirm(`Delete ${ids.length} record${ids.length > 1 ? 's' : ''}?`, 'This cannot be undone.'))) return;
    const failed = [];
    for (const id of ids) {
      try { await api('DELETE', `/api/collections/${enc(collection.name)}/records/${enc(id)}`); state.selected.delete(id); } catch (err) { failed.push(`${id}: ${err.message}`); }
    }
    if (failed.length) toast(`Could not delete ${failed.length}: ${failed[0]}`, 'error'); else toast(`Deleted ${ids.length} record${ids.length > 1 ? 's' : ''}.`);
    load();
  }

  function draw() {
    drawBulk();
    if (state.error) {
      replace(table, empty('!', 'Could not load records', state.error.message, h('button', { class: 'btn', type: 'button', onclick: load }, 'Try again')));
      return;
    }
    if (!state.res) { replace(table, state.loading ? spinner('Loading records…') : empty('∅', 'No results', 'Fix the filter to see records.')); return; }
    const items = state.res.items;
    if (!items.length) {
      replace(table, (state.query.filter || state.query.search) ? empty('∅', 'No records match', 'Try a different filter.', h('button', { class: 'btn', type: 'button', onclick: clearFilter }, 'Clear filter'))
        : empty('+', 'No records yet', `Add the first record to ${collection.name}.`, collection.type === 'view' ? null : h('button', { class: 'btn primary', type: 'button', onclick: () => newRecord() }, '+ New record')));
      return;
    }
    const allOn = items.every((r) => state.selected.has(r.id));
    const head = h('tr', null,
      h('th', { class: 'col-check' }, h('input', { type: 'checkbox', 'aria-label': 'Select all on this page', checked: allOn,
        indeterminate: !allOn && items.some((r) => state.selected.has(r.id)), onchange: (e) => toggleAll(e.target.checked) })),
      columns.map((f) => h('th', { scope: 'col', 'aria-sort': state.sort === f.name ? 'ascending' : state.sort === `-${f.name}` ? 'descending' : null }, sortButton(f))));
    const rows = items.map((rec) => {
      const open = () => openRecordForm(collection, rec, load);
      return h('tr', { tabindex: 0, class: state.selected.has(rec.id) ? 'selected' : null, 'data-id': rec.id,
        onclick: (e) => { if (!e.target.closest('.col-check')) open(); },
        // preventDefault: the Enter must not also reach (and submit) the form that opens.
        onkeydown: (e) => { if (e.key === 'Enter' && e.target === e.currentTarget) { e.preventDefault(); open(); } } },
      h('td', { class: 'col-check' }, h('input', { type: 'checkbox', 'aria-label': `Select ${rec.id}`, checked: state.selected.has(rec.id),
        onchange: (e) => { if (e.target.checked) state.selected.add(rec.id); else state.selected.delete(rec.id); draw(); } })),
      columns.map((f) => h('td', { class: 'cell', title: typeof rec[f.name] === 'string' && f.type !== 'relation' ? rec[f.name] : null }, cell(f, rec))));
    });
    const { page, totalPages, totalItems } = state.res;
    const pager = h('div', { class: 'pager' },
      h('span', { class: 'grow', role: 'status' }, `${totalItems} record${totalItems === 1 ? '' : 's'}`, state.loading ? ' · loading…' : ''),
      h('label', { class: 'row' }, 'Per page', h('select', { class: 'input', 'aria-label': 'Records per page', onchange: (e) => { state.perPage = Number(e.target.value); state.page = 1; load(); } },
        PER_PAGE.map((n) => h('option', { value: n, selected: n === state.perPage }, n)))),
      h('button', { class: 'btn sm', type: 'button', disabled: page <= 1, onclick: () => { state.page -= 1; load(); } }, '← Prev'),
      h('span', null, `Page ${page} of ${Math.max(totalPages, 1)}`),
      h('button', { class: 'btn sm', type: 'button', disabled: page >= totalPages, onclick: () => { state.page += 1; load(); } }, 'Next →'));
    replace(table, h('div', { class: 'table-wrap' }, h('table', { class: 'data' }, h('thead', null, head), h('tbody', null, rows))), pager);
  }

  function clearFilter() { filterInput.value = ''; state.query = {}; state.page = 1; load(); }
  const newRecord = () => openRecordForm(collection, null, load);

  replace(main,
    h('div', { class: 'page-head' },
      h('h1', null, h('span', { class: 'crumb' }, 'Collections /'), collection.name, collection.type !== 'base' ? h('span', { class: 'badge accent' }, collection.type) : null),
      h('div', { class: 'actions' },
        h('button', { class: 'btn', type: 'button', onclick: () => openApiPreview(collection) }, 'API preview'),
        h('button', { class: 'btn', type: 'button', onclick: () => openRecordTransfer(collection, { sort: state.sort, ...state.query }, load) }, 'Export / Import'),
        h('button', { class: 'btn', type: 'button', onclick: () => openCollectionEditor(findCollection(collection.id), (saved) => {
          if (saved.name === collection.name) renderCollection(main, saved.name); else location.hash = `#/collections/${enc(saved.name)}`;
        }) }, 'Edit collection'),
        collection.type === 'view' ? null : h('button', { class: 'btn primary', type: 'button', onclick: newRecord }, '+ New record'))),
    h('div', { class: 'page-body' },
      h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); state.query = searchQuery(filterInput.value, collection); state.page = 1; load(); } },
        h('div', { class: 'searchbar' }, h('div', { class: 'field' }, filterInput, filterError),
          h('button', { class: 'btn', type: 'submit' }, 'Filter'),
          h('button', { class: 'btn ghost', type: 'button', onclick: clearFilter }, 'Clear'))),
      bulk, table));
  load();
}

function renderOverview(main) {
  const list = store.collections.filter((c) => !c.system);
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Collections'),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'button', onclick: () => openCollectionEditor(null) }, '+ New collection'))),
  h('div', { class: 'page-body' }, list.length ? h('div', { class: 'card' }, h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
    h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Type'), h('th', null, 'Fields'), h('th', null, 'List rule'))),
    h('tbody', null, list.map((c) => h('tr', { tabindex: 0, onclick: () => { location.hash = `#/collections/${enc(c.name)}`; },
      onkeydown: (e) => { if (e.key === 'Enter') location.hash = `#/collections/${enc(c.name)}`; } },
    h('td', null, h('a', { href: `#/collections/${enc(c.name)}` }, c.name)), h('td', null, h('span', { class: 'badge' }, c.type)),
    h('td', null, String(c.fields.length)),
    h('td', { class: 'cell mono' }, c.listRule === null ? h('span', { class: 'faint' }, 'superusers only') : c.listRule || h('span', { class: 'faint' }, 'everyone'))))))))
    : h('div', { class: 'card' }, empty('+', 'No collections yet', 'A collection is a table with typed fields and API rules.',
      h('button', { class: 'btn primary', type: 'button', onclick: () => openCollectionEditor(null) }, 'Create your first collection')))));
}
