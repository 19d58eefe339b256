// Create or edit one record with inputs that fit each field type: relations picked from the related
// collection and named by their presentable text (the list's expanded records, then the picked ones),
// files uploaded (multipart) and previewed, editor fields in a rich-text editor (its own chunk, loaded
// when a form needs it; HTML sanitized in the browser), JSON checked as it is typed, geo points as
// longitude and latitude in range. For auth collections the dialog also offers verification and
// password-reset mails and impersonation.
import { api, enc, errorLines } from '../api.js';
import { busy, confirm, dialog, h, replace, toast } from '../dom.js';
import { jsonInput, checkJson } from '../editors/json_input.js';
import { isMulti } from '../fields.js';
import { fileToken, fileUrl, isImage } from '../files.js';
import { expandedById, recordLabel, relationChip } from '../record_label.js';
import { findCollection } from '../store.js';
import { authActions } from './record_auth_actions.js';
import { pickRelations } from './relation_picker.js';

const SKIP = new Set(['autodate', 'password']);
const AUTH_SYSTEM = new Set(['tokenKey', 'password']);

// "2024-01-02 03:04:05.000Z" <-> the value of an <input type=datetime-local>, both in UTC.
const toLocalInput = (v) => (v ? v.replace(' ', 'T').slice(0, 19) : '');
const fromLocalInput = (v) => (v ? `${v.replace('T', ' ')}${v.length === 16 ? ':00' : ''}.000Z` : '');

