// A tiny hyperscript helper: h('button', {class: 'btn', onclick}, 'Save'). No framework, no virtual DOM:
// each view rebuilds the part of the page it owns. Properties (value, checked, ...) are set as DOM
// properties, never as inline `style` attributes, which the Content-Security-Policy forbids.
const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate', 'multiple', 'readOnly', 'required']);
const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, props) {
  for (const [key, val] of Object.entries(props || {})) {
    if (val == null || val === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(val) ? val.filter(Boolean).join(' ') : val);
    else if (key.startsWith('on') && typeof val === 'function') el.addEventListener(key.slice(2).toLowerCase(), val);
    else if (key === 'ref') val(el);
    else if (PROPS.has(key)) el[key] = val;
    else el.setAttribute(key, val === true ? '' : String(val));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false || child === true) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, props);
  append(el, children);
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const spinner = (label = 'Loading…') =>
  h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);

export const empty = (glyph, title, text, action) =>
  h('div', { class: 'empty' }, h('div', { class: 'glyph', 'aria-hidden': 'true' }, glyph), h('h3', null, title),
    text && h('p', null, text), action);

export function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

let toastBox;
export function toast(message, kind = 'info') {
  if (!toastBox) document.body.append((toastBox = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' })));
  // The same message twice in a row replaces the first instead of stacking up.
  for (const old of toastBox.children) if (old.textContent === message) old.remove();
  const el = h('div', { class: ['toast', kind === 'error' && 'error'] }, message);
  toastBox.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : 3000);
}

// A modal on the native <dialog>: Esc closes it and focus stays inside while it is open.
export function dialog({ title, body, footer = [], wide = false, onClose, label }) {
  const el = h('dialog', { class: ['modal', wide && 'wide'], 'aria-label': label || title },
    h('div', { class: 'modal-head' }, h('h2', null, title),
      h('button', { class: 'btn ghost icon', type: 'button', 'aria-label': 'Close', onclick: () => el.close() }, '✕')),
    h('div', { class: 'modal-body' }, body),
    footer.length ? h('div', { class: 'modal-foot' }, footer) : null);
  el.addEventListener('close', () => { el.remove(); onClose?.(); });
  document.body.append(el);
  el.showModal();
  return el;
}

export function confirm(title, text, { action = 'Delete', danger = true } = {}) {
  return new Promise((resolve) => {
    let answer = false;
    const yes = h('button', { class: ['btn', danger ? 'danger solid' : 'primary'], type: 'button',
      onclick: () => { answer = true; d.close(); } }, action);
    const d = dialog({ title, body: h('p', null, text), onClose: () => resolve(answer), footer: [
      h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), yes] });
    yes.focus();
  });
}

// A button that shows a spinner and stays disabled while its async action runs.
export async function busy(button, action) {
  const label = [...button.childNodes];
  button.disabled = true;
  button.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ...label);
  try { return await action(); } finally { button.disabled = false; button.replaceChildren(...label); }
}

// Tabs: click, or Left/Right arrows on the focused tab (the WAI-ARIA tabs pattern).
export function tabs(names, current, onPick) {
  const list = h('div', { class: 'tabs', role: 'tablist', onkeydown: (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!step) return;
    e.preventDefault();
    const at = names.findIndex(([key]) => key === current);
    const [next] = names[(at + step + names.length) % names.length];
    onPick(next);
    document.querySelector(`[role=tab][data-key="${next}"]`)?.focus();
  } }, names.map(([key, label]) => h('button', { type: 'button', role: 'tab', 'data-key': key, tabindex: key === current ? 0 : -1,
    'aria-selected': String(key === current), onclick: () => onPick(key) }, label)));
  return list;
}

export const fmtDate = (value) => (value ? String(value).replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '') + ' UTC' : '');
