// Webhooks: the records of `_webhooks` (installed on first use), listed, created, edited and deleted here;
// each one's page (webhook_detail.js) has its secret, "Send test" and its deliveries.
import { api, enc, errorLines } from '../api.js';
import { busy, confirm, dialog, empty, h, replace, spinner, toast } from '../dom.js';
import { loadCollections, store } from '../store.js';

export const WEBHOOKS = '_webhooks';
const EVENTS = [['create', 'Created'], ['update', 'Updated'], ['delete', 'Deleted']];

export const listOrAll = (names, all) => (names?.length ? names.join(', ') : all);

export function renderWebhooks(main) {
  const table = h('div', { class: 'card' }, spinner('Loading webhooks…'));

  async function load() {
    replace(table, spinner('Loading webhooks…'));
    let res;
    try {
      res = await api('GET', `/api/collections/${WEBHOOKS}/records`, { query: { perPage: 500, sort: '-created' } });
    } catch (err) {
      replace(table, empty('!', 'Could not load webhooks', err.message, h('button', { class: 'btn', type: 'button', onclick: load }, 'Try again')));
      return;
    }
    if (!res.items.length) {
      replace(table, empty('↗', 'No webhooks', 'A webhook sends each record change, signed, to a URL of yours.',
        h('button', { class: 'btn primary', type: 'button', onclick: () => openWebhookEditor(null, load) }, '+ New webhook')));
      return;
    }
    replace(table, h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', null, h('tr', null, ['Name', 'URL', 'Collections', 'Events', 'Active', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, res.items.map((hook) => h('tr', { 'data-id': hook.id },
        h('td', null, h('a', { href: `#/webhooks/${enc(hook.id)}` }, hook.name || hook.id)),
        h('td', { class: 'cell mono', title: hook.url }, hook.url),
        h('td', null, listOrAll(hook.collections, 'All')),
        h('td', null, listOrAll(hook.events, 'All')),
        h('td', null, h('span', { class: ['badge', hook.active ? 'success' : null] }, hook.active ? 'Active' : 'Paused')),
        h('td', null, h('button', { class: 'btn sm', type: 'button', 'aria-label': `Edit ${hook.name || hook.id}`,
          onclick: () => openWebhookEditor(hook, load) }, 'Edit'))))))));
    // installing the collections on first use changes the schema: the sidebar lists them now
    if (!store.collections.some((c) => c.name === WEBHOOKS)) loadCollections().catch(() => {});
  }

  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Webhooks'),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'button', onclick: () => openWebhookEditor(null, load) }, '+ New webhook'))),
  h('div', { class: 'page-body' }, table));
  load();
}

// The create/edit form; `saved(record)` runs after a save, `saved(null)` after a delete.
export function openWebhookEditor(hook, saved) {
  const draft = { name: hook?.name || '', url: hook?.url || '', collections: [...(hook?.collections || [])],
    events: [...(hook?.events || [])], active: hook ? !!hook.active : true };
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { class: 'btn primary', type: 'submit', form: 'webhook-form' }, hook ? 'Save' : 'Create');
  const names = store.collections.filter((c) => !c.name.startsWith('_')).map((c) => c.name);
  for (const name of draft.collections) if (!names.includes(name)) names.push(name);
  const toggle = (list, value, on) => { const at = list.indexOf(value); if (on && at < 0) list.push(value); if (!on && at >= 0) list.splice(at, 1); };
  const checks = (legend, hint, items, list) => h('fieldset', { class: 'choices stack tight' }, h('legend', { class: 'label' }, legend),
    items.length ? h('div', { class: 'choice-row' }, items.map(([value, label]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value, checked: list.includes(value), onchange: (e) => toggle(list, value, e.target.checked) }), label)))
      : h('p', { class: 'muted small' }, 'No collections yet.'),
    h('span', { class: 'hint' }, hint));

  const form = h('form', { id: 'webhook-form', class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    const path = `/api/collections/${WEBHOOKS}/records${hook ? `/${enc(hook.id)}` : ''}`;
    try {
      const record = await busy(save, () => api(hook ? 'PATCH' : 'POST', path, { body: draft }));
      d.close();
      toast(hook ? 'Webhook saved.' : 'Webhook created.');
      saved?.(record);
    } catch (err) {
      replace(error, err.message, h('ul', null, errorLines(err.data).map((l) => h('li', null, l))));
      error.hidden = false;
    }
  } }, error,
  h('div', { class: 'field' }, h('label', { for: 'wh-name' }, 'Name'),
    h('input', { class: 'input', id: 'wh-name', value: draft.name, oninput: (e) => { draft.name = e.target.value; } })),
  h('div', { class: 'field' }, h('label', { for: 'wh-url' }, 'URL'),
    h('input', { class: 'input mono', id: 'wh-url', type: 'url', required: true, placeholder: 'https://example.com/hooks/bastion', value: draft.url,
      oninput: (e) => { draft.url = e.target.value.trim(); } })),
  checks('Collections', 'None checked: every collection (except system ones).', names.map((n) => [n, n]), draft.collections),
  checks('Events', 'None checked: every event.', EVENTS, draft.events),
  h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'wh-active', checked: draft.active, onchange: (e) => { draft.active = e.target.checked; } }), 'Active'));
  const footer = [h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), save];
  if (hook) footer.unshift(h('div', { class: 'left' }, deleteButton(hook, () => { d.close(); saved?.(null); })));
  const d = dialog({ title: hook ? `Edit webhook ${hook.name || hook.id}` : 'New webhook', body: form, footer });
  form.querySelector('#wh-name').focus();
}

// Delete, after a confirmation (as for records); the server deletes the webhook's deliveries with it.
function deleteButton(hook, deleted) {
  const button = h('button', { class: 'btn danger', type: 'button', onclick: async () => {
    const name = hook.name || hook.id;
    if (!(await confirm('Delete this webhook?', `Webhook ${name} and its deliveries will be deleted; events not sent yet are dropped. This cannot be undone.`))) return;
    try {
      await busy(button, () => api('DELETE', `/api/collections/${WEBHOOKS}/records/${enc(hook.id)}`));
      toast('Webhook deleted.');
      deleted();
    } catch (err) { toast(err.message, 'error'); }
  } }, 'Delete');
  return button;
}
