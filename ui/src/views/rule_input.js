// One API rule: a lock (null = superusers only) and the rule text, syntax-checked as you type by
// POST /api/bastion/rules/check (debounced), so the server's parser is the only judge. `lockable:
// false` drops the lock for a rule that is never null (an auth collection's MFA rule).
import { api } from '../api.js';
import { debounce, h } from '../dom.js';

export function ruleInput(draft, key, label, { id = `rule-${key}`, lockable = true, empty = 'Everyone may do this.',
  placeholder = 'Everyone (empty rule)' } = {}) {
  const status = h('div', { class: 'status', id: `${id}-status`, 'aria-live': 'polite' });
  const input = h('input', { class: 'input mono grow', id, value: draft[key] ?? '', 'aria-describedby': `${id}-status`,
    placeholder, disabled: draft[key] === null, oninput: () => { draft[key] = input.value; check(); } });
  const lock = h('button', { class: 'btn sm', type: 'button', 'aria-pressed': String(draft[key] === null), onclick: () => {
    draft[key] = draft[key] === null ? '' : null;
    input.disabled = draft[key] === null;
    input.value = draft[key] ?? '';
    paint();
    if (!input.disabled) input.focus();
  } });
  let seq = 0;
  const check = debounce(async () => {
    const mine = ++seq;
    const text = input.value;
    if (!text.trim()) { paint(); return; }
    try {
      await api('POST', '/api/bastion/rules/check', { body: { rule: text } });
      if (mine === seq) show('ok', 'Valid syntax.');
    } catch (err) {
      if (mine === seq) show('bad', err.data?.rule?.message || err.message);
    }
  }, 300);

  function show(kind, text) {
    status.className = `status ${kind}`;
    status.textContent = text;
    input.classList.toggle('invalid', kind === 'bad');
    input.classList.toggle('valid', kind === 'ok');
  }
  function paint() {
    const locked = draft[key] === null;
    lock.textContent = locked ? 'Superusers only' : 'Lock';
    lock.setAttribute('aria-pressed', String(locked));
    lock.title = locked ? 'Click to allow a rule' : 'Restrict to superusers';
    input.placeholder = locked ? 'Superusers only (locked)' : placeholder;
    show('', locked ? 'Only superusers may do this.' : draft[key] ? '' : empty);
    if (!locked && draft[key]) check();
  }
  paint();
  return h('div', { class: 'rule' }, h('label', { class: 'label', for: id }, `${label} rule`),
    h('div', { class: 'rule-line' }, input, lockable ? lock : null), status);
}
