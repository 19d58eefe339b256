// One webhook: its settings, its signing secret (with a copy button), "Send test" with the outcome,
// and its deliveries (every attempt, newest first), each of which can be redelivered.
import { api, enc } from '../api.js';
import { busy, empty, fmtDate, h, replace, spinner, toast } from '../dom.js';
import { WEBHOOKS, listOrAll, openWebhookEditor } from './webhooks.js';

const DELIVERIES = '_webhookDeliveries';

export async function renderWebhookDetail(main, id) {
  replace(main, spinner('Loading the webhook…'));
  let hook;
  try { hook = await api('GET', `/api/collections/${WEBHOOKS}/records/${enc(id)}`); } catch (err) {
    replace(main, h('div', { class: 'page-body' }, empty('?', 'Webhook not found', err.message, h('a', { class: 'btn', href: '#/webhooks' }, 'All webhooks'))));
    return;
  }
  const outcome = h('div', { class: 'form-ok', role: 'status', hidden: true });
  const deliveries = h('div', { class: 'card' }, spinner('Loading deliveries…'));
  const secret = h('input', { class: 'input mono', id: 'wh-secret', readOnly: true, value: hook.secret || '' });

  async function loadDeliveries() {
    replace(deliveries, spinner('Loading deliveries…'));
    let res;
    try {
      res = await api('GET', `/api/collections/${DELIVERIES}/records`, { query: { perPage: 100, sort: '-created', filter: `webhook = "${hook.id}"` } });
    } catch (err) {
      replace(deliveries, empty('!', 'Could not load deliveries', err.message, h('button', { class: 'btn', type: 'button', onclick: loadDeliveries }, 'Try again')));
      return;
    }
    if (!res.items.length) { replace(deliveries, empty('∅', 'No deliveries yet', 'Each attempt to deliver an event to this webhook is listed here.')); return; }
    replace(deliveries, h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Deliveries' },
      h('thead', null, h('tr', null, ['When', 'Event', 'Attempt', 'Status code', 'Delivered', 'Error', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, res.items.map((d) => h('tr', { 'data-id': d.id },
        h('td', null, fmtDate(d.created)),
        h('td', { class: 'mono' }, d.eventType || '', h('div', { class: 'small muted' }, d.eventId)),
        h('td', null, String(d.attempt ?? '')),
        h('td', { class: ['mono', d.statusCode ? `status-${String(d.statusCode)[0]}` : null] }, d.statusCode ? String(d.statusCode) : '—'),
        h('td', null, h('span', { class: ['badge', d.delivered ? 'success' : 'danger'] }, d.delivered ? 'Delivered' : 'Not delivered')),
        h('td', { class: 'cell', title: d.error }, d.error || '—',
          !d.delivered && d.nextAttempt ? h('div', { class: 'small muted' }, `next attempt ${fmtDate(d.nextAttempt)}`) : null),
        h('td', null, redeliverButton(d))))))),
    h('div', { class: 'pager' }, h('span', { class: 'grow' }, `${res.items.length} of ${res.totalItems}`)));
  }

  function redeliverButton(delivery) {
    const button = h('button', { class: 'btn sm', type: 'button', 'aria-label': `Redeliver ${delivery.eventType || 'event'} ${delivery.eventId}`, onclick: async () => {
      try {
        await busy(button, () => api('POST', `/api/webhooks/deliveries/${enc(delivery.id)}/redeliver`));
        toast('The event was queued for delivery again.');
      } catch (err) { toast(err.message, 'error'); }
    } }, 'Redeliver');
    return button;
  }

  const testButton = h('button', { class: 'btn', type: 'button', onclick: async () => {
    outcome.hidden = true;
    try {
      const res = await busy(testButton, () => api('POST', `/api/webhooks/${enc(hook.id)}/test`));
      outcome.className = res.delivered ? 'form-ok' : 'form-error';
      outcome.textContent = res.delivered
        ? `Test event delivered: the receiver answered ${res.statusCode} in ${res.durationMs} ms.`
        : `Test event not delivered: ${res.error || `the receiver answered ${res.statusCode}`}.`;
    } catch (err) {
      outcome.className = 'form-error';
      outcome.textContent = `Test event not sent: ${err.message}`;
    }
    outcome.hidden = false;
    loadDeliveries();
  } }, 'Send test');

  const copy = h('button', { class: 'btn', type: 'button', onclick: async () => {
    try { await navigator.clipboard.writeText(secret.value); toast('Secret copied.'); } catch { secret.select(); toast('Select the secret and copy it.'); }
  } }, 'Copy');
  const facts = [['URL', hook.url], ['Collections', listOrAll(hook.collections, 'All (except system ones)')], ['Events', listOrAll(hook.events, 'All')],
    ['Active', hook.active ? 'Yes' : 'No (paused)']];

  replace(main, h('div', { class: 'page-head' }, h('h1', null, h('a', { href: '#/webhooks' }, 'Webhooks'), ` / ${hook.name || hook.id}`),
    h('div', { class: 'actions' },
      h('button', { class: 'btn', type: 'button', onclick: () => openWebhookEditor(hook, () => renderWebhookDetail(main, hook.id)) }, 'Edit'),
      testButton)),
  h('div', { class: 'page-body' }, outcome,
    h('section', { class: 'card card-pad stack', 'aria-label': 'Webhook' },
      h('div', { class: 'grid-2' }, facts.map(([k, v]) => h('div', { class: 'field' }, h('span', { class: 'label' }, k), h('span', { class: 'small mono' }, v)))),
      h('div', { class: 'field' }, h('label', { for: 'wh-secret' }, 'Signing secret'), h('div', { class: 'token-box' }, secret, copy),
        h('span', { class: 'hint' }, 'Verify each request\u2019s webhook-signature with it (Standard Webhooks).'))),
    h('div', { class: 'row between' }, h('h2', null, 'Deliveries'), h('button', { class: 'btn sm', type: 'button', onclick: loadDeliveries }, 'Refresh')),
    deliveries));
  loadDeliveries();
}
