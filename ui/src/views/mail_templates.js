// The "Mail templates" tab of an auth collection's editor: subject and HTML body of each mail the
// collection sends, with the placeholders it may use (buttons that insert one where the cursor
// is). The server fills {APP_NAME} and {APP_URL} from the settings, the flow's own values, and
// {RECORD:<field>} from the user's non-hidden fields (bastion/mail/mail_render.py).
import { h } from '../dom.js';

const COMMON = ['{APP_NAME}', '{APP_URL}'];
// [path in the collection, title, what it is for, its own placeholders]
export const TEMPLATES = [
  ['verificationTemplate', 'Verification', 'Sent to confirm a user\'s email address.', ['{TOKEN}']],
  ['resetPasswordTemplate', 'Password reset', 'Sent when a user asks to reset their password.', ['{TOKEN}']],
  ['confirmEmailChangeTemplate', 'Email change', 'Sent to the new address when a user changes their email.', ['{TOKEN}']],
  ['otp.emailTemplate', 'One-time code', 'The code for an OTP sign-in.', ['{OTP}', '{OTP_ID}']],
  ['authAlert.emailTemplate', 'Login alert', 'Sent after a sign-in from a new device.', ['{ALERT_INFO}']],
];

function template(draft, path) {
  const keys = path.split('.');
  let o = draft;
  for (const k of keys) o = o[k] ||= {};
  o.subject ??= '';
  o.body ??= '';
  return o;
}

export function mailTemplatesPanel(draft) {
  const records = draft.fields.filter((f) => f.name && !f.hidden && f.type !== 'password').map((f) => `{RECORD:${f.name}}`);
  return h('div', { class: 'stack' },
    h('p', { class: 'small muted' }, 'Placeholders are replaced when the mail is sent. The links in the default texts open the dashboard\'s own ',
      'confirmation pages (', h('code', null, '{APP_URL}/_/#/auth/…'), '), so set the application URL in Settings.'),
    TEMPLATES.map(([path, title, about, own]) => templateEditor(template(draft, path), path, title, about, [...own, ...COMMON, ...records])));
}

function templateEditor(t, path, title, about, placeholders) {
  const id = `tpl-${path.replace('.', '-')}`;
  const summaryText = h('span', { class: 'faint small template-subject' }, t.subject);
  const subject = h('input', { class: 'input', id: `${id}-subject`, value: t.subject,
    oninput: () => { t.subject = subject.value; summaryText.textContent = t.subject; } });
  const body = h('textarea', { class: 'input mono', id: `${id}-body`, rows: 10, spellcheck: 'false', oninput: () => { t.body = body.value; } });
  body.value = t.body;
  // The placeholder buttons type into the subject or the body, whichever had the focus last.
  let target = body;
  subject.addEventListener('focus', () => { target = subject; });
  body.addEventListener('focus', () => { target = body; });
  const insert = (text) => {
    const at = target.selectionStart ?? target.value.length;
    target.setRangeText(text, at, target.selectionEnd ?? at, 'end');
    target.dispatchEvent(new Event('input'));
    target.focus();
  };
  return h('details', { class: 'template', 'data-template': path },
    h('summary', null, h('span', { class: 'template-title' }, title), summaryText),
    h('div', { class: 'stack tight template-body' },
      h('p', { class: 'small muted' }, about),
      h('div', { class: 'field' }, h('label', { for: `${id}-subject` }, 'Subject'), subject),
      h('div', { class: 'field' }, h('label', { for: `${id}-body` }, 'Body (HTML)'), body),
      h('div', { class: 'placeholders', role: 'group', 'aria-label': `${title} placeholders` },
        h('span', { class: 'xsmall muted' }, 'Insert:'),
        placeholders.map((p) => h('button', { class: 'btn sm mono', type: 'button', onclick: () => insert(p) }, p)))));
}
