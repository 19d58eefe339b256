// The overview (#/overview): this node's live numbers, read from /metrics (Prometheus' text, the
// same numbers a scraper gets) every few seconds: requests per second, p95 latency, server errors,
// realtime clients, the job queue and memory, each with a five-minute line. Rates and the p95 come
// from the difference between two readings, so the first figures show a second after the page opens.
// Numbers are the node's that answers (every worker of it); each node of a cluster has its own.
import { empty, h, replace, spinner } from '../dom.js';
import { autoRefresh } from '../refresh.js';
import { session } from '../session.js';
import { buckets, parseMetrics, quantileBetween, total } from '../prometheus.js';

const KEEP = 60; // points per line: five minutes at one reading every 5 s
const SVG = 'http://www.w3.org/2000/svg';
// An SSE stream's duration is its whole life: it would make every p95 "10 s".
const notStream = (labels) => labels.route !== '/api/realtime';

const CARDS = [
  ['rps', 'Requests/s', (v) => (v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString())],
  ['p95', 'p95 latency', (v) => (v === Infinity ? '> 10 s' : v < 1 ? `≤ ${Math.round(v * 1000)} ms` : `≤ ${v} s`)],
  ['errors', 'Server errors/s', (v) => (v === 0 ? '0' : v.toFixed(2))],
  ['clients', 'Realtime clients', (v) => v.toLocaleString()],
  ['queued', 'Jobs queued', (v) => v.toLocaleString()],
  ['memory', 'Memory (workers)', (v) => `${Math.round(v / 1048576)} MB`],
];

async function scrape() {
  let res;
  try {
    res = await fetch('/metrics', { headers: { Authorization: session.token, Accept: 'text/plain' }, credentials: 'same-origin' });
  } catch {
    throw new Error('The server could not be reached.');
  }
  if (res.status === 401) { session.clear(true); throw new Error('Signed out.'); }
  if (!res.ok) throw new Error(`/metrics answered ${res.status}.`);
  return { at: performance.now(), samples: parseMetrics(await res.text()) };
}

function readings(samples) {
  return {
    requests: total(samples, 'bastion_http_requests_total'),
    errors: total(samples, 'bastion_http_requests_total', (l) => l.status?.startsWith('5')),
    latency: buckets(samples, 'bastion_http_request_duration_seconds', notStream),
    clients: total(samples, 'bastion_realtime_clients'),
    queued: total(samples, 'bastion_jobs', (l) => l.status === 'queued'),
    dead: total(samples, 'bastion_jobs', (l) => l.status === 'dead'),
    memory: total(samples, 'bastion_process_resident_memory_bytes'),
  };
}

function spark(values) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${KEEP - 1} 30`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('aria-hidden', 'true');
  const shown = values.filter((v) => v !== null && Number.isFinite(v));
  if (shown.length < 2) return svg;
  const top = Math.max(...shown) || 1;
  const start = KEEP - values.length;
  const points = values.map((v, i) => (v === null || !Number.isFinite(v) ? null : `${start + i},${(30 - (v / top) * 28 - 1).toFixed(1)}`))
    .filter(Boolean).join(' ');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  return svg;
}

export function renderOverview(main) {
  const history = Object.fromEntries(CARDS.map(([key]) => [key, []]));
  const grid = h('ul', { class: 'overview-grid', 'aria-label': 'Live numbers' });
  const note = h('p', { class: 'small muted' });
  const body = h('div', { class: 'page-body' }, h('div', { class: 'card card-pad' }, spinner('Reading /metrics…')));
  let last = null;
  let dead = 0;

  function push(key, value) {
    const line = history[key];
    line.push(value);
    if (line.length > KEEP) line.shift();
  }

  function draw() {
    replace(grid, CARDS.map(([key, label, fmt]) => {
      const line = history[key];
      const now = line.length ? line[line.length - 1] : null;
      return h('li', { class: 'card card-pad overview-card', 'data-metric': key },
        h('span', { class: 'small muted' }, label),
        h('span', { class: 'overview-value' }, now === null ? '–' : fmt(now)),
        spark(line));
    }));
    note.textContent = dead ? `${dead} dead job${dead === 1 ? '' : 's'}: see Jobs.` : '';
  }

  async function poll() {
    const reading = await scrape();
    const now = readings(reading.samples);
    if (last) {
      const seconds = Math.max((reading.at - last.at) / 1000, 0.001);
      push('rps', Math.max(now.requests - last.values.requests, 0) / seconds);
      push('errors', Math.max(now.errors - last.values.errors, 0) / seconds);
      push('p95', quantileBetween(last.values.latency, now.latency, 0.95));
    }
    push('clients', now.clients);
    push('queued', now.queued);
    push('memory', now.memory);
    dead = now.dead;
    last = { at: reading.at, values: now };
    if (!grid.isConnected) replace(body, grid, note);
    draw();
  }

  const auto = autoRefresh(poll);
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Overview'),
    h('div', { class: 'actions' }, auto.control)), body);

  (async () => {
    try {
      await poll();
      // a second reading soon after the first, so the rates show without waiting a whole period
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (body.isConnected) await poll();
      auto.mark();
    } catch (err) {
      replace(body, empty('!', 'Could not read the metrics', err.message,
        h('button', { class: 'btn', type: 'button', onclick: () => renderOverview(main) }, 'Try again')));
    }
  })();
}
