// Create or edit a collection: name and type, fields with their options, API rules (syntax checked
// as you type), indexes, and for auth collections their options (auth_options.js), OAuth2
// providers (oauth2_providers.js) and mail templates (mail_templates.js).
import { api, enc, errorLines } from '../api.js';
import { busy, confirm, dialog, h, replace, tabs, toast } from '../dom.js';
import { FIELD_TYPES, NEW_FIELD_DEFAULTS } from '../fields.js';
import { loadCollections, store } from '../store.js';
import { authOptionsPanel } from './auth_options.js';
import { mailTemplatesPanel } from './mail_templates.js';
import { oauth2Panel } from './oauth2_providers.js';
import { ruleInput } from './rule_input.js';

export { TOKENS } from './auth_options.js';

const RULES = [['listRule', 'List/Search'], ['viewRule', 'View'], ['createRule', 'Create'], ['updateRule', 'Update'], ['deleteRule', 'Delete']];
const AUTH_RULES = [['authRule', 'Authentication'], ['manageRule', 'Manage other users']];
const TIMESTAMPS = [
  { name: 'created', type: 'autodate', onCreate: true, onUpdate: false, hidden: false, presentable: false, system: false },
  { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true, hidden: false, presentable: false, system: false },
];

let scaffolds = null;

