// The links in users' mails (the auth collections' templates point at the dashboard, as
// PocketBase's do): confirm a verification, choose a new password, confirm an email change. The
// token names its collection; the request goes out with no Authorization header, so a superuser
// signed in to this dashboard in the same browser changes nothing.
import { api, enc, tokenClaims } from '../api.js';
import { busy, h, spinner } from '../dom.js';
import { brand, closeButton, outcome, passwordInput, publicCard, showError } from './public_page.js';

const SUPERUSERS_ID = 'pbc_3142635823';
const toSignIn = () => h('a', { class: 'btn primary block', href: '#/collections' }, 'Go to sign-in');

const confirmPath = (token, action) => `/api/collections/${enc(tokenClaims(token).collectionId || '_')}/${action}`;

export async function renderConfirmVerification(root, token) {
  const card = publicCard(root, brand(), spinner('Verifying your email address…'));
  try {
    await api('POST', confirmPath(token, 'confirm-verification'), { token: '', body: { token } });
    outcome(card, true, ['Your email address is verified.'], closeButton());
  } catch {
    outcome(card, false, ['This verification link is invalid or has expired.'], closeButton());
  }
}

// A form of password fields that posts {token, ...values} and shows `done` once it worked.
// A superuser's link (its reset mail) ends on this dashboard's sign-in; a user's closes the tab.
function tokenForm(root, token, { action, title, intro, fields, submitLabel, done }) {
  const next = tokenClaims(token).collectionId === SUPERUSERS_ID ? toSignIn : closeButton;
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn primary block', type: 'submit' }, submitLabel);
  const inputs = fields.map(([key, id, label, autocomplete]) => [key, ...passwordInput(id, label, autocomplete)]);
  const card = publicCard(root, brand(), h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    const body = { token };
    for (const [key, input] of inputs) body[key] = input.value;
    try {
      await busy(submit, () => api('POST', confirmPath(token, action), { token: '', body }));
      outcome(card, true, done, next());
    } catch (err) {
      showError(error, err);
    }
  } }, h('h1', null, title), intro && h('p', { class: 'muted' }, intro), error,
  inputs.map(([, , field]) => field), submit));
  inputs[0][1].focus();
}

export function renderConfirmPasswordReset(root, token) {
  const email = tokenClaims(token).email;
  tokenForm(root, token, {
    action: 'confirm-password-reset',
    title: 'Choose a new password',
    intro: email ? `For ${email}.` : '',
    fields: [['password', 'reset-password', 'New password'], ['passwordConfirm', 'reset-password-confirm', 'New password confirm']],
    submitLabel: 'Set new password',
    done: ['Your password is changed.', 'You can now sign in with your new password.'],
  });
}

export function renderConfirmEmailChange(root, token) {
  const newEmail = tokenClaims(token).newEmail;
  tokenForm(root, token, {
    action: 'confirm-email-change',
    title: 'Confirm your new email address',
    intro: newEmail ? `Type your password to change your email address to ${newEmail}.` : 'Type your password to change your email address.',
    fields: [['password', 'email-change-password', 'Password', 'current-password']],
    submitLabel: 'Confirm new email',
    done: ['Your email address is changed.', 'You can now sign in with your new email address.'],
  });
}
