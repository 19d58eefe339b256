// One webhook: its settings (edit, pause/resume, delete), its signing secret (with a copy button),
// "Send test" with the outcome, and its deliveries (every attempt, newest first, refreshed by
// themselves while the page is open), each of which can be redelivered.
import { api, enc } from '../api.js';
import { busy, empty, fmtDate, h, replace, spinner, toast } from '../dom.js';
import { autoRefresh, redraw } from '../refresh.js';
import { WEBHOOKS, listOrAll, openWebhookEditor } from './webhooks.js';

const DELIVERIES = '_webhookDeliveries';

export async function renderWebhookDetail(main, id) {
  const loading = replace(main, spinner('Loading the webhook…')).firstChild;
  let hook;
  try { hook = await api('GET', `/api/collections/${WEBHOOKS}/records/${enc(id)}`); } catch (err) {
    if (!loading.isConnected) return;
    replace(main, h('div', { class: 'page-body' }, empty('?', 'Webhook not found', err.message, h('a', { class: 'btn', href: '#/webhooks' }, 'All webhooks'))));
    return;
  }
  if (!loading.isConnected) return; // the user went to another page meanwhile: leave it (and start no refresh)
  const outcome = h('div', { class: 'form-ok', role: 'status', hidden: true });
  const deliveries = h('div', { class: 'card' }, spinner('Loading deliveries…'));
  const secret = h('input', { class: 'input mono', id: 'wh-secret', readOnly: true, value: hook.secret || '' });

  const fetchDeliveries = () => api('GET', `/api/collections/${DELIVERIES}/records`,
    { query: { perPage: 100, sort: '-created', filter: `webhook = "${hook.id}"` } });
  const auto = autoRefresh(async () => drawDeliveries(await fetchDeliveries()));

  async function loadDeliveries() {
    replace(deliveries, spinner('Loading deliveries…'));
    let res;
    try { res = await fetchDeliveries(); } catch (err) {
      replace(deliveries, empty('!', 'Could not load deliveries', err.message, h('button', { class: 'btn', type: 'button', onclick: loadDeliveries }, 'Try again')));
      return;
    }
    drawDeliveries(res);
    auto.mark();
  }

  function drawDeliveries(res) {
    redraw(deliveries, [res.items, res.totalItems], () => {
      if (!res.items.length) { replace(deliveries, empty('∅', 'No deliveries yet', 'Each attempt to deliver an event to this webhook is listed here.')); return; }
      replace(deliveries, h('div', { class: 'table-wrap' }, h('table', { class: 'data', 'aria-label': 'Deliveries' },
        h('thead', null, h('tr', null, ['When', 'Event', 'Attempt', 'Status code', 'Delivered', 'Error', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, res.items.map(deliveryRow)))),
      h('div', { class: 'pager' }, h('span', { class: 'grow' }, `${res.items.length} of ${res.totalItems}`)));
    });
  }

  const deliveryRow = (d) => h('tr', { 'data-id': d.id },
    h('td', null, fmtDate(d.created)),
    h('td', { class: 'mono' }, d.eventType || '', h('div', { class: 'small muted' }, d.eventId)),
    h('td', null, String(d.attempt ?? '')),
    h('td', { class: ['mono', d.statusCode ? `status-${String(d.statusCode)[0]}` : null] }, d.statusCode ? String(d.statusCode) : '—'),
    h('td', null, h('span', { class: ['badge', d.delivered ? 'success' : 'danger'] }, d.delivered ? 'Delivered' : 'Not delivered')),
    h('td', { class: 'cell', title: d.error }, d.error || '—',
      !d.delivered && d.nextAttempt ? h('div', { class: 'small muted' }, `next attempt ${fmtDate(d.nextAttempt)}`) : null),
    h('td', null, redeliverButton(d)));

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
  const title = h('h1');
  const settings = h('div', { class: 'grid-2' });
  const activeButton = h('button', { class: 'btn', type: 'button', onclick: () => setActive(!hook.active) });

  // The parts that show the webhook's settings, drawn again after each change to them.
  function drawSettings() {
    replace(title, h('a', { href: '#/webhooks' }, 'Webhooks'), ` / ${hook.name || hook.id}`);
    const facts = [['URL', hook.url], ['Collections', listOrAll(hook.collections, 'All (except system ones)')], ['Events', listOrAll(hook.events, 'All')],
      ['Active', hook.active ? 'Yes' : 'No (paused)']];
    replace(settings, facts.map(([k, v]) => h('div', { class: 'field' }, h('span', { class: 'label' }, k), h('span', { class: 'small mono' }, v))));
    activeButton.textContent = hook.active ? 'Pause' : 'Resume';
  }

  async function setActive(active) {
    try {
      hook = await busy(activeButton, () => api('PATCH', `/api/collections/${WEBHOOKS}/records/${enc(hook.id)}`, { body: { active } }));
      drawSettings();
      // the server drops the events of a paused webhook (it does not keep them for later)
      toast(active ? 'Webhook resumed.' : 'Webhook paused: record changes are not sent to it.');
    } catch (err) { toast(err.message, 'error'); }
  }

  // The editor also deletes (its record then is null): back to the list.
  function edited(record) {
    if (!record) { location.hash = '#/webhooks'; return; }
    hook = record;
    drawSettings();
  }

  drawSettings();
  replace(main, h('div', { class: 'page-head' }, title,
    h('div', { class: 'actions' },
      h('button', { class: 'btn', type: 'button', onclick: () => openWebhookEditor(hook, edited) }, 'Edit'),
      activeButton, testButton)),
  h('div', { class: 'page-body' }, outcome,
    h('section', { class: 'card card-pad stack', 'aria-label': 'Webhook' }, settings,
      h('div', { class: 'field' }, h('label', { for: 'wh-secret' }, 'Signing secret'), h('div', { class: 'token-box' }, secret, copy),
        h('span', { class: 'hint' }, 'Verify each request\u2019s webhook-signature with it (Standard Webhooks).'))),
    h('div', { class: 'row between' }, h('h2', null, 'Deliveries'),
      h('div', { class: 'row' }, auto.control, h('button', { class: 'btn sm', type: 'button', onclick: loadDeliveries }, 'Refresh'))),
    deliveries));
  loadDeliveries();
}
