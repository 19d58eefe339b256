// Settings: application, mail (with a test mail), file storage (S3), batch, rate limits, trusted
// proxy, superuser IPs, the superusers, the token durations of each auth collection (PocketBase
// keeps those on the collection), backups (backups.js), and the schema's export and import
// (schema_transfer.js).
import { api, enc, errorLines } from '../api.js';
import { busy, confirm, dialog, h, replace, spinner, toast } from '../dom.js';
import { loadCollections, store } from '../store.js';
import { TOKENS } from './collection_editor.js';
import { drawExport, drawImport } from './schema_transfer.js';
import { drawSuperusers } from './superusers.js';
import { drawBackups } from './backups.js';

const SECTIONS = [['application', 'Application'], ['mail', 'Mail'], ['storage', 'File storage'], ['batch', 'Batch API'],
  ['ratelimits', 'Rate limits'], ['proxy', 'Trusted proxy'], ['superuserips', 'Superuser IPs'], ['superusers', 'Superusers'],
  ['tokens', 'Token durations'], ['backups', 'Backups'], ['export', 'Export collections'], ['import', 'Import collections']];

// [path, label, kind, hint]; kind: text | number | bool | password | url | email.
const FORMS = {
  application: [['meta.appName', 'Application name', 'text'], ['meta.appURL', 'Application URL', 'url', 'Used in links inside emails.'],
    ['meta.hideControls', 'Hide collection create and edit controls', 'bool']],
  mail: [['meta.senderName', 'Sender name', 'text'], ['meta.senderAddress', 'Sender address', 'email'],
    ['smtp.enabled', 'Send mail through an SMTP server', 'bool'], ['smtp.host', 'SMTP host', 'text'], ['smtp.port', 'Port', 'number'],
    ['smtp.username', 'Username', 'text'], ['smtp.password', 'Password', 'password', 'Leave empty to keep the current password.'],
    ['smtp.authMethod', 'Auth method (PLAIN or LOGIN)', 'text'], ['smtp.tls', 'Use TLS', 'bool'], ['smtp.localName', 'HELO name', 'text']],
  storage: [['s3.enabled', 'Store uploaded files in S3-compatible storage', 'bool'], ['s3.endpoint', 'Endpoint', 'url'], ['s3.bucket', 'Bucket', 'text'],
    ['s3.region', 'Region', 'text'], ['s3.accessKey', 'Access key', 'text'], ['s3.secret', 'Secret', 'password', 'Leave empty to keep the current secret.'],
    ['s3.forcePathStyle', 'Force path-style addressing', 'bool']],
  batch: [['batch.enabled', 'Enable the batch API (/api/batch)', 'bool'], ['batch.maxRequests', 'Max requests per batch', 'number'],
    ['batch.timeout', 'Timeout (seconds)', 'number'], ['batch.maxBodySize', 'Max body size (bytes, 0 = default)', 'number']],
};

const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? o : o[k]), obj);
function set(obj, path, value) {
  const keys = path.split('.');
  const last = keys.pop();
  let o = obj;
  for (const k of keys) o = o[k] ||= {};
  o[last] = value;
}

export async function renderSettings(main, section) {
  if (!SECTIONS.some(([k]) => k === section)) section = 'application';
  const panel = h('div', { class: 'card' }, spinner('Loading settings…'));
  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Settings')),
    h('div', { class: 'page-body' }, h('div', { class: 'settings' },
      h('nav', { class: 'nav', 'aria-label': 'Settings sections' }, SECTIONS.map(([k, label]) =>
        h('a', { href: `#/settings/${k}`, class: k === section ? 'active' : null, 'aria-current': k === section ? 'page' : null }, label))),
      panel)));
  if (section === 'tokens') { drawTokens(panel); return; }
  if (section === 'superusers') { drawSuperusers(panel); return; }
  if (section === 'backups') { drawBackups(panel); return; }
  if (section === 'export') { drawExport(panel); return; }
  if (section === 'import') { drawImport(panel); return; }
  let settings;
  try { settings = await api('GET', '/api/settings'); } catch (err) { replace(panel, h('div', { class: 'card-pad form-error', role: 'alert' }, err.message)); return; }
  if (section === 'ratelimits') drawRateLimits(panel, settings);
  else if (section === 'proxy') drawTrustedProxy(panel, settings);
  else if (section === 'superuserips') drawSuperuserIPs(panel, settings);
  else drawForm(panel, section, settings);
}

