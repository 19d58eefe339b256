// The first superuser, from the link `bastion serve` prints while there is none
// (`#/pbinstall/<token>`, PocketBase's route). The token can only create that first superuser;
// the server checks it (GET) before the form shows and again when it is sent (POST).
import { api } from '../api.js';
import { busy, h, spinner } from '../dom.js';
import { session } from '../session.js';
import { brand, outcome, passwordInput, publicCard, showError } from './public_page.js';

const INSTALLER = '/api/bastion/installer';

function toSignIn() {
  return h('a', { class: 'btn primary block', href: '#/collections' }, 'Go to sign-in');
}

export async function renderInstaller(root, token) {
  const card = publicCard(root, brand(), spinner('Checking the link…'));
  try {
    await api('GET', INSTALLER, { token });
  } catch (err) {
    const lines = err.status === 400
      ? ['The first superuser already exists.', 'Sign in with that account.']
      : [err.status === 401 ? 'This link is invalid or has expired.' : err.message,
          'Restart bastion serve for a new link, or run: bastion superuser upsert EMAIL PASSWORD'];
    outcome(card, false, lines, toSignIn());
    return;
  }
  const email = h('input', { class: 'input', id: 'installer-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const [password, passwordField] = passwordInput('installer-password', 'Password');
  const [confirm, confirmField] = passwordInput('installer-password-confirm', 'Password confirm');
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn primary block', type: 'submit' }, 'Create superuser and sign in');
  const form = h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    const identity = email.value.trim();
    try {
      await busy(submit, async () => {
        await api('POST', INSTALLER, { token, body: { email: identity, password: password.value, passwordConfirm: confirm.value } });
        const res = await api('POST', '/api/collections/_superusers/auth-with-password', {
          token: '', body: { identity, password: password.value } });
        location.hash = '#/collections';
        session.save(res.token, res.record);
      });
    } catch (err) {
      showError(error, err);
    }
  } },
  h('h1', null, 'Create the first superuser'),
  h('p', { class: 'muted' }, 'The account that signs in to this dashboard. Its password needs at least 8 characters (10 or more is better).'),
  error,
  h('div', { class: 'field' }, h('label', { for: 'installer-email' }, 'Email'), email),
  passwordField, confirmField, submit);
  card.replaceChildren(brand(), form);
  email.focus();
}
