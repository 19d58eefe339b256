// The "Auth options" tab of an auth collection's editor: password sign-in and its identity fields,
// one-time codes (OTP), multi-factor authentication (MFA, with its rule checked as you type),
// login alerts and the token durations. Everything edits the collection draft in place; the
// editor saves it with PATCH /api/collections/{id}. The mail texts are in mail_templates.js, the
// OAuth2 providers in oauth2_providers.js.
import { h } from '../dom.js';
import { ruleInput } from './rule_input.js';

export const TOKENS = [['authToken', 'Auth token'], ['verificationToken', 'Email verification token'],
  ['passwordResetToken', 'Password reset token'], ['emailChangeToken', 'Email change token'], ['fileToken', 'Protected file token']];

let ids = 0;
const uid = (prefix) => `${prefix}-${++ids}`;

export function checkbox(label, checked, onchange, { id, describedBy } = {}) {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', id, checked: !!checked, 'aria-describedby': describedBy,
    onchange: (e) => onchange(e.target.checked) }), label);
}

export function numberField(label, value, onchange, { min = 0, hint } = {}) {
  const id = uid('num');
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    h('input', { class: 'input', id, type: 'number', min, value: value ?? '',
      oninput: (e) => onchange(e.target.value === '' ? 0 : Number(e.target.value)) }),
    hint ? h('span', { class: 'hint' }, hint) : null);
}

const section = (title, hint, ...children) => h('fieldset', { class: 'option-group' }, h('legend', null, title),
  hint ? h('p', { class: 'small muted' }, hint) : null, children);

// Fields a user may sign in with: email and text fields (the server wants a UNIQUE index on each).
const identityCandidates = (draft) => draft.fields.filter((f) => f.name && ['email', 'text'].includes(f.type) && !['id', 'tokenKey'].includes(f.name));

export function authOptionsPanel(draft) {
  draft.passwordAuth ||= { enabled: true, identityFields: ['email'] };
  draft.passwordAuth.identityFields ||= [];
  draft.otp ||= { enabled: false, duration: 180, length: 8 };
  draft.mfa ||= { enabled: false, duration: 600, rule: '' };
  draft.mfa.rule ??= '';
  draft.authAlert ||= { enabled: true };
  const pa = draft.passwordAuth;

  // MFA asks for a second sign-in method: say so while fewer than two are on.
  const mfaWarn = h('div', { class: 'form-warn', role: 'note', id: 'mfa-methods-warn' });
  const paintMfaWarn = () => {
    const methods = [pa.enabled, draft.otp.enabled, draft.oauth2?.enabled].filter(Boolean).length;
    mfaWarn.textContent = 'MFA needs at least two sign-in methods enabled (password, one-time code or OAuth2).';
    mfaWarn.hidden = !draft.mfa.enabled || methods >= 2;
  };
  paintMfaWarn();
  const toggle = (obj, key) => (on) => { obj[key] = on; paintMfaWarn(); };

  const candidates = identityCandidates(draft);
  const identity = h('fieldset', { class: 'choices' }, h('legend', { class: 'label' }, 'Identity fields'),
    h('div', { class: 'choice-row' }, candidates.map((f) => checkbox(f.name, pa.identityFields.includes(f.name), (on) => {
      pa.identityFields = on ? [...new Set([...pa.identityFields, f.name])] : pa.identityFields.filter((n) => n !== f.name);
    }))),
    h('span', { class: 'hint' }, 'What users type as their login, with the password. Each field needs a UNIQUE index (Indexes tab).'));

  return h('div', { class: 'stack loose' },
    section('Password', null,
      checkbox('Sign in with a password', pa.enabled, toggle(pa, 'enabled')),
      identity),
    section('One-time code (OTP)', 'A code sent by email, typed in to sign in (or as the second factor of MFA). Its mail is the "One-time code" template.',
      checkbox('Sign in with a one-time code sent by email', draft.otp.enabled, toggle(draft.otp, 'enabled')),
      h('div', { class: 'grid-2' },
        numberField('Code lifetime (seconds)', draft.otp.duration, (v) => { draft.otp.duration = v; }, { min: 10 }),
        numberField('Code length', draft.otp.length, (v) => { draft.otp.length = v; }, { min: 4 }))),
    section('Multi-factor authentication (MFA)', 'After signing in one way, the user must also sign in another way within the window below.',
      checkbox('Require a second sign-in method (MFA)', draft.mfa.enabled, toggle(draft.mfa, 'enabled')),
      mfaWarn,
      h('div', { class: 'grid-2' },
        numberField('MFA window (seconds)', draft.mfa.duration, (v) => { draft.mfa.duration = v; }, { min: 10 })),
      ruleInput(draft.mfa, 'rule', 'MFA', { id: 'rule-mfa', lockable: false, placeholder: 'Every user (empty rule)',
        empty: 'Every user needs a second factor. A rule limits MFA to the users it matches, e.g. @request.auth.role = "admin".' })),
    section('Login alerts', 'A mail to the user when their account signs in from a device it has not used before. Its text is the "Login alert" template.',
      checkbox('Email users about sign-ins from new devices', draft.authAlert.enabled, (on) => { draft.authAlert.enabled = on; })),
    section('Token durations (seconds)', null,
      h('div', { class: 'grid-2' }, TOKENS.map(([key, label]) => {
        draft[key] ||= { duration: 0 };
        return numberField(label, draft[key].duration, (v) => { draft[key].duration = v; });
      }))));
}
