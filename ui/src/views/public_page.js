// The frame of the pages opened from a link (first superuser, a user's mail): one centred card,
// no sidebar, and the building blocks they share.
import { h, replace } from '../dom.js';
import { errorLines } from '../api.js';

export function publicCard(root, ...children) {
  const card = h('div', { class: 'card' }, ...children);
  replace(root, h('main', { class: 'login' }, card));
  return card;
}

export const brand = () => h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'B'), 'Bastion');

export function passwordInput(id, label, autocomplete = 'new-password') {
  const input = h('input', { class: 'input', id, type: 'password', name: id, autocomplete, required: true });
  return [input, h('div', { class: 'field' }, h('label', { for: id }, label), input)];
}

// A result in place of the form: success or failure, in words, with where to go next.
export function outcome(card, ok, lines, action) {
  replace(card, brand(),
    h('div', { class: ok ? 'form-ok' : 'form-error', role: ok ? 'status' : 'alert' }, lines.map((line) => h('p', null, line))),
    action);
}

export const closeButton = () =>
  h('button', { class: 'btn block', type: 'button', onclick: () => window.close() }, 'Close');

// A PocketBase error as lines for the form's alert: the message, then each field's problem.
export function showError(box, err) {
  const lines = errorLines(err.data);
  replace(box, err.message, lines.length ? h('ul', null, lines.map((line) => h('li', null, line))) : null);
  box.hidden = false;
}
