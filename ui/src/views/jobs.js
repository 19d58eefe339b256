// The job queue (Bastion's /api/jobs): counts per status, a list filtered by status, a job's last
// error, and "Retry" for a dead one. Payloads are shown only where the server shows them.
import { api, enc } from '../api.js';
import { busy, dialog, empty, fmtDate, h, replace, spinner, toast } from '../dom.js';
import { autoRefresh, redraw } from '../refresh.js';

const PER_PAGE = 50;
const MAX_PER_PAGE = 1000; // the server's cap

// [status, label, badge class]; `failed` is not a status of its own: queued again after a failed attempt.
const STATUSES = [['dead', 'Dead', 'danger'], ['failed', 'Failed', 'warning'], ['queued', 'Queued', 'accent'],
  ['running', 'Running', 'warning'], ['done', 'Done', 'success']];
const badgeClass = (status) => (STATUSES.find(([s]) => s === status) || [])[2] || '';
const badge = (status) => h('span', { class: ['badge', badgeClass(status)] }, status);

export function renderJobs(main) {
  const state = { status: '', page: 1, items: [], total: 0, more: false, loading: false, seq: 0 };
  const counts = h('div', { class: 'card card-pad' }, spinner('Counting jobs…'));
  const table = h('div', { class: 'card' }, spinner('Loading jobs…'));
  const status = h('select', { class: 'input', id: 'jobs-status', 'aria-label': 'Filter by status' },
    h('option', { value: '' }, 'Any status'), STATUSES.map(([v, l]) => h('option', { value: v }, l)));
  const auto = autoRefresh(poll);

  // `seq` tells an answer that a newer load overtook (a filter picked while a refresh was on its way).
  async function load(reset = true) {
    const seq = ++state.seq;
    state.loading = true;
    if (reset) { state.page = 1; state.items = []; replace(table, spinner('Loading jobs…')); }
    try {
      const [list, stats] = await Promise.all([
        api('GET', '/api/jobs', { query: { page: state.page, perPage: PER_PAGE, status: state.status } }),
        reset ? api('GET', '/api/jobs/stats') : null,
      ]);
      if (seq !== state.seq) return;
      if (stats) drawCounts(stats);
      state.items.push(...list.items);
      state.total = list.totalItems;
      state.more = list.page < list.totalPages;
      draw();
      auto.mark();
    } catch (err) {
      if (seq !== state.seq) return;
      replace(counts, h('p', { class: 'muted small' }, 'No counts.'));
      replace(table, empty('!', 'Could not load jobs', err.message, h('button', { class: 'btn', type: 'button', onclick: () => load() }, 'Try again')));
    } finally {
      if (seq === state.seq) state.loading = false;
    }
  }

  // The background refresh: the counts and every page shown so far, in one list request. It skips
  // its turn while a load is on its way ("Load more" would append a page this already holds).
  async function poll() {
    if (state.loading) return false;
    const seq = state.seq;
    const [list, stats] = await Promise.all([
      api('GET', '/api/jobs', { query: { page: 1, perPage: Math.min(PER_PAGE * state.page, MAX_PER_PAGE), status: state.status } }),
      api('GET', '/api/jobs/stats'),
    ]);
    if (seq !== state.seq) return;
    state.items = list.items;
    state.total = list.totalItems;
    state.more = list.items.length < list.totalItems;
    drawCounts(stats);
    draw();
  }

  function pick(value) { status.value = value; state.status = value; load(); }

  function drawCounts(stats) {
    redraw(counts, [stats, state.status], () => replace(counts, h('h2', { class: 'sr-only' }, 'Jobs per status'), h('ul', { class: 'job-counts', 'aria-label': 'Jobs per status' },
      STATUSES.map(([s, label, cls]) => h('li', null, h('button', { class: ['btn', 'job-count', state.status === s && 'active'], type: 'button',
        'aria-pressed': String(state.status === s), 'data-status': s, onclick: () => pick(state.status === s ? '' : s) },
      h('span', { class: ['count', cls] }, String(stats[s] ?? 0)), h('span', null, label)))))));
  }

  function draw() {
    redraw(table, [state.items, state.total, state.more, state.status], drawTable);
  }

  function drawTable() {
    if (!state.items.length) {
      replace(table, empty('∅', 'No jobs', state.status ? `No ${state.status} job.` : 'Background work (webhooks, event sinks, crons) will appear here.'));
      return;
    }
    replace(table, h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', null, h('tr', null, ['Kind', 'Status', 'Attempts', 'Runs at', 'Updated', 'Last error', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, state.items.map((job) => h('tr', { 'data-id': job.id },
        h('td', { class: 'mono' }, h('button', { class: 'btn ghost sm', type: 'button', 'aria-label': `Details of ${job.kind} job ${job.id}`,
          onclick: () => openJob(job) }, job.kind)),
        h('td', null, badge(job.status)),
        h('td', null, `${job.attempts} / ${job.maxAttempts}`),
        h('td', null, fmtDate(job.runAt)), h('td', null, fmtDate(job.updated)),
        h('td', { class: 'cell', title: job.lastError }, job.lastError || '—'),
        h('td', null, job.status === 'dead' ? retryButton(job) : null)))))),
    h('div', { class: 'pager' }, h('span', { class: 'grow' }, `${state.items.length} of ${state.total}`),
      state.more ? h('button', { class: 'btn sm', type: 'button', onclick: () => { state.page += 1; load(false); } }, 'Load more') : null));
  }

  function retryButton(job, after) {
    const button = h('button', { class: ['btn', after ? 'primary' : 'sm'], type: 'button', 'aria-label': `Retry ${job.kind} job ${job.id}`, onclick: async () => {
      try {
        await busy(button, () => api('POST', `/api/jobs/${enc(job.id)}/retry`));
        toast('The job was queued again.');
        after?.();
        load();
      } catch (err) { toast(err.message, 'error'); }
    } }, 'Retry');
    return button;
  }

  function openJob(job) {
    const rows = [['Id', job.id], ['Kind', job.kind], ['Status', job.status], ['Attempts', `${job.attempts} / ${job.maxAttempts}`],
      ['Runs at', fmtDate(job.runAt)], ['Created', fmtDate(job.created)], ['Updated', fmtDate(job.updated)]];
    const d = dialog({ title: `Job ${job.kind}`, wide: true, body: [
      h('div', { class: 'grid-3' }, rows.map(([k, v]) => h('div', { class: 'field' }, h('span', { class: 'label' }, k), h('span', { class: 'small mono' }, v)))),
      h('div', { class: 'section-title' }, 'Last error'),
      job.lastError ? h('pre', { class: 'job-error', role: job.status === 'dead' ? 'alert' : null }, job.lastError) : h('p', { class: 'muted small' }, 'None.'),
      h('div', { class: 'section-title' }, 'Payload'),
      job.payload ? h('pre', null, JSON.stringify(job.payload, null, 2)) : h('p', { class: 'muted small' }, 'Not shown for this kind of job (it may carry secrets).')],
    footer: [h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Close'),
      job.status === 'dead' ? retryButton(job, () => d.close()) : null].filter(Boolean) });
  }

  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Jobs'),
    h('div', { class: 'actions' }, auto.control, h('button', { class: 'btn', type: 'button', onclick: () => load() }, 'Refresh'))),
  h('div', { class: 'page-body' }, counts,
    h('div', { class: 'toolbar' }, h('div', null, status)),
    table));
  status.addEventListener('change', () => { state.status = status.value; load(); });
  load();
}
