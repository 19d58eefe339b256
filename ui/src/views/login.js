import { api } from '../api.js';
import { busy, h, replace } from '../dom.js';
import { session } from '../session.js';

export function renderLogin(root) {
  const email = h('input', { class: 'input', id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { class: 'input', id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: !session.expired },
    session.expired ? 'Your session has expired. Please sign in again.' : '');
  const submit = h('button', { class: 'btn primary block', type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (!email.value || !password.value) {
      error.textContent = 'Enter your email and password.';
      error.hidden = false;
      return;
    }
    try {
      const res = await busy(submit, () => api('POST', '/api/collections/_superusers/auth-with-password', {
        body: { identity: email.value.trim(), password: password.value } }));
      session.expired = false;
      if (!location.hash || location.hash === '#/') location.hash = '#/collections';
      session.save(res.token, res.record);
    } catch (err) {
      error.textContent = err.status === 400 ? 'Wrong email or password.' : err.message;
      error.hidden = false;
      password.select();
    }
  } },
  h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'B'), 'Bastion'),
  h('p', { class: 'muted' }, 'Sign in with your superuser account.'),
  error,
  h('div', { class: 'field' }, h('label', { for: 'login-email' }, 'Email'), email),
  h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
  submit);
  replace(root, h('main', { class: 'login' }, form));
  email.focus();
}
