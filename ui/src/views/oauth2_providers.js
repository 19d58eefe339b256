// The "OAuth2" tab of an auth collection's editor: the switch, the providers (add, edit, remove,
// each with its logo) and which collection fields the provider's user data fills.
//
// Client secrets never come back from the API. A provider the server already has shows "secret
// stored"; its secret input starts empty, and left empty the provider is sent without the
// `clientSecret` key, which keeps the stored secret (PocketBase does the same). A new provider
// needs its secret.
import { dialog, h, replace } from '../dom.js';
import { checkbox } from './auth_options.js';
import { PROVIDERS, providerLabel, providerLogo } from './oauth2_logos.js';

const MAPPED = [['id', 'Provider\'s user id', ['text']], ['name', 'Provider\'s name', ['text']], ['username', 'Provider\'s username', ['text']],
  ['avatarURL', 'Provider\'s avatar', ['file', 'url', 'text']]];

export function oauth2Panel(draft) {
  draft.oauth2 ||= { enabled: false, providers: [], mappedFields: {} };
  const o = draft.oauth2;
  o.providers ||= [];
  o.mappedFields ||= {};
  // The providers the server returned: they have a stored secret (the draft is a copy of them).
  const stored = new Set(o.providers.filter((p) => !('clientSecret' in p)).map((p) => p.name));

  const list = h('ul', { class: 'provider-list', 'aria-label': 'OAuth2 providers' });
  const draw = () => replace(list, o.providers.length ? o.providers.map((p, i) => {
    const label = p.displayName || providerLabel(p.name);
    const secret = p.clientSecret ? h('span', { class: 'badge accent' }, 'new secret')
      : stored.has(p.name) ? h('span', { class: 'badge' }, 'secret stored') : h('span', { class: 'badge danger' }, 'no secret');
    return h('li', { class: 'provider-row', 'data-provider': p.name },
      providerLogo(p.name, { label: `${providerLabel(p.name)} logo` }),
      h('div', { class: 'grow' }, h('div', { class: 'provider-name' }, label),
        h('div', { class: 'xsmall faint' }, p.name, p.clientId ? ` · client ${p.clientId}` : '')),
      secret,
      h('button', { class: 'btn sm', type: 'button', 'aria-label': `Edit ${label}`,
        onclick: () => editProvider(p, stored.has(p.name), draw) }, 'Edit'),
      h('button', { class: 'btn sm danger icon', type: 'button', 'aria-label': `Remove ${label}`,
        onclick: () => { o.providers.splice(i, 1); draw(); } }, '✕'));
  }) : h('li', { class: 'muted small' }, 'No providers yet.'));
  draw();

  const add = h('button', { class: 'btn', type: 'button', onclick: () => pickProvider(o.providers.map((p) => p.name), (name) => {
    const p = { name, clientId: '', clientSecret: '', authURL: '', tokenURL: '', userInfoURL: '', displayName: '', pkce: null, extra: {} };
    editProvider(p, false, () => { o.providers.push(p); draw(); });
  }) }, '+ Add provider');

  const fieldOptions = (types) => draft.fields.filter((f) => f.name && types.includes(f.type) && !f.hidden && f.name !== 'id');
  const mapped = MAPPED.map(([key, label, types]) => {
    const id = `oauth2-map-${key}`;
    return h('div', { class: 'field' }, h('label', { for: id }, label),
      h('select', { class: 'input', id, onchange: (e) => { o.mappedFields[key] = e.target.value; } },
        h('option', { value: '' }, '— not saved —'),
        fieldOptions(types).map((f) => h('option', { value: f.name, selected: o.mappedFields[key] === f.name }, f.name))));
  });

  return h('div', { class: 'stack loose' },
    h('div', { class: 'stack tight' },
      checkbox('Sign in with OAuth2', o.enabled, (on) => { o.enabled = on; }),
      h('p', { class: 'small muted' }, 'Register this redirect URL with each provider: ',
        h('code', null, `${location.origin}/api/oauth2-redirect`), '.')),
    h('div', { class: 'stack tight' }, list, h('div', null, add)),
    h('fieldset', { class: 'option-group' }, h('legend', null, 'Fill these fields from the provider\'s user'),
      h('p', { class: 'small muted' }, 'On the first OAuth2 sign-in, the new user record gets these values from the provider.'),
      h('div', { class: 'grid-2' }, mapped)));
}

// A grid of the providers not added yet; picking one opens its form.
function pickProvider(taken, onPick) {
  const names = Object.keys(PROVIDERS).filter((n) => !taken.includes(n));
  const d = dialog({ title: 'Add an OAuth2 provider', label: 'Add an OAuth2 provider',
    body: names.length ? h('ul', { class: 'provider-grid' }, names.map((name) => h('li', null,
      h('button', { class: 'provider-pick', type: 'button', onclick: () => { d.close(); onPick(name); } },
        providerLogo(name, { size: 32 }), h('span', null, providerLabel(name))))))
      : h('p', { class: 'muted' }, 'Every provider is added already.') });
  d.querySelector('.provider-pick')?.focus();
}

