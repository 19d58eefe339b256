import { api } from '../api.js';
import { busy, h, replace } from '../dom.js';
import { session } from '../session.js';
import { brand, outcome, publicCard, showError } from './public_page.js';

// PocketBase's dashboard cannot tell "no superuser yet" from a wrong password either (saying so to
// anyone would tell them the server is unclaimed), so a 400 names both ways to the first account.
const WRONG = 'Wrong email or password. On a new server, open the installer link `bastion serve` printed, '
  + 'or run `bastion superuser upsert EMAIL PASSWORD`.';

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
      error.textContent = err.status === 400 ? WRONG : err.message;
      error.hidden = false;
      password.select();
    }
  } },
  h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'B'), 'Bastion'),
  h('p', { class: 'muted' }, 'Sign in with your superuser account.'),
  error,
  h('div', { class: 'field' }, h('label', { for: 'login-email' }, 'Email'), email),
  h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
  submit,
  h('p', null, h('a', { href: '#/request-password-reset' }, 'Forgotten password?')));
  replace(root, h('main', { class: 'login' }, form));
  email.focus();
}

const toSignIn = () => h('a', { class: 'btn block', href: '#/collections' }, 'Back to sign-in');

// `#/request-password-reset`: the reset mail for a superuser. The server answers 204 whether or not
// the address has an account, and so does this page.
export function renderRequestPasswordReset(root) {
  const email = h('input', { class: 'input', id: 'reset-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn primary block', type: 'submit' }, 'Send reset link');
  const card = publicCard(root, brand(), h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await busy(submit, () => api('POST', '/api/collections/_superusers/request-password-reset', {
        token: '', body: { email: email.value.trim() } }));
      outcome(card, true, ['If the email belongs to a superuser, a reset link is on its way.'], toSignIn());
    } catch (err) {
      showError(error, err);
    }
  } },
  h('h1', null, 'Forgotten password'),
  h('p', { class: 'muted' }, 'The email of your superuser account: a link to choose a new password will be sent to it.'),
  error,
  h('div', { class: 'field' }, h('label', { for: 'reset-email' }, 'Email'), email),
  submit, toSignIn()));
  email.focus();
}
