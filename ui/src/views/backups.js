// Settings › Backups: the archives (/api/backups, as the JS SDK's pb.backups calls it) newest
// first, with create, upload, download (a file token), delete and restore; and the `backups`
// settings (schedule, how many automatic ones to keep, S3 storage) saved with PATCH /api/settings.
import { api, enc, errorLines } from '../api.js';
import { busy, confirm, dialog, empty, fmtDate, h, replace, spinner, toast } from '../dom.js';

export function fmtSize(bytes) {
  if (!(bytes >= 1024)) return `${bytes || 0} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let n = bytes / 1024;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n >= 100 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

// A few plain words for common cron expressions ("Every day at 03:00 UTC"); '' when it is not one
// of them (the server still checks any expression on save).
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MACROS = { '@yearly': 'Once a year (1 January, 00:00 UTC)', '@annually': 'Once a year (1 January, 00:00 UTC)',
  '@monthly': 'On the 1st of every month at 00:00 UTC', '@weekly': 'Every Sunday at 00:00 UTC',
  '@daily': 'Every day at 00:00 UTC', '@midnight': 'Every day at 00:00 UTC', '@hourly': 'Every hour, on the hour' };
export function describeCron(expr) {
  const text = expr.trim();
  if (!text) return 'No automatic backups.';
  if (MACROS[text]) return MACROS[text];
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return '';
  const [min, hour, dom, mon, dow] = parts;
  const num = (s, max) => /^\d+$/.test(s) && Number(s) <= max;
  const step = (s) => s.match(/^\*\/(\d+)$/)?.[1];
  const two = (n) => String(n).padStart(2, '0');
  if (mon !== '*') return '';
  if (num(min, 59) && num(hour, 23)) {
    const at = `at ${two(hour)}:${two(min)} UTC`;
    if (dom === '*' && dow === '*') return `Every day ${at}`;
    if (dom === '*' && num(dow, 6)) return `Every ${DAYS[Number(dow)]} ${at}`;
    if (dom === '*' && dow === '1-5') return `Every weekday ${at}`;
    if (num(dom, 31) && Number(dom) > 0 && dow === '*') return `On day ${Number(dom)} of every month ${at}`;
    return '';
  }
  if (dom !== '*' || dow !== '*') return '';
  if (num(min, 59) && hour === '*') return `Every hour at minute ${Number(min)}`;
  if (num(min, 59) && step(hour)) return `Every ${step(hour)} hours at minute ${Number(min)}`;
  if (step(min) && hour === '*') return `Every ${step(min)} minutes`;
  if (min === '*' && hour === '*') return 'Every minute';
  return '';
}

// After a restore the server answers, then stops and starts again on the restored data: wait
// until /api/health has failed once and answers again (or, should the stop be missed, until it
// has answered for 10 s), at most two minutes.
async function waitForRestart() {
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const healthy = async () => {
    try { return (await fetch('/api/health', { cache: 'no-store' })).ok; } catch { return false; }
  };
  const start = Date.now();
  let wentDown = false;
  while (Date.now() - start < 120_000) {
    await pause(400);
    const up = await healthy();
    if (!up) wentDown = true;
    else if (wentDown || Date.now() - start > 10_000) return;
  }
}

export async function drawBackups(panel) {
  const list = h('div', { class: 'backup-list' }, spinner('Loading backups…'));
  const status = h('div', { role: 'status', class: 'small muted' });
  const name = h('input', { class: 'input mono', id: 'backup-name', placeholder: 'optional, e.g. before-upgrade.zip', autocomplete: 'off',
    spellcheck: 'false', 'aria-describedby': 'backup-name-hint backup-name-err' });
  const nameError = h('div', { class: 'error', id: 'backup-name-err', hidden: true });
  const create = h('button', { class: 'btn primary', type: 'submit' }, 'Create backup');
  const file = h('input', { type: 'file', accept: '.zip,application/zip', hidden: true, 'aria-label': 'Backup archive to upload',
    onchange: () => upload() });
  const uploadBtn = h('button', { class: 'btn', type: 'button', onclick: () => file.click() }, 'Upload backup');
  const settings = h('div', { class: 'stack' }, spinner('Loading settings…'));

  async function load() {
    let items;
    try { items = await api('GET', '/api/backups'); } catch (err) {
      replace(list, h('div', { class: 'form-error', role: 'alert' }, err.message)); return;
    }
    items.sort((a, b) => (b.modified || '').localeCompare(a.modified || '') || b.key.localeCompare(a.key));
    if (!items.length) { replace(list, empty('∅', 'No backups yet', 'Create one, or upload an archive made elsewhere.')); return; }
    replace(list, h('ul', { class: 'backups', 'aria-label': 'Backups' }, items.map(row)));
  }

  const row = (b) => h('li', { class: 'backup', 'data-key': b.key },
    h('div', { class: 'backup-info' }, h('span', { class: 'mono backup-key' }, b.key),
      h('span', { class: 'small muted' }, h('span', { class: 'backup-size', 'data-bytes': b.size, title: `${b.size} bytes` }, fmtSize(b.size)),
        ' · ', fmtDate(b.modified))),
    h('div', { class: 'row' },
      h('button', { class: 'btn sm', type: 'button', 'aria-label': `Download ${b.key}`, onclick: (e) => download(e.currentTarget, b) }, 'Download'),
      h('button', { class: 'btn sm', type: 'button', 'aria-label': `Restore ${b.key}`, onclick: () => restore(b) }, 'Restore'),
      h('button', { class: 'btn sm danger', type: 'button', 'aria-label': `Delete ${b.key}`, onclick: () => remove(b) }, 'Delete')));

  async function createBackup(e) {
    e.preventDefault();
    const body = name.value.trim() ? { name: name.value.trim() } : {};
    nameError.hidden = true;
    status.textContent = 'Creating the backup… this takes as long as copying the data.';
    uploadBtn.disabled = true;
    try {
      await busy(create, () => api('POST', '/api/backups', { body }));
      name.value = '';
      toast('Backup created.');
    } catch (err) {
      if (err.data?.name?.message) {
        nameError.textContent = err.data.name.message;
        nameError.hidden = false;
        name.focus();
      } else toast(errorLines(err.data)[0] || err.message, 'error');
    } finally { status.textContent = ''; uploadBtn.disabled = false; }
    await load();
  }

  async function upload() {
    const picked = file.files?.[0];
    if (!picked) return;
    const form = new FormData();
    form.append('file', picked);
    status.textContent = `Uploading ${picked.name}…`;
    try {
      await busy(uploadBtn, () => api('POST', '/api/backups/upload', { form }));
      toast(`${picked.name} uploaded.`);
    } catch (err) {
      toast(errorLines(err.data)[0] || err.message, 'error');
    } finally { status.textContent = ''; file.value = ''; }
    await load();
  }

  async function download(button, b) {
    try {
      const { token } = await busy(button, () => api('POST', '/api/files/token'));
      const a = h('a', { href: `/api/backups/${enc(b.key)}?token=${enc(token)}`, download: b.key, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (err) { toast(err.message, 'error'); }
  }

  async function remove(b) {
    if (!(await confirm(`Delete ${b.key}?`, 'The archive is deleted for good.'))) return;
    try {
      await api('DELETE', `/api/backups/${enc(b.key)}`);
      toast(`${b.key} deleted.`);
    } catch (err) { toast(err.message, 'error'); }
    await load();
  }

  function restore(b) {
    const typed = h('input', { class: 'input mono', id: 'restore-confirm', autocomplete: 'off', spellcheck: 'false',
      oninput: () => { go.disabled = typed.value.trim() !== b.key; } });
    const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const go = h('button', { class: 'btn danger solid', type: 'submit', form: 'restore-form', disabled: true }, 'Restore and restart');
    const cancel = h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel');
    const d = dialog({ title: `Restore ${b.key}?`, body: h('form', { id: 'restore-form', class: 'stack', onsubmit: async (e) => {
      e.preventDefault();
      if (go.disabled) return;
      error.hidden = true;
      cancel.disabled = true;
      try {
        await busy(go, () => api('POST', `/api/backups/${enc(b.key)}/restore`));
      } catch (err) {
        error.textContent = err.message; error.hidden = false; cancel.disabled = false; return;
      }
      // no way out of the dialog now: the page reloads once the server is back
      d.querySelector('.modal-foot')?.remove();
      d.querySelector('.modal-head button')?.remove();
      d.addEventListener('cancel', (ev) => ev.preventDefault());
      replace(d.querySelector('.modal-body'), spinner('Restored. Waiting for the server to restart…'));
      await waitForRestart();
      location.reload();
    } }, h('div', { class: 'form-warn', role: 'note' }, h('strong', null, 'Everything changes: '),
      'the data, files and settings are replaced by those in the backup, and whatever was added since is lost (the current data is kept only ' +
      'until the server has restarted on the backup). The server restarts: requests fail for a few seconds.'),
    error,
    h('div', { class: 'field' }, h('label', { for: 'restore-confirm' }, 'Type ', h('code', null, b.key), ' to confirm'), typed)),
    footer: [cancel, go] });
    typed.focus();
  }

  replace(panel, h('div', { class: 'card-head' }, h('h2', null, 'Backups')),
    h('div', { class: 'card-pad stack loose' },
      h('form', { class: 'stack tight', novalidate: true, onsubmit: createBackup },
        h('div', { class: 'field' }, h('label', { for: 'backup-name' }, 'Name of a new backup'), name,
          h('span', { class: 'hint', id: 'backup-name-hint' }, 'Lowercase letters, digits, - and _, ending in .zip. Empty: pb_backup_<app>_<UTC time>.zip.'), nameError),
        h('div', { class: 'row' }, create, uploadBtn, file, status)),
      list,
      h('section', { class: 'stack', 'aria-labelledby': 'backup-settings-title' },
        h('h3', { id: 'backup-settings-title', class: 'section-title' }, 'Automatic backups and storage'), settings)));
  load();
  drawSettings(settings);
}

async function drawSettings(box) {
  let current;
  try { current = (await api('GET', '/api/settings')).backups || {}; } catch (err) {
    replace(box, h('div', { class: 'form-error', role: 'alert' }, err.message)); return;
  }
  const s3 = current.s3 || {};
  const errs = {};
  const errorEl = (key) => (errs[key] = h('div', { class: 'error', id: `bk-${key}-err`, hidden: true }));
  const input = (key, label, props, hint) => {
    const id = `bk-${key}`;
    const el = h('input', { class: 'input', id, autocomplete: 'off', 'aria-describedby': `${id}-hint ${id}-err`, ...props });
    return [el, h('div', { class: 'field' }, h('label', { for: id }, label), el,
      hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null, errorEl(key))];
  };
  const [cron, cronField] = input('cron', 'Schedule (cron, UTC)', { class: 'input mono', value: current.cron || '', placeholder: '0 3 * * *',
    spellcheck: 'false', oninput: () => preview() }, 'minute hour day-of-month month day-of-week, or @daily. Empty: no automatic backups.');
  const said = h('p', { class: 'small cron-preview', 'aria-live': 'polite' });
  const preview = () => { said.textContent = describeCron(cron.value) || 'A custom schedule (checked when saved).'; };
  preview();
  const [maxKeep, maxKeepField] = input('cronMaxKeep', 'Automatic backups to keep', { type: 'number', min: 1, value: current.cronMaxKeep ?? 3 },
    'The oldest automatic ones beyond this are deleted; backups made by hand or uploaded are kept.');
  const enabled = h('input', { type: 'checkbox', id: 'bk-s3-enabled', checked: !!s3.enabled });
  const s3Inputs = {};
  const s3Fields = [['endpoint', 'Endpoint', 'url'], ['bucket', 'Bucket'], ['region', 'Region'], ['accessKey', 'Access key']].map(([k, label, type]) => {
    const [el, field] = input(`s3-${k}`, label, { type: type || 'text', value: s3[k] || '' });
    s3Inputs[k] = el;
    return field;
  });
  const [secret, secretField] = input('s3-secret', 'Secret', { type: 'password', autocomplete: 'new-password' },
    'Never shown. Leave empty to keep the current secret.');
  const pathStyle = h('input', { type: 'checkbox', id: 'bk-s3-forcePathStyle', checked: !!s3.forcePathStyle });
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { class: 'btn primary', type: 'submit' }, 'Save backup settings');
  const test = h('button', { class: 'btn', type: 'button', onclick: testS3 }, 'Test S3 connection');

  const body = () => {
    const out = { cron: cron.value.trim(), cronMaxKeep: Number(maxKeep.value) || 0,
      s3: { enabled: enabled.checked, forcePathStyle: pathStyle.checked,
        ...Object.fromEntries(Object.entries(s3Inputs).map(([k, el]) => [k, el.value.trim()])) } };
    if (secret.value) out.s3.secret = secret.value;
    return out;
  };

  function showErrors(err) {
    const data = err?.data?.backups || {};
    for (const [key, el] of Object.entries(errs)) {
      const own = key.startsWith('s3-') ? data.s3?.[key.slice(3)] : data[key];
      el.textContent = own?.message || '';
      el.hidden = !el.textContent;
    }
    if (err) { replace(errorBox, err.message, h('ul', null, errorLines(err.data).map((l) => h('li', null, l)))); }
    errorBox.hidden = !err;
  }

  async function testS3() {
    showErrors(null);
    try {
      await busy(test, () => api('POST', '/api/settings/test/s3', { body: { filesystem: 'backups' } }));
      toast('The S3 storage answered.');
    } catch (err) { toast(errorLines(err.data)[0] || err.message, 'error'); }
  }

  replace(box, h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    showErrors(null);
    try {
      await busy(save, () => api('PATCH', '/api/settings', { body: { backups: body() } }));
      secret.value = '';
      toast('Backup settings saved.');
    } catch (err) { showErrors(err); }
  } }, errorBox,
  h('div', { class: 'grid-2' }, h('div', { class: 'stack tight' }, cronField, said), maxKeepField),
  h('fieldset', { class: 'stack tight choices' }, h('legend', { class: 'label' }, 'Where backups are kept'),
    h('label', { class: 'check' }, enabled, 'Keep backups in S3-compatible storage (instead of the data directory)'),
    h('div', { class: 'grid-2' }, s3Fields, secretField),
    h('label', { class: 'check' }, pathStyle, 'Force path-style addressing')),
  h('p', { class: 'small muted' }, 'Save first, then test: the test uses the saved settings.'),
  h('div', { class: 'row' }, save, test)));
}