// The form of one provider; `onDone` runs after its values were written into `p`.
function editProvider(p, hasStoredSecret, onDone) {
  const isOidc = p.name.startsWith('oidc');
  const input = (id, label, value, attrs = {}, hint) => {
    const el = h('input', { class: 'input', id, value: value ?? '', autocomplete: 'off', ...attrs });
    return [el, h('div', { class: 'field' }, h('label', { for: id }, label), el, hint ? h('span', { class: 'hint' }, hint) : null)];
  };
  const [clientId, clientIdField] = input('oauth2-client-id', 'Client ID', p.clientId, { required: true });
  const [secret, secretField] = input('oauth2-client-secret', 'Client secret', p.clientSecret || '',
    { type: 'password', autocomplete: 'new-password', placeholder: hasStoredSecret ? 'Unchanged' : '' },
    hasStoredSecret ? 'Stored and never shown. Leave empty to keep it; type a new one to replace it.' : null);
  const [displayName, displayField] = input('oauth2-display-name', 'Display name', p.displayName, { placeholder: providerLabel(p.name) });
  const urlHint = isOidc ? 'Or leave the three URLs empty and name the issuer in Extra, below.' : 'Empty: the provider\'s default.';
  const [authURL, authField] = input('oauth2-auth-url', 'Auth URL', p.authURL, { type: 'url', placeholder: 'Default' }, urlHint);
  const [tokenURL, tokenField] = input('oauth2-token-url', 'Token URL', p.tokenURL, { type: 'url', placeholder: 'Default' });
  const [userInfoURL, userInfoField] = input('oauth2-userinfo-url', 'User info URL', p.userInfoURL, { type: 'url', placeholder: 'Default' });
  const pkce = h('select', { class: 'input', id: 'oauth2-pkce' }, [['', 'Provider default'], ['true', 'On'], ['false', 'Off']]
    .map(([v, l]) => h('option', { value: v, selected: String(p.pkce ?? '') === v }, l)));
  const extra = h('textarea', { class: 'input mono', id: 'oauth2-extra', rows: 3, spellcheck: 'false',
    placeholder: isOidc ? '{"issuer": "https://accounts.example.com"}' : '{}' });
  extra.value = p.extra && Object.keys(p.extra).length ? JSON.stringify(p.extra, null, 2) : '';
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fail = (text, el) => { error.textContent = text; error.hidden = false; el?.focus(); };

  const title = `${hasStoredSecret || p.clientId ? 'Edit' : 'Add'} ${providerLabel(p.name)}`;
  const save = h('button', { class: 'btn primary', type: 'submit', form: 'oauth2-provider-form' }, 'Done');
  const d = dialog({ title, label: title, body: h('form', { id: 'oauth2-provider-form', class: 'stack', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    error.hidden = true;
    if (!clientId.value.trim()) return fail('The client ID is required.', clientId);
    if (!hasStoredSecret && !secret.value) return fail('The client secret is required.', secret);
    let extraValue = {};
    if (extra.value.trim()) {
      try { extraValue = JSON.parse(extra.value); } catch { return fail('Extra is not valid JSON.', extra); }
      if (!extraValue || typeof extraValue !== 'object' || Array.isArray(extraValue)) return fail('Extra must be a JSON object.', extra);
    }
    Object.assign(p, { clientId: clientId.value.trim(), displayName: displayName.value.trim(), authURL: authURL.value.trim(),
      tokenURL: tokenURL.value.trim(), userInfoURL: userInfoURL.value.trim(), pkce: pkce.value === '' ? null : pkce.value === 'true', extra: extraValue });
    // No key: the server keeps the stored secret.
    if (secret.value) p.clientSecret = secret.value; else delete p.clientSecret;
    d.close();
    onDone();
  } }, h('div', { class: 'row' }, providerLogo(p.name, { size: 36 }), h('span', { class: 'muted small' }, `Provider name: ${p.name}`)),
  error, h('div', { class: 'grid-2' }, clientIdField, secretField), displayField,
  h('div', { class: 'grid-2' }, authField, tokenField, userInfoField,
    h('div', { class: 'field' }, h('label', { for: 'oauth2-pkce' }, 'PKCE'), pkce)),
  h('div', { class: 'field' }, h('label', { for: 'oauth2-extra' }, 'Extra (JSON)'), extra,
    h('span', { class: 'hint' }, isOidc ? 'issuer or discoveryURL: the endpoints come from the issuer\'s discovery document; jwksURL, issuers: the id_token checks.'
      : 'Provider-specific settings, usually none.'))),
  footer: [h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), save] });
  clientId.focus();
}
