// Request logs (PocketBase's /api/logs and /api/logs/stats): requests per hour as a bar chart,
// filters by status class and path, a paged table, and each entry's details.
import { api } from '../api.js';
import { dialog, empty, fmtDate, h, replace, spinner, svg } from '../dom.js';

const STATUS = [['', 'Any status'], ['2', '2xx success'], ['3', '3xx redirect'], ['4', '4xx client error'], ['5', '5xx server error']];
const ms = (v) => (v != null ? `${Math.round(v * 100) / 100} ms` : '');
const q = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function filterText(status, path) {
  const parts = [];
  if (status) parts.push(`data.status >= ${status}00 && data.status < ${Number(status) + 1}00`);
  if (path) parts.push(`data.url ~ ${q(path)}`);
  return parts.join(' && ');
}

function chart(stats) {
  const W = 800; const H = 160; const pad = 24;
  if (!stats.length) return h('p', { class: 'muted small' }, 'No requests in this period.');
  const max = Math.max(...stats.map((s) => s.total), 1);
  const bw = (W - pad) / stats.length;
  return svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': `Requests per hour, ${stats.reduce((a, s) => a + s.total, 0)} in total` },
  svg('line', { class: 'axis', x1: pad, y1: H - 16, x2: W, y2: H - 16 }),
  svg('text', { x: 0, y: 12 }, String(max)), svg('text', { x: 0, y: H - 18 }, '0'),
  stats.map((s, i) => {
    const bh = Math.max(((H - 32) * s.total) / max, 1);
    return svg('rect', { class: 'bar', x: pad + i * bw + 1, y: H - 16 - bh, width: Math.max(bw - 2, 1), height: bh },
      svg('title', null, `${fmtDate(s.date)}: ${s.total} request${s.total === 1 ? '' : 's'}`));
  }),
  svg('text', { x: pad, y: H - 2 }, fmtDate(stats[0].date)),
  svg('text', { x: W, y: H - 2, 'text-anchor': 'end' }, fmtDate(stats[stats.length - 1].date)));
}

function openEntry(log) {
  const d = log.data || {};
  dialog({ title: `${d.method || ''} ${d.url || log.message}`, wide: true, body: [
    h('div', { class: 'grid-3' }, [['Status', d.status], ['Time', fmtDate(log.created)], ['Duration', ms(d.execTime)],
      ['Error', d.error], ['Details', d.details], ['Remote IP', d.remoteIP], ['User IP', d.userIP], ['Auth', d.auth], ['Level', log.level], ['User agent', d.userAgent], ['Referer', d.referer]]
      .map(([k, v]) => h('div', { class: 'field' }, h('span', { class: 'label' }, k), h('span', { class: 'small' }, v === '' || v == null ? '—' : String(v))))),
    h('div', { class: 'section-title' }, 'Entry'), h('pre', null, JSON.stringify(log, null, 2))] });
}

export function renderLogs(main) {
  const state = { status: '', path: '', page: 1, items: [], total: 0, more: false };
  const chartBox = h('div', { class: 'card card-pad' }, spinner());
  const table = h('div', { class: 'card' }, spinner('Loading logs…'));
  const status = h('select', { class: 'input', id: 'logs-status', 'aria-label': 'Status' }, STATUS.map(([v, l]) => h('option', { value: v }, l)));
  const path = h('input', { class: 'input', id: 'logs-path', type: 'search', placeholder: 'Path contains, e.g. /api/collections', 'aria-label': 'Path contains' });

  async function load(reset = true) {
    if (reset) { state.page = 1; state.items = []; replace(table, spinner('Loading logs…')); }
    const filter = filterText(state.status, state.path);
    try {
      const [list, stats] = await Promise.all([
        api('GET', '/api/logs', { query: { page: state.page, perPage: 50, sort: '-created', filter } }),
        reset ? api('GET', '/api/logs/stats', { query: { filter } }) : null,
      ]);
      if (stats) replace(chartBox, h('div', { class: 'row between' }, h('h2', null, 'Requests per hour'), h('span', { class: 'small muted' }, `${list.totalItems} matching`)), chart(stats));
      state.items.push(...list.items);
      state.total = list.totalItems;
      state.more = list.page < list.totalPages;
      draw();
    } catch (err) {
      replace(chartBox, h('p', { class: 'muted small' }, 'No chart.'));
      replace(table, empty('!', 'Could not load logs', err.message, h('button', { class: 'btn', type: 'button', onclick: () => load() }, 'Try again')));
    }
  }

  function draw() {
    if (!state.items.length) { replace(table, empty('∅', 'No logs', state.status || state.path ? 'No request matches these filters.' : 'Requests will appear here.')); return; }
    replace(table, h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', null, h('tr', null, ['Time', 'Method', 'Status', 'URL', 'Duration'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, state.items.map((log) => {
        const d = log.data || {};
        return h('tr', { tabindex: 0, 'data-id': log.id, onclick: () => openEntry(log), onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); openEntry(log); } } },
          h('td', null, fmtDate(log.created)), h('td', { class: 'mono' }, d.method || ''),
          h('td', { class: ['mono', `status-${String(d.status || '')[0]}`] }, d.status ?? ''),
          h('td', { class: 'cell mono', title: d.url }, d.url || log.message), h('td', null, ms(d.execTime)));
      })))),
    h('div', { class: 'pager' }, h('span', { class: 'grow' }, `${state.items.length} of ${state.total}`),
      state.more ? h('button', { class: 'btn sm', type: 'button', onclick: () => { state.page += 1; load(false); } }, 'Load more') : null));
  }

  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Logs'),
    h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'button', onclick: () => load() }, 'Refresh'))),
  h('div', { class: 'page-body' },
    h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); state.status = status.value; state.path = path.value.trim(); load(); } },
      h('div', null, status), h('div', { class: 'grow' }, path), h('button', { class: 'btn', type: 'submit' }, 'Apply')),
    chartBox, table));
  status.addEventListener('change', () => { state.status = status.value; load(); });
  load();
}
