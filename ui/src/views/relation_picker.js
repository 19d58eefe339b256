// Pick related records: a searchable, paged list from the related collection (filter language), each
// named by its presentable text. Resolves with the chosen records ({id} alone for a chosen one not
// seen in the list), so the form can name them, or null when cancelled.
import { api, enc } from '../api.js';
import { dialog, empty, h, replace, spinner } from '../dom.js';
import { recordLabel } from '../record_label.js';

export function pickRelations(collection, current, max) {
  return new Promise((resolve) => {
    const chosen = new Map(current.map((id) => [id, { id }]));
    let result = null;
    let page = 1;
    const list = h('div', { class: 'stack tight' });
    const search = h('input', { class: 'input mono', type: 'search', placeholder: 'Filter, e.g. name ~ "x"', 'aria-label': `Filter ${collection.name}` });
    const label = (rec) => { const text = recordLabel(rec, collection); return text === rec.id ? '' : text; };

    async function load() {
      replace(list, spinner());
      try {
        const res = await api('GET', `/api/collections/${enc(collection.name)}/records`, { query: { page, perPage: 20, filter: search.value.trim() } });
        draw(res);
      } catch (err) { replace(list, h('div', { class: 'form-error', role: 'alert' }, err.message)); }
    }
    function draw(res) {
      if (!res.items.length) { replace(list, empty('∅', 'No records', search.value ? 'Nothing matches this filter.' : `${collection.name} has no records yet.`)); return; }
      replace(list, res.items.map((rec) => h('label', { class: 'check' }, h('input', { type: max === 1 ? 'radio' : 'checkbox', name: 'pick', checked: chosen.has(rec.id),
        onchange: (e) => {
          if (max === 1) chosen.clear();
          if (e.target.checked) chosen.set(rec.id, rec); else chosen.delete(rec.id);
        } }), h('span', { class: 'mono' }, rec.id), h('span', { class: 'muted' }, label(rec)))),
      res.totalPages > 1 ? h('div', { class: 'row' },
        h('button', { class: 'btn sm', type: 'button', disabled: page <= 1, onclick: () => { page -= 1; load(); } }, '← Prev'),
        h('span', { class: 'small muted' }, `Page ${res.page} of ${res.totalPages}`),
        h('button', { class: 'btn sm', type: 'button', disabled: page >= res.totalPages, onclick: () => { page += 1; load(); } }, 'Next →')) : null);
    }
    const form = h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); page = 1; load(); } }, h('div', { class: 'grow' }, search), h('button', { class: 'btn', type: 'submit' }, 'Search'));
    let done = null;
    const d = dialog({ title: `Choose from ${collection.name}`, body: [form, list], onClose: () => resolve(done), footer: [
      h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'),
      h('button', { class: 'btn primary', type: 'button', onclick: () => { done = [...chosen.values()].slice(0, max); d.close(); } }, 'Select')] });
    search.focus();
    load();
  });
}
