// Auto refresh for the pages that watch background work (the job queue, a webhook's deliveries):
// a quiet re-fetch every few seconds while the page is on screen, and a control that says how fresh
// the data is and lets the user pause it (content that changes by itself must be stoppable).
import { h } from './dom.js';

const EVERY_MS = 5000;
const running = new Set(); // the stop functions of the current page's refreshers

// main.js calls this before each route renders: a page's timers end when the user leaves it.
export function stopAutoRefresh() {
  for (const stop of [...running]) stop();
}

function ago(ms) {
  const s = Math.round(ms / 1000);
  if (s < 2) return 'just now';
  return s < 60 ? `${s} s ago` : `${Math.floor(s / 60)} min ago`;
}

// `refresh()` fetches and redraws without spinners (it must not disturb what the user is doing), or
// answers false when it skipped its turn; the page calls `mark()` after a load of its own.
// Returns { control, mark }: put `control` on the page.
export function autoRefresh(refresh, { label = 'Auto-refresh', every = EVERY_MS } = {}) {
  let last = Date.now();
  let failure = null;
  let inflight = false;
  const status = h('span', { class: 'small muted refresh-status' });
  const toggle = h('input', { type: 'checkbox', checked: true, onchange: () => tick() });
  const control = h('div', { class: 'refresh' }, h('label', { class: 'check' }, toggle, label), status);

  function draw() {
    status.textContent = failure ? `Could not refresh: ${failure}` : `Updated ${ago(Date.now() - last)}`;
    status.classList.toggle('error-text', !!failure);
  }

  function mark() { last = Date.now(); failure = null; draw(); }

  async function tick() {
    // A page re-rendered in place (not through the router) drops its old control: stop with it.
    if (!control.isConnected) { stop(); return; }
    draw();
    const due = Date.now() - last >= every;
    if (!due || inflight || !toggle.checked || document.visibilityState !== 'visible') return;
    inflight = true;
    try { if ((await refresh()) !== false) mark(); } catch (err) { failure = err.message; draw(); } finally { inflight = false; }
  }

  // One timer ticking each second keeps the "Updated … ago" text true and starts each refresh.
  const timer = setInterval(tick, 1000);
  function stop() { clearInterval(timer); running.delete(stop); }
  running.add(stop);
  draw();
  return { control, mark };
}

const shown = new WeakMap(); // element → [data it shows, its first child] after its last redraw

// Redraws `el` with `draw()` unless it already shows `data` (an unchanged list is left alone). A
// redraw keeps the focused control (found again by its row and name) and the sideways scroll of
// wide tables, so a refresh under the user's hands does not move them.
export function redraw(el, data, draw) {
  const key = JSON.stringify(data);
  const [lastKey, lastChild] = shown.get(el) || [];
  if (key === lastKey && el.firstChild === lastChild) return;
  const focused = el.contains(document.activeElement) ? identity(document.activeElement) : null;
  const scrolls = [...el.querySelectorAll('.table-wrap')].map((wrap) => wrap.scrollLeft);
  draw();
  el.querySelectorAll('.table-wrap').forEach((wrap, i) => { wrap.scrollLeft = scrolls[i] || 0; });
  if (focused) [...el.querySelectorAll('button, a, input, select')].find((c) => identity(c) === focused)?.focus();
  shown.set(el, [key, el.firstChild]);
}

// A control's row (data-id) and name; a job count's status stands for its name, which holds the count.
const identity = (el) => [el.closest('[data-id]')?.dataset.id, el.dataset.status || el.getAttribute('aria-label') || el.textContent].join('\0');
