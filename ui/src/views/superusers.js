// Settings › Superusers: the `_superusers` records (email, created), add one, change a password,
// delete one (not the only one; a refusal from the server is shown). The signed-in one is "you".
import { api, enc, errorLines } from '../api.js';
import { busy, confirm, dialog, fmtDate, h, replace, spinner, toast } from '../dom.js';
import { session } from '../session.js';

const BASE = '/api/collections/_superusers/records';

export async function drawSuperusers(panel) {
  replace(panel, h('div', { class: 'card-head' }, h('h2', null, 'Superusers')), spinner('Loading superusers…'));
  let items;
  try {
    items = (await api('GET', BASE, { query: { perPage: 200, sort: 'created' } })).items;
  } catch (err) { replace(panel, h('div', { class: 'card-pad form-error', role: 'alert' }, err.message)); return; }
  const redraw = () => drawSuperusers(panel);
  // The server would delete the only superuser too (PocketBase refuses): the button says why not.
  const only = items.length === 1;
  const row = (su) => h('tr', { 'data-id': su.id },
    h('td', null, su.email, su.id === session.record?.id ? [' ', h('span', { class: 'badge accent' }, 'you')] : null),
    h('td', { class: 'muted small' }, fmtDate(su.created)),
    h('td', null, h('div', { class: 'row' },
      h('button', { class: 'btn sm', type: 'button', 'aria-label': `Change password of ${su.email}`, onclick: () => passwordDialog(su, redraw) }, 'Change password'),
      h('button', { class: 'btn sm danger', type: 'button', 'aria-label': `Delete ${su.email}`, disabled: only,
        title: only ? 'The only superuser cannot be deleted.' : null, onclick: () => remove(su, redraw) }, 'Delete'))));
  replace(panel, h('div', { class: 'card-head' }, h('h2', null, 'Superusers'),
    h('button', { class: 'btn primary sm', type: 'button', onclick: () => addDialog(redraw) }, '+ Add superuser')),
  h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Superusers' },
    h('thead', null, h('tr', null, ['Email', 'Created', ''].map((t) => h('th', null, t)))),
    h('tbody', null, items.map(row)))));
}

// A dialog form with an error box; `submit(values)` runs the request, then the dialog closes.
function formDialog(title, action, fields, submit) {
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const inputs = fields.map(([name, label, type, auto]) => h('input', { class: 'input', id: `su-${name}`, name, type, required: true, autocomplete: auto }));
  const send = h('button', { class: 'btn primary', type: 'submit', form: 'su-form' }, action);
  const d = dialog({ title, body: h('form', { id: 'su-form', class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    const values = Object.fromEntries(inputs.map((i) => [i.name, i.value]));
    try {
      await busy(send, () => submit(values));
      d.close();
    } catch (err) {
      replace(error, err.message, h('ul', null, errorLines(err.data).map((l) => h('li', null, l))));
      error.hidden = false;
    }
  } }, error, fields.map(([name, label], i) => h('div', { class: 'field' }, h('label', { for: `su-${name}` }, label), inputs[i]))),
  footer: [h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), send] });
  inputs[0].focus();
}

const PASSWORDS = [['password', 'Password', 'password', 'new-password'], ['passwordConfirm', 'Confirm password', 'password', 'new-password']];

function addDialog(done) {
  formDialog('Add superuser', 'Create', [['email', 'Email', 'email', 'off'], ...PASSWORDS], async (body) => {
    await api('POST', BASE, { body });
    toast(`Superuser ${body.email} added.`);
    done();
  });
}

function passwordDialog(su, done) {
  formDialog(`Change the password of ${su.email}`, 'Change password', PASSWORDS, async (body) => {
    await api('PATCH', `${BASE}/${enc(su.id)}`, { body });
    toast(`Password of ${su.email} changed.`);
    done();
  });
}

async function remove(su, done) {
  const self = su.id === session.record?.id;
  const ok = await confirm(`Delete ${su.email}?`, self
    ? 'This is your own account: you will be signed out and cannot sign in with it again.'
    : `${su.email} will no longer be able to sign in as a superuser.`);
  if (!ok) return;
  try {
    await api('DELETE', `${BASE}/${enc(su.id)}`);
  } catch (err) { toast(errorLines(err.data)[0] || err.message, 'error'); return; }
  toast(`Superuser ${su.email} deleted.`);
  if (self) session.clear();
  else done();
}
