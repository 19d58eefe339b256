// Actions on a user of an auth collection: verification mail, password-reset mail, impersonation.
import { api, enc } from '../api.js';
import { busy, h, toast } from '../dom.js';

export function authActions(collection, record) {
  const tokenBox = h('div', { class: 'stack tight', hidden: true });
  const send = (path, done) => async (e) => {
    try {
      await busy(e.currentTarget, () => api('POST', `/api/collections/${enc(collection.name)}/${path}`, { body: { email: record.email } }));
      toast(done);
    } catch (err) { toast(err.message, 'error'); }
  };
  const duration = h('input', { class: 'input narrow', type: 'number', min: 0, value: 3600, 'aria-label': 'Token duration in seconds' });
  const impersonate = async (e) => {
    try {
      const res = await busy(e.currentTarget, () => api('POST', `/api/collections/${enc(collection.name)}/impersonate/${enc(record.id)}`,
        { body: { duration: Number(duration.value) || 0 } }));
      const out = h('input', { class: 'input mono grow', readOnly: true, value: res.token, 'aria-label': 'Impersonation token' });
      tokenBox.replaceChildren(h('div', { class: 'label' }, `Auth token for ${record.email || record.id} (not refreshable)`),
        h('div', { class: 'token-box' }, out, h('button', { class: 'btn', type: 'button', onclick: async () => {
          out.select();
          try { await navigator.clipboard.writeText(res.token); toast('Token copied.'); } catch { toast('Select the token and copy it.'); }
        } }, 'Copy')));
      tokenBox.hidden = false;
      out.select();
    } catch (err) { toast(err.message, 'error'); }
  };
  return h('section', { class: 'stack', 'aria-label': 'Account actions' },
    h('div', { class: 'section-title' }, 'Account'),
    h('div', { class: 'row' },
      record.verified ? h('span', { class: 'badge success' }, 'verified') : h('span', { class: 'badge warning' }, 'not verified'),
      record.verified ? null : h('button', { class: 'btn sm', type: 'button', onclick: send('request-verification', 'Verification email sent.') }, 'Send verification email'),
      h('button', { class: 'btn sm', type: 'button', onclick: send('request-password-reset', 'Password reset email sent.') }, 'Send password reset email')),
    h('div', { class: 'row' }, h('label', { class: 'small muted' }, 'Impersonate for'), h('div', null, duration), h('span', { class: 'small muted' }, 'seconds'),
      h('button', { class: 'btn sm', type: 'button', onclick: impersonate }, 'Impersonate')),
    tokenBox);
}