// `fieldErrors`: [path in the error's data, element] pairs; each element shows its field's errors
// next to the field. `before()` may answer false to cancel the save (a confirmation).
function formShell(panel, title, body, patch, extra = [], { fieldErrors = [], before } = {}) {
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { class: 'btn primary', type: 'submit' }, 'Save changes');
  replace(panel, h('div', { class: 'card-head' }, h('h2', null, title)), h('form', { class: 'card-pad', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    errorBox.hidden = true;
    for (const [, el] of fieldErrors) { el.textContent = ''; el.hidden = true; }
    const body = patch();
    if (before && !(await before(body))) return;
    try {
      await busy(save, () => api('PATCH', '/api/settings', { body }));
      toast('Settings saved.');
    } catch (err) {
      replace(errorBox, err.message, h('ul', null, errorLines(err.data).map((l) => h('li', null, l))));
      errorBox.hidden = false;
      for (const [path, el] of fieldErrors) {
        const lines = errorLines(get(err.data, path)).map((l) => l.replace(/^(\d+): /, (_, i) => `Item ${Number(i) + 1}: `));
        const own = get(err.data, path)?.message;
        el.textContent = own || lines.join(' ');
        el.hidden = !el.textContent;
      }
    }
  } }, errorBox, body, h('div', { class: 'row' }, save, extra)));
}

// A list setting edited as text, one item per line or comma-separated, with its error below.
const splitList = (text) => text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
function listField(id, label, values, hint) {
  const input = h('textarea', { class: 'input mono', id, rows: 3, 'aria-describedby': `${id}-hint ${id}-err`, spellcheck: 'false' });
  input.value = (values || []).join('\n');
  const error = h('div', { class: 'error', id: `${id}-err`, hidden: true });
  return { input, error, field: h('div', { class: 'field' }, h('label', { for: id }, label), input,
    h('span', { class: 'hint', id: `${id}-hint` }, hint), error) };
}

function drawTrustedProxy(panel, settings) {
  const tp = settings.trustedProxy || { headers: [], useLeftmostIP: false };
  const headers = listField('s-proxy-headers', 'Client IP headers', tp.headers,
    'One per line or comma-separated, e.g. X-Forwarded-For, X-Real-IP or CF-Connecting-IP. Empty: use the connection address.');
  const leftmost = h('input', { type: 'checkbox', id: 's-proxy-leftmost', checked: !!tp.useLeftmostIP });
  formShell(panel, 'Trusted proxy', h('div', { class: 'stack' },
    h('p', { class: 'small muted' }, 'Behind a reverse proxy or load balancer, name the headers it sets with the client\'s address. ' +
      'Only list headers your proxy always overwrites: a client can send any header itself.'),
    headers.field,
    h('label', { class: 'check' }, leftmost, 'Use the leftmost address of X-Forwarded-For (the rightmost is safer when proxies append)')),
  () => ({ trustedProxy: { headers: splitList(headers.input.value), useLeftmostIP: leftmost.checked } }), [],
  { fieldErrors: [['trustedProxy.headers', headers.error]] });
}