export async function openCollectionEditor(existing, onSaved) {
  if (!scaffolds) scaffolds = await api('GET', '/api/collections/meta/scaffolds').catch(() => null);
  const isNew = !existing;
  const draft = isNew ? fresh('base', [], '') : structuredClone(existing);
  let tab = draft.type === 'view' ? 'query' : 'fields';
  const openCards = new Set();

  function fresh(type, custom, name) {
    const base = structuredClone(scaffolds?.[type] || { type, fields: [], indexes: [] });
    base.name = name;
    if (type !== 'view') base.fields = [...base.fields, ...structuredClone(TIMESTAMPS), ...custom];
    for (const [key] of [...RULES, ...AUTH_RULES]) if (!(key in base)) base[key] = null;
    return base;
  }

  const name = h('input', { class: 'input', id: 'collection-name', value: draft.name, placeholder: 'e.g. posts', required: true,
    autocomplete: 'off', oninput: () => { draft.name = name.value; } });
  const type = h('select', { class: 'input', id: 'collection-type', disabled: !isNew, onchange: () => {
    const custom = draft.fields.filter((f) => !f.system && !(f.type === 'autodate' && ['created', 'updated'].includes(f.name)));
    Object.assign(draft, fresh(type.value, type.value === 'view' ? [] : custom, draft.name));
    tab = draft.type === 'view' ? 'query' : 'fields';
    draw();
  } }, ['base', 'auth', 'view'].map((t) => h('option', { value: t, selected: t === draft.type }, t[0].toUpperCase() + t.slice(1))));
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const content = h('div', { class: 'stack' });

  function draw() {
    const names = [draft.type === 'view' ? ['query', 'Query'] : ['fields', 'Fields'], ['rules', 'API rules'], ['indexes', 'Indexes']];
    if (draft.type === 'auth') names.push(['options', 'Auth options'], ['oauth2', 'OAuth2'], ['mail', 'Mail templates']);
    replace(content, tabs(names, tab, (t) => { tab = t; draw(); }), h('div', { role: 'tabpanel' },
      { fields: drawFields, query: drawQuery, rules: drawRules, indexes: drawIndexes, options: () => authOptionsPanel(draft),
        oauth2: () => oauth2Panel(draft), mail: () => mailTemplatesPanel(draft) }[tab]()));
  }

  function drawFields() {
    const pick = h('select', { class: 'input', 'aria-label': 'New field type' },
      Object.entries(FIELD_TYPES).filter(([t]) => t !== 'password').map(([t, d]) => h('option', { value: t }, d.label)));
    return h('div', { class: 'stack tight' }, draft.fields.map((f, i) => fieldCard(f, i)),
      h('div', { class: 'row' }, pick, h('button', { class: 'btn', type: 'button', onclick: () => {
        const t = pick.value;
        draft.fields.push({ name: '', type: t, required: false, hidden: false, presentable: false, system: false, ...structuredClone(NEW_FIELD_DEFAULTS[t] || {}) });
        openCards.clear();
        openCards.add(draft.fields.length - 1);
        draw();
        content.querySelector(`[data-field="${draft.fields.length - 1}"] input`)?.focus();
      } }, '+ Add field')));
  }

  function fieldCard(f, i) {
    const open = openCards.has(i);
    const toggle = () => { if (open) openCards.delete(i); else openCards.add(i); draw(); };
    const remove = () => { draft.fields.splice(i, 1); openCards.clear(); draw(); };
    const head = h('div', { class: 'field-card-head' },
      h('span', { class: 'badge accent type', title: f.type }, FIELD_TYPES[f.type]?.label || f.type),
      h('input', { class: 'input grow', value: f.name, placeholder: 'Field name', 'aria-label': `Field ${i + 1} name`,
        disabled: f.system, oninput: (e) => { f.name = e.target.value; } }),
      f.required ? h('span', { class: 'badge warning' }, 'required') : null,
      h('button', { class: 'btn sm', type: 'button', 'aria-expanded': String(open), onclick: toggle }, open ? 'Done' : 'Options'),
      f.system ? null : h('button', { class: 'btn sm danger icon', type: 'button', 'aria-label': `Remove field ${f.name || i + 1}`, onclick: remove }, '✕'));
    return h('div', { class: ['field-card', f.system && 'system'], 'data-field': i }, head, open ? fieldOptions(f) : null);
  }

  function fieldOptions(f) {
    const flag = (key, label) => h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: !!f[key],
      onchange: (e) => { f[key] = e.target.checked; draw(); } }), label);
    const opts = (FIELD_TYPES[f.type]?.options || []).map(([key, kind, label]) => option(f, key, kind, label));
    return h('div', { class: 'field-card-body' }, opts.length ? h('div', { class: 'grid-2' }, opts) : null,
      h('div', { class: 'row' }, flag('required', 'Nonempty (required)'), flag('hidden', 'Hidden from the API'), flag('presentable', 'Presentable')));
  }

  function option(f, key, kind, label) {
    const id = `opt-${Math.random().toString(36).slice(2)}`;
    let input;
    if (kind === 'bool') {
      return h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: !!f[key], onchange: (e) => { f[key] = e.target.checked; } }), label);
    } else if (kind === 'collection') {
      input = h('select', { class: 'input', id, onchange: (e) => { f[key] = e.target.value; } },
        h('option', { value: '' }, 'Choose a collection…'),
        store.collections.map((c) => h('option', { value: c.id, selected: f[key] === c.id }, c.name)));
    } else if (kind === 'list') {
      input = h('input', { class: 'input', id, value: (f[key] || []).join(', '), placeholder: 'comma, separated',
        oninput: (e) => { f[key] = e.target.value.split(',').map((s) => s.trim()).filter(Boolean); } });
    } else {
      input = h('input', { class: 'input', id, type: kind === 'number' ? 'number' : 'text', value: f[key] ?? '',
        oninput: (e) => { f[key] = kind === 'number' ? (e.target.value === '' ? 0 : Number(e.target.value)) : e.target.value; } });
    }
    return h('div', { class: 'field' }, h('label', { for: id }, label), input);
  }

  function drawQuery() {
    return h('div', { class: 'field' }, h('label', { for: 'view-query' }, 'SELECT query'),
      h('textarea', { class: 'input mono', id: 'view-query', rows: 8, value: draft.viewQuery || '',
        placeholder: 'SELECT id, title FROM posts', oninput: (e) => { draft.viewQuery = e.target.value; } }),
      h('p', { class: 'hint' }, 'The query needs an id column; the fields are derived from its result columns.'));
  }

  function drawRules() {
    const list = draft.type === 'auth' ? [...RULES, ...AUTH_RULES] : draft.type === 'view' ? RULES.slice(0, 2) : RULES;
    return h('div', { class: 'stack' },
      h('p', { class: 'muted small' }, 'Locked rules allow superusers only; an empty rule allows everyone. ',
        'Use the filter language, e.g. ', h('code', null, '@request.auth.id != ""'), '.'),
      draft.type === 'auth' ? h('p', { class: 'muted small' }, 'Authentication: who may sign in, on top of the right credentials ',
        '(e.g. ', h('code', null, 'verified = true'), '). Manage other users: who may change other users\' email, password and ',
        'verified flag as a superuser can (e.g. ', h('code', null, '@request.auth.role = "admin"'), ').') : null,
      list.map(([key, label]) => ruleInput(draft, key, label)));
  }

  function drawIndexes() {
    draft.indexes ||= [];
    return h('div', { class: 'stack tight' },
      draft.indexes.length ? null : h('p', { class: 'muted small' }, 'No indexes yet.'),
      draft.indexes.map((sql, i) => h('div', { class: 'row' },
        h('input', { class: 'input mono grow', value: sql, 'aria-label': `Index ${i + 1}`, oninput: (e) => { draft.indexes[i] = e.target.value; } }),
        h('button', { class: 'btn sm danger icon', type: 'button', 'aria-label': `Remove index ${i + 1}`, onclick: () => { draft.indexes.splice(i, 1); draw(); } }, '✕'))),
      h('div', null, h('button', { class: 'btn', type: 'button', onclick: () => {
        draft.indexes.push(`CREATE INDEX \`idx_${draft.name || 'name'}_${draft.indexes.length}\` ON \`${draft.name || 'name'}\` (\`column\`)`);
        draw();
      } }, '+ Add index')));
  }

  const save = h('button', { class: 'btn primary', type: 'submit', form: 'collection-form' }, isNew ? 'Create' : 'Save changes');
  const form = h('form', { id: 'collection-form', class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    errorBox.hidden = true;
    // Scaffolded indexes (auth collections) name no table yet: point them at this collection.
    draft.indexes = (draft.indexes || []).map((sql) => sql.replace(/ ON `` /i, ` ON \`${draft.name}\` `));
    try {
      const saved = await busy(save, () => (isNew ? api('POST', '/api/collections', { body: draft })
        : api('PATCH', `/api/collections/${enc(existing.id)}`, { body: draft })));
      await loadCollections();
      d.close();
      toast(isNew ? `Created ${saved.name}.` : `Saved ${saved.name}.`);
      if (onSaved) onSaved(saved); else location.hash = `#/collections/${enc(saved.name)}`;
    } catch (err) {
      replace(errorBox, err.message, h('ul', null, errorLines(err.data).map((line) => h('li', null, line))));
      errorBox.hidden = false;
    }
  } }, errorBox, h('div', { class: 'grid-2' },
    h('div', { class: 'field' }, h('label', { for: 'collection-name' }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: 'collection-type' }, 'Type'), type)), content);

  const footer = [h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), save];
  if (!isNew && !existing.system) {
    footer.unshift(h('div', { class: 'left' }, h('button', { class: 'btn danger', type: 'button', onclick: async () => {
      if (!(await confirm(`Delete ${existing.name}?`, 'The collection and all of its records will be deleted. This cannot be undone.'))) return;
      try {
        await api('DELETE', `/api/collections/${enc(existing.id)}`);
        await loadCollections();
        d.close();
        toast(`Deleted ${existing.name}.`);
        location.hash = '#/collections';
      } catch (err) { toast(err.message, 'error'); }
    } }, 'Delete collection')));
  }
  const d = dialog({ title: isNew ? 'New collection' : `Edit ${existing.name}`, body: form, footer, wide: true });
  draw();
  name.focus();
  return d;
}