export async function openRecordForm(collection, record, onSaved) {
  const isNew = !record;
  const isAuth = collection.type === 'auth';
  const values = isNew ? {} : structuredClone(record);
  const newFiles = {}; // field -> File[]
  const removed = {}; // field -> names
  const errors = {};
  const token = collection.fields.some((f) => f.type === 'file' && f.protected) ? await fileToken() : '';
  const fields = collection.fields.filter((f) => !SKIP.has(f.type) && !(isAuth && AUTH_SYSTEM.has(f.name)) && !(f.name === 'id' && !isNew));
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const readonly = collection.type === 'view';
  // The rich-text editor is a separate chunk; if it cannot load, editor fields fall back to a textarea.
  const rich = fields.some((f) => f.type === 'editor') ? await import('../editors/rich_text.js').catch(() => null) : null;
  const widgets = []; // rich-text editors, destroyed with the dialog
  const checks = {}; // field -> () => error message or null, run before saving

  // Show (or clear) a field's error while the user types, before any save.
  function liveError(name, message) {
    if (message) errors[name] = message; else delete errors[name];
    const el = document.getElementById(`err-${name}`);
    if (el) { el.textContent = message || ''; el.hidden = !message; }
  }

  function errorFor(name) {
    return h('div', { class: 'error', id: `err-${name}`, hidden: !errors[name] }, errors[name] || '');
  }

  function input(f) {
    const id = `f-${f.name}`;
    const v = values[f.name];
    const set = (val) => { values[f.name] = val; };
    const attrs = { id, name: f.name, 'aria-describedby': `err-${f.name}`, disabled: readonly };
    switch (f.type) {
      case 'bool':
        return h('label', { class: 'check' }, h('input', { ...attrs, type: 'checkbox', checked: !!v, onchange: (e) => set(e.target.checked) }), f.name);
      case 'number':
        return h('input', { ...attrs, class: 'input', type: 'number', step: f.onlyInt ? '1' : 'any', value: v ?? '',
          oninput: (e) => set(e.target.value === '' ? null : Number(e.target.value)) });
      case 'email': case 'url':
        return h('input', { ...attrs, class: 'input', type: f.type, value: v ?? '', oninput: (e) => set(e.target.value) });
      case 'editor': {
        if (!rich) return h('textarea', { ...attrs, class: 'input mono', rows: 6, value: v ?? '', oninput: (e) => set(e.target.value) });
        const widget = rich.richTextEditor({ id, label: f.name, value: v ?? '', readonly, onChange: set });
        widgets.push(widget);
        return widget;
      }
      case 'date':
        return h('input', { ...attrs, class: 'input', type: 'datetime-local', step: '1', value: toLocalInput(v), oninput: (e) => set(fromLocalInput(e.target.value)) });
      case 'json': {
        checks[f.name] = () => {
          const cur = values[f.name]; // {__raw: text} once edited
          return cur && typeof cur === 'object' && '__raw' in cur ? checkJson(cur.__raw, f.maxSize || 0).error || null : null;
        };
        return jsonInput({ id, field: f, value: v, readonly, onChange: (raw) => set({ __raw: raw }), onError: (msg) => liveError(f.name, msg) });
      }
      case 'geoPoint': return geoInput(f);
      case 'select':
        if (isMulti(f)) {
          const chosen = new Set(v || []);
          return h('div', { class: 'row', role: 'group', id }, (f.values || []).map((opt) => h('label', { class: 'check' },
            h('input', { type: 'checkbox', checked: chosen.has(opt), disabled: readonly, onchange: (e) => {
              if (e.target.checked) chosen.add(opt); else chosen.delete(opt);
              set([...chosen]);
            } }), opt)));
        }
        return h('select', { ...attrs, class: 'input', onchange: (e) => set(e.target.value) },
          h('option', { value: '' }, '—'), (f.values || []).map((opt) => h('option', { value: opt, selected: opt === v }, opt)));
      case 'relation': return relationInput(f);
      case 'file': return fileInput(f);
      default:
        return h('input', { ...attrs, class: 'input', type: 'text', value: v ?? '', placeholder: f.name === 'id' ? 'Leave empty to generate' : '',
          autocomplete: 'off', oninput: (e) => set(e.target.value) });
    }
  }

  // Longitude and latitude, each checked against its range as it is typed; empty means 0.
  function geoInput(f) {
    const p = { lon: 0, lat: 0, ...(values[f.name] || {}) };
    const LIMITS = { lon: ['Longitude', 180], lat: ['Latitude', 90] };
    const raw = { lon: String(p.lon), lat: String(p.lat) };
    const problem = () => {
      for (const [key, [name, max]] of Object.entries(LIMITS)) {
        const text = raw[key].trim();
        const n = text === '' ? 0 : Number(text);
        if (!Number.isFinite(n)) return `${name} must be a number.`;
        if (n < -max || n > max) return `${name} must be between -${max} and ${max}.`;
      }
      return null;
    };
    checks[f.name] = problem;
    const inputs = {};
    const num = (key) => {
      const [name, max] = LIMITS[key];
      const inputId = key === 'lon' ? `f-${f.name}` : `f-${f.name}-lat`;
      inputs[key] = h('input', { id: inputId, class: 'input', type: 'number', step: 'any', min: -max, max, value: raw[key], disabled: readonly,
        'aria-describedby': `err-${f.name}`, oninput: (e) => {
          raw[key] = e.target.value;
          const text = raw[key].trim();
          p[key] = text === '' ? 0 : Number(text);
          values[f.name] = { lon: p.lon, lat: p.lat };
          const msg = problem();
          for (const el of Object.values(inputs)) el.setAttribute('aria-invalid', String(!!msg));
          inputs[key].classList.toggle('invalid', !!msg);
          liveError(f.name, msg);
        } });
      return h('div', { class: 'field' }, h('label', { for: inputId, class: 'xsmall' }, `${name} (−${max} to ${max})`), inputs[key]);
    };
    return h('div', { class: 'grid-2 geo-point' }, num('lon'), num('lat'));
  }

  function relationInput(f) {
    const target = findCollection(f.collectionId);
    const box = h('div', { class: 'stack tight' });
    const known = expandedById(record, f.name); // id -> related record, to name the chips
    const draw = () => {
      const ids = [values[f.name]].flat().filter(Boolean);
      replace(box, h('div', { class: 'chips' }, ids.length ? ids.map((rid) => relationChip(rid, known.get(rid),
        readonly ? null : h('button', { type: 'button', 'aria-label': `Remove ${recordLabel(known.get(rid)) || rid}`, onclick: () => {
          values[f.name] = isMulti(f) ? ids.filter((x) => x !== rid) : '';
          draw();
        } }, '×'))) : h('span', { class: 'faint small' }, 'Nothing selected.')),
      readonly || !target ? null : h('div', null, h('button', { class: 'btn sm', type: 'button', onclick: async () => {
        const picked = await pickRelations(target, ids, isMulti(f) ? f.maxSelect || 999 : 1);
        if (!picked) return;
        for (const rec of picked) if (rec.collectionId) known.set(rec.id, rec);
        const pickedIds = picked.map((rec) => rec.id);
        values[f.name] = isMulti(f) ? pickedIds : pickedIds[0] || '';
        draw();
      } }, `Choose from ${target.name}…`)));
    };
    draw();
    return box;
  }

  function fileInput(f) {
    const box = h('div', { class: 'stack tight' });
    const picker = h('input', { type: 'file', id: `f-${f.name}`, multiple: isMulti(f), class: 'sr-only', disabled: readonly,
      accept: (f.mimeTypes || []).join(',') || null, onchange: () => {
        const chosen = [...picker.files];
        newFiles[f.name] = isMulti(f) ? [...(newFiles[f.name] || []), ...chosen] : chosen.slice(0, 1);
        picker.value = '';
        draw();
      } });
    const draw = () => {
      const existing = isNew ? [] : [record[f.name]].flat().filter(Boolean);
      const gone = new Set(removed[f.name] || []);
      const items = [
        ...existing.map((n) => h('div', { class: ['file-item', gone.has(n) && 'removed'] },
          isImage(n) ? h('img', { alt: '', src: fileUrl(collection, record, n, { thumb: '100x100', token }) }) : null,
          h('a', { class: 'name', href: fileUrl(collection, record, n, { token }), target: '_blank', rel: 'noopener' }, n),
          readonly ? null : h('button', { class: 'btn sm ghost', type: 'button', onclick: () => {
            removed[f.name] = gone.has(n) ? [...gone].filter((x) => x !== n) : [...gone, n];
            draw();
          } }, gone.has(n) ? 'Undo' : 'Remove'))),
        ...(newFiles[f.name] || []).map((file, i) => h('div', { class: 'file-item' },
          isImage(file.name) ? h('img', { alt: '', src: URL.createObjectURL(file) }) : null,
          h('span', { class: 'name' }, file.name), h('span', { class: 'badge success' }, 'new'),
          h('button', { class: 'btn sm ghost', type: 'button', onclick: () => { newFiles[f.name].splice(i, 1); draw(); } }, 'Remove'))),
      ];
      replace(box, items.length ? h('div', { class: 'files' }, items) : h('span', { class: 'faint small' }, 'No files.'),
        readonly ? null : h('div', { class: 'dropzone' }, picker,
          h('label', { class: 'btn sm', for: `f-${f.name}`, tabindex: 0, onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); picker.click(); } } },
            existing.length || newFiles[f.name]?.length ? (isMulti(f) ? 'Add files…' : 'Replace file…') : 'Upload file…')));
    };
    draw();
    return box;
  }

  function fieldRow(f) {
    // A label's `for` cannot focus the rich-text editor (a contenteditable div): a click does it.
    const focusEditor = f.type === 'editor' ? (e) => { e.preventDefault(); document.getElementById(`f-${f.name}`)?.focus(); } : null;
    const label = f.type === 'bool' ? null : h('label', { for: `f-${f.name}`, onclick: focusEditor }, f.name, f.required && f.name !== 'id' ? h('span', { class: 'faint' }, ' *') : null,
      f.type === 'date' ? h('span', { class: 'faint' }, ' (UTC)') : null);
    return h('div', { class: 'field' }, label, input(f), errorFor(f.name));
  }

  // Auth records: email, visibility, verified, then an optional password pair.
  const passwordRows = [];
  if (isAuth && !readonly) {
    const pw = h('input', { class: 'input', id: 'f-password', type: 'password', autocomplete: 'new-password', oninput: (e) => { values.password = e.target.value; } });
    const pw2 = h('input', { class: 'input', id: 'f-passwordConfirm', type: 'password', autocomplete: 'new-password', oninput: (e) => { values.passwordConfirm = e.target.value; } });
    passwordRows.push(h('div', { class: 'grid-2' },
      h('div', { class: 'field' }, h('label', { for: 'f-password' }, isNew ? 'Password *' : 'New password'), pw, errorFor('password')),
      h('div', { class: 'field' }, h('label', { for: 'f-passwordConfirm' }, 'Confirm password'), pw2, errorFor('passwordConfirm'))));
  }

  function payload() {
    const body = {};
    for (const f of fields) {
      if (f.type === 'file' || !(f.name in values)) continue;
      let v = values[f.name];
      if (f.type === 'json' && v && typeof v === 'object' && '__raw' in v) {
        const result = checkJson(v.__raw, f.maxSize || 0);
        if (result.error) throw Object.assign(new Error(result.error), { field: f.name });
        v = result.value;
      }
      body[f.name] = v;
    }
    if (values.password) { body.password = values.password; body.passwordConfirm = values.passwordConfirm || ''; }
    const fileFields = fields.filter((f) => f.type === 'file');
    const hasFiles = fileFields.some((f) => newFiles[f.name]?.length || removed[f.name]?.length);
    if (!hasFiles) return { body };
    const form = new FormData();
    form.append('@jsonPayload', JSON.stringify(body));
    for (const f of fileFields) {
      for (const n of removed[f.name] || []) form.append(`${f.name}-`, n);
      const key = !isNew && isMulti(f) ? `${f.name}+` : f.name;
      for (const file of newFiles[f.name] || []) form.append(key, file);
    }
    return { form };
  }

  const save = h('button', { class: 'btn primary', type: 'submit', form: 'record-form' }, isNew ? 'Create' : 'Save changes');
  const form = h('form', { id: 'record-form', class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (readonly) return;
    for (const k of Object.keys(errors)) delete errors[k];
    errorBox.hidden = true;
    for (const [name, check] of Object.entries(checks)) {
      const msg = check();
      if (msg) errors[name] = msg;
    }
    let request;
    if (!Object.keys(errors).length) {
      try { request = payload(); } catch (err) { errors[err.field] = err.message; }
    }
    if (!request) {
      paintErrors();
      form.querySelector('[aria-invalid="true"], .invalid')?.focus();
      return;
    }
    try {
      const path = `/api/collections/${enc(collection.name)}/records`;
      const saved = await busy(save, () => (isNew ? api('POST', path, request) : api('PATCH', `${path}/${enc(record.id)}`, request)));
      d.close();
      toast(isNew ? 'Record created.' : 'Record saved.');
      onSaved?.(saved);
    } catch (err) {
      for (const [k, v] of Object.entries(err.data || {})) errors[k] = v?.message || String(v);
      const unplaced = errorLines(err.data).filter((line) => !fields.some((f) => line.startsWith(`${f.name}:`)) && !/^password/.test(line));
      replace(errorBox, err.message, unplaced.length ? h('ul', null, unplaced.map((l) => h('li', null, l))) : null);
      errorBox.hidden = false;
      paintErrors();
    }
  } }, errorBox, fields.map(fieldRow), passwordRows);

  function paintErrors() {
    for (const el of form.querySelectorAll('.error[id^="err-"]')) {
      const name = el.id.slice(4);
      el.textContent = errors[name] || '';
      el.hidden = !errors[name];
    }
  }

  const footer = [h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, readonly ? 'Close' : 'Cancel')];
  if (!readonly) footer.push(save);
  if (!isNew && !readonly) {
    footer.unshift(h('div', { class: 'left' }, h('button', { class: 'btn danger', type: 'button', onclick: async () => {
      if (!(await confirm('Delete this record?', `Record ${record.id} will be deleted. This cannot be undone.`))) return;
      try {
        await api('DELETE', `/api/collections/${enc(collection.name)}/records/${enc(record.id)}`);
        d.close();
        toast('Record deleted.');
        onSaved?.(null);
      } catch (err) { toast(err.message, 'error'); }
    } }, 'Delete')));
  }
  const body = h('div', { class: 'stack loose' }, !isNew ? h('p', { class: 'muted small mono' }, `id: ${record.id}`) : null, form,
    isAuth && !isNew ? authActions(collection, record) : null);
  const d = dialog({ title: isNew ? `New ${collection.name} record` : `Edit ${collection.name} record`, body, footer, wide: true,
    onClose: () => { for (const w of widgets) w.destroy(); } });
  form.querySelector('input:not([type=checkbox]):not([type=file]), textarea, select')?.focus();
}