function drawSuperuserIPs(panel, settings) {
  const ips = listField('s-superuser-ips', 'Allowed addresses', settings.superuserIPs,
    'IP addresses or CIDR networks (10.0.0.0/8), one per line or comma-separated. Empty: superusers may connect from anywhere.');
  const seen = h('p', { class: 'small', hidden: true });
  formShell(panel, 'Superuser IPs', h('div', { class: 'stack' },
    h('div', { class: 'form-warn', role: 'note' }, h('strong', null, 'Careful: '),
      'superusers may only act from these addresses. Saving a list without the address you connect from locks you out of the dashboard and the API ' +
      'at once; only a change made on the server itself (or from an allowed address) can undo it.'),
    seen, ips.field),
  () => ({ superuserIPs: splitList(ips.input.value) }), [],
  { fieldErrors: [['superuserIPs', ips.error]],
    before: (body) => !body.superuserIPs.length || confirm('Restrict superusers to these addresses?',
      `From now on only ${body.superuserIPs.join(', ')} may act as a superuser. If your own address is not among them you are locked out.`,
      { action: 'Save and restrict' }) });
  showOwnAddress(seen);
}

// The address the server saw for this page's own GET /api/settings, from the request log (when
// logging keeps IPs); nothing when it cannot tell. The log is written in batches, moments after
// the request: a few tries, a second apart, while the page is open.
async function showOwnAddress(el) {
  for (let tries = 0; tries < 6 && (tries === 0 || el.isConnected); tries++) {
    if (tries) await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      const res = await api('GET', '/api/logs', { query: { perPage: 1, sort: '-created', filter: "data.url='/api/settings' && data.method='GET'" } });
      const ip = res?.items?.[0]?.data?.userIP;
      if (ip) { el.replaceChildren('The server sees your address as ', h('code', null, ip), '.'); el.hidden = false; return; }
    } catch { return; /* no logs access: say nothing */ }
  }
}

function drawForm(panel, section, settings) {
  const draft = {};
  const rows = FORMS[section].map(([path, label, kind, hint]) => {
    const id = `s-${path.replace('.', '-')}`;
    const current = get(settings, path);
    if (kind === 'bool') {
      return h('label', { class: 'check' }, h('input', { id, type: 'checkbox', checked: !!current, onchange: (e) => set(draft, path, e.target.checked) }), label);
    }
    const input = h('input', { class: 'input', id, type: kind, value: kind === 'password' ? '' : current ?? '', autocomplete: kind === 'password' ? 'new-password' : 'off',
      oninput: (e) => {
        if (kind === 'password' && e.target.value === '') return;
        set(draft, path, kind === 'number' ? Number(e.target.value) || 0 : e.target.value);
      } });
    return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('span', { class: 'hint' }, hint) : null);
  });
  const extra = section === 'mail' ? [h('button', { class: 'btn', type: 'button', onclick: testMail }, 'Send test email')] : [];
  const title = SECTIONS.find(([k]) => k === section)[1];
  formShell(panel, title, h('div', { class: 'stack' }, rows), () => draft, extra);
}

function testMail() {
  const email = h('input', { class: 'input', id: 'test-email', type: 'email', required: true, placeholder: 'you@example.com' });
  const template = h('select', { class: 'input', id: 'test-template' },
    [['verification', 'Verification'], ['password-reset', 'Password reset'], ['email-change', 'Email change']].map(([v, l]) => h('option', { value: v }, l)));
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const send = h('button', { class: 'btn primary', type: 'submit', form: 'test-mail' }, 'Send');
  const d = dialog({ title: 'Send a test email', body: h('form', { id: 'test-mail', class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await busy(send, () => api('POST', '/api/settings/test/email', { body: { email: email.value.trim(), template: template.value, collection: '_superusers' } }));
      d.close();
      toast(`Test email sent to ${email.value}.`);
    } catch (err) { error.textContent = errorLines(err.data)[0] || err.message; error.hidden = false; }
  } }, error, h('div', { class: 'field' }, h('label', { for: 'test-email' }, 'Recipient'), email),
  h('div', { class: 'field' }, h('label', { for: 'test-template' }, 'Template'), template)),
  footer: [h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), send] });
  email.focus();
}

function drawRateLimits(panel, settings) {
  const rl = structuredClone(settings.rateLimits || { enabled: false, rules: [] });
  const list = h('div', { class: 'stack tight' });
  const num = (rule, key, label) => h('input', { class: 'input', type: 'number', min: 0, value: rule[key], 'aria-label': label, oninput: (e) => { rule[key] = Number(e.target.value) || 0; } });
  const row = (rule, i) => h('tr', null,
    h('td', null, h('input', { class: 'input mono', value: rule.label, 'aria-label': `Rule ${i + 1} label`, oninput: (e) => { rule.label = e.target.value; } })),
    h('td', null, h('select', { class: 'input', 'aria-label': `Rule ${i + 1} audience`, onchange: (e) => { rule.audience = e.target.value; } },
      [['', 'All'], ['@guest', 'Guests'], ['@auth', 'Signed in']].map(([v, l]) => h('option', { value: v, selected: rule.audience === v }, l)))),
    h('td', null, num(rule, 'maxRequests', `Rule ${i + 1} max requests`)),
    h('td', null, num(rule, 'duration', `Rule ${i + 1} duration`)),
    h('td', null, h('button', { class: 'btn sm danger icon', type: 'button', 'aria-label': `Remove rule ${i + 1}`,
      onclick: () => { rl.rules.splice(i, 1); draw(); } }, '✕')));
  const draw = () => replace(list, rl.rules.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', null, h('tr', null, ['Label (path or tag)', 'Audience', 'Max requests', 'Per seconds', ''].map((t) => h('th', null, t)))),
      h('tbody', null, rl.rules.map(row))))
    : h('p', { class: 'muted small' }, 'No rules.'));
  draw();
  formShell(panel, 'Rate limits', h('div', { class: 'stack' },
    h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: !!rl.enabled, onchange: (e) => { rl.enabled = e.target.checked; } }), 'Enable rate limiting'),
    h('p', { class: 'small muted' }, 'Labels are paths (/api/), or tags like *:auth, posts:create. Auth routes are limited even when this is off.'),
    list, h('div', null, h('button', { class: 'btn sm', type: 'button', onclick: () => { rl.rules.push({ label: '', audience: '', duration: 10, maxRequests: 100 }); draw(); } }, '+ Add rule'))),
  () => ({ rateLimits: { enabled: rl.enabled, rules: rl.rules } }));
}

function drawTokens(panel) {
  const auths = store.collections.filter((c) => c.type === 'auth');
  const drafts = Object.fromEntries(auths.map((c) => [c.id, Object.fromEntries(TOKENS.map(([k]) => [k, c[k]?.duration ?? 0]))]));
  const save = h('button', { class: 'btn primary', type: 'submit' }, 'Save changes');
  replace(panel, h('div', { class: 'card-head' }, h('h2', null, 'Token durations')), h('form', { class: 'card-pad stack loose', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await busy(save, () => Promise.all(auths.map((c) => api('PATCH', `/api/collections/${enc(c.id)}`, {
        body: Object.fromEntries(TOKENS.map(([k]) => [k, { ...(c[k] || {}), duration: drafts[c.id][k] }])) }))));
      await loadCollections();
      toast('Token durations saved.');
    } catch (err) { toast(errorLines(err.data)[0] || err.message, 'error'); }
  } }, h('p', { class: 'small muted' }, 'Seconds each token stays valid, per auth collection.'),
  auths.map((c) => h('fieldset', { class: 'stack tight' }, h('legend', { class: 'section-title' }, c.name), h('div', { class: 'grid-3' },
    TOKENS.map(([k, label]) => {
      const id = `tok-${c.name}-${k}`;
      return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { class: 'input', id, type: 'number', min: 0, value: drafts[c.id][k],
        oninput: (e) => { drafts[c.id][k] = Number(e.target.value) || 0; } }));
    })))), h('div', null, save)));
}
