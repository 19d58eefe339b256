// A collection's "Export / Import" dialog, for small files. Export writes the records the current
// filter and sort show as JSONL or CSV, in the shapes `bastion export` writes (bastion/cli/record_io.py):
// JSONL one API answer per line; CSV the collection's fields as columns, JSON and geoPoint values and
// multi-values as compact JSON, booleans as true/false, nothing as an empty cell. Import reads such a
// file the way `bastion import` does, shows a preview, then writes the rows through POST /api/batch
// (or one request per row when batch is off): the server validates every row with the field rules.
// A batch is one transaction, so a row it refuses rolls the whole batch back: that row is set aside
// as rejected with the server's reasons and the rest of the batch is sent again.
import { api, enc } from '../api.js';
import { dialog, h, replace, tabs, toast } from '../dom.js';

export const EXPORT_CAP = 10000;
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
const PAGE = 500;
const BATCH_CAP = 100; // rows per batch at most, whatever maxRequests allows (the batch timeout is short)
const IGNORED_KEYS = new Set(['collectionId', 'collectionName', 'expand']);
const NEVER_EXPORTED = new Set(['password', 'tokenKey']);

const plural = (n, word) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

// ---- export --------------------------------------------------------------------------------

export function csvColumns(collection) {
  return collection.fields.map((f) => f.name).filter((n) => !(collection.type === 'auth' && NEVER_EXPORTED.has(n)));
}

function csvCell(value, jsonField) {
  if (jsonField || Array.isArray(value) || (value !== null && typeof value === 'object')) return JSON.stringify(value === undefined ? null : value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value == null) return '';
  return String(value);
}

// Quoted as Python's csv module quotes by default (only when needed).
const csvQuote = (text) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
const csvLine = (cells) => (cells.length === 1 && cells[0] === '' ? '""' : cells.map(csvQuote).join(',')) + '\n';

export function toCsv(collection, items) {
  const columns = csvColumns(collection);
  const json = new Set(collection.fields.filter((f) => f.type === 'json' || f.type === 'geoPoint').map((f) => f.name));
  return csvLine(columns) + items.map((item) => csvLine(columns.map((c) => csvCell(item[c], json.has(c))))).join('');
}

export const toJsonl = (items) => items.map((item) => `${JSON.stringify(item)}\n`).join('');

function download(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function drawExport(panel, collection, query) {
  let format = 'jsonl';
  const status = h('p', { class: 'small muted', role: 'status', 'aria-live': 'polite' });
  const bar = h('progress', { class: 'transfer-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Export progress' });
  const described = [query.filter ? `filter ${query.filter}` : query.search ? `search ${query.search}` : 'no filter',
    query.sort ? `sort ${query.sort}` : null].filter(Boolean).join(', ');
  const go = h('button', { class: 'btn primary', type: 'button', onclick: async () => {
    go.disabled = true;
    bar.hidden = false;
    try {
      const items = [];
      let total = 0;
      for (let page = 1; items.length < EXPORT_CAP; page++) {
        const res = await api('GET', `/api/collections/${enc(collection.name)}/records`, { query: { ...query, page, perPage: PAGE } });
        total = res.totalItems;
        items.push(...res.items.slice(0, EXPORT_CAP - items.length));
        bar.max = Math.max(Math.min(total, EXPORT_CAP), 1);
        bar.value = items.length;
        status.textContent = `Fetched ${items.length.toLocaleString('en')} of ${total.toLocaleString('en')}…`;
        if (page >= res.totalPages || !res.items.length) break;
      }
      const day = new Date().toISOString().slice(0, 10);
      if (format === 'csv') download(toCsv(collection, items), `${collection.name}-${day}.csv`, 'text/csv');
      else download(toJsonl(items), `${collection.name}-${day}.jsonl`, 'application/x-ndjson');
      status.textContent = total > items.length
        ? `Exported the first ${plural(items.length, 'record')} of ${total.toLocaleString('en')}: the dashboard stops at ${EXPORT_CAP.toLocaleString('en')}. `
          + `For all of them run bastion export ${collection.name} on the server.`
        : `Exported ${plural(items.length, 'record')}.`;
    } catch (err) {
      status.textContent = `Export failed: ${err.message}`;
    } finally {
      go.disabled = false;
    }
  } }, 'Download');
  const radio = (value, label) => h('label', { class: 'check' }, h('input', { type: 'radio', name: 'export-format', value,
    checked: value === format, onchange: () => { format = value; } }), label);
  replace(panel, h('div', { class: 'stack' },
    h('p', { class: 'small muted' }, `The records the list shows (${described}), every page, up to ${EXPORT_CAP.toLocaleString('en')}, `
      + 'in the format bastion export writes. File fields are exported by name; the files are not.'),
    h('fieldset', { class: 'transfer-formats' }, h('legend', { class: 'label' }, 'Format'),
      radio('jsonl', 'JSONL (one record per line)'), radio('csv', 'CSV (one column per field)')),
    h('div', { class: 'row' }, go), bar, status));
}

// ---- reading a file ------------------------------------------------------------------------

// [lineNumber, rowObject | reasonText] pairs, as record_io.py's _rows yields them.
export function parseJsonl(text) {
  const out = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let value;
    try { value = JSON.parse(line); } catch (err) { out.push([i + 1, `row: invalid JSON (${err.message})`]); return; }
    if (!value || typeof value !== 'object' || Array.isArray(value)) out.push([i + 1, 'row: the line is not a JSON object']);
    else out.push([i + 1, value]);
  });
  return out;
}

// CSV records with the physical line each ends on (Python's reader.line_num); blank lines skipped.
function csvRecords(text) {
  const records = [];
  let line = 1; let i = 0;
  const n = text.length;
  while (i < n) {
    const cells = [];
    let cell = ''; let quoted = false; let started = false;
    for (;;) {
      if (i >= n) { if (started || cells.length) cells.push(cell); break; }
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
          quoted = false; i++; continue;
        }
        if (c === '\n') line++;
        cell += c; i++; continue;
      }
      if (c === '"' && cell === '') { quoted = true; started = true; i++; continue; }
      if (c === ',') { cells.push(cell); cell = ''; started = true; i++; continue; }
      if (c === '\r' || c === '\n') {
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        if (started || cell !== '' || cells.length) cells.push(cell);
        break;
      }
      cell += c; started = true; i++;
    }
    if (cells.length) records.push([line, cells]);
    line++;
  }
  return records;
}

export function parseCsv(text) {
  const records = csvRecords(text);
  if (!records.length) return [];
  const [, header] = records[0];
  return records.slice(1).map(([line, cells]) => {
    if (cells.length > header.length) return [line, 'row: more cells than the header has columns'];
    return [line, Object.fromEntries(cells.map((v, i) => [header[i], v]))];
  });
}

const looksHashed = (v) => typeof v === 'string' && /^\$2[abxy]\$\d\d\$/.test(v);

// The body sent for one row (record_io.py's _body): file and autodate fields left out (the API
// sets the times), CSV cells decoded for the fields that hold JSON, or null when the row cannot go
// through the API (a password hash: only `bastion import` stores one).
export function rowBody(collection, row, format) {
  const body = {};
  for (const [key, raw] of Object.entries(row)) {
    if (IGNORED_KEYS.has(key)) continue;
    const f = collection.fields.find((x) => x.name === key);
    if (f?.type === 'file' || f?.type === 'autodate') continue;
    let value = raw;
    if (f && format === 'csv' && typeof raw === 'string') {
      if (f.type === 'json' || f.type === 'geoPoint') {
        if (raw === '') value = null;
        else { try { value = JSON.parse(raw); } catch { value = raw; } }
      } else if (raw.startsWith('[') && (f.type === 'select' || f.type === 'relation')) {
        try { value = JSON.parse(raw); } catch { value = raw; }
      }
    }
    body[key] = value;
  }
  if (collection.type === 'auth') {
    delete body.tokenKey;
    if (looksHashed(body.password)) return { error: { password: 'a password hash is only imported by bastion import' } };
    if ('password' in body && !('passwordConfirm' in body)) body.passwordConfirm = body.password;
  }
  return { body };
}

// {field: message} from an API error answer's data (nested keys joined with dots).
function reasons(answer) {
  const out = {};
  const walk = (data, prefix) => {
    for (const [k, v] of Object.entries(data || {})) {
      if (v && typeof v === 'object' && typeof v.message === 'string') out[prefix + k] = v.message;
      else if (v && typeof v === 'object') walk(v, `${prefix}${k}.`);
    }
  };
  walk(answer?.data, '');
  if (!Object.keys(out).length) out.record = answer?.message || 'Refused.';
  return out;
}

// ---- writing -------------------------------------------------------------------------------

async function batchLimits() {
  try {
    const s = await api('GET', '/api/settings');
    if (!s?.batch?.enabled) return { size: 1, maxBody: 0 };
    return { size: Math.max(1, Math.min(s.batch.maxRequests || 50, BATCH_CAP)), maxBody: s.batch.maxBodySize || 0 };
  } catch {
    return { size: 1, maxBody: 0 };
  }
}

// Write `rows` ([{line, body}]); `report` hears every outcome. Returns nothing: report keeps count.
export async function writeRows(collection, rows, mode, limits, report) {
  const base = `/api/collections/${enc(collection.name)}/records`;
  const single = async ({ line, body }) => {
    try {
      if (mode === 'upsert' && body.id) {
        try { await api('PATCH', `${base}/${enc(body.id)}`, { body }); report.written([line]); return; } catch (err) { if (err.status !== 404) throw err; }
      }
      await api('POST', base, { body });
      report.written([line]);
    } catch (err) {
      report.rejected(line, reasons({ message: err.message, data: err.data }));
    }
  };
  if (limits.size <= 1) {
    for (const row of rows) await single(row);
    return;
  }
  // Chunks of at most `size` rows and, when the server caps the body, of at most 90% of it.
  const chunks = [];
  let chunk = []; let bytes = 0;
  for (const row of rows) {
    const weight = JSON.stringify(row.body).length + 80;
    if (chunk.length && (chunk.length >= limits.size || (limits.maxBody && bytes + weight > limits.maxBody * 0.9))) { chunks.push(chunk); chunk = []; bytes = 0; }
    chunk.push(row); bytes += weight;
  }
  if (chunk.length) chunks.push(chunk);
  const method = mode === 'upsert' ? 'PUT' : 'POST';
  for (const [n, first] of chunks.entries()) {
    let pending = [first];
    while (pending.length) {
      const part = pending.shift();
      if (!part.length) continue;
      const label = `Batch ${n + 1} (lines ${part[0].line}–${part[part.length - 1].line})`;
      try {
        await api('POST', '/api/batch', { body: { requests: part.map(({ body }) => ({ method, url: base, body })) } });
        report.written(part.map((r) => r.line));
      } catch (err) {
        const failed = err.status === 400 && err.data?.requests && Object.entries(err.data.requests).find(([, v]) => v?.response);
        const bad = failed ? part[Number(failed[0])] : undefined;
        if (bad) {
          const index = part.indexOf(bad);
          report.rejected(bad.line, reasons(failed[1].response));
          const rest = part.filter((_, i) => i !== index);
          report.batch(`${label} was refused at line ${bad.line} and rolled back; ${rest.length ? `its other ${plural(rest.length, 'row')} were sent again` : 'it had no other rows'}.`);
          pending.unshift(rest);
        } else if (part.length > 1 && err.status !== 403) {
          const half = Math.ceil(part.length / 2);
          report.batch(`${label} failed (${err.message}); sent again in two halves.`);
          pending.unshift(part.slice(0, half), part.slice(half));
        } else if (err.status === 403) {
          report.batch(`${label} failed (${err.message}); its rows were sent one at a time.`);
          for (const row of part) await single(row);
        } else {
          report.batch(`${label} failed: ${err.message}.`);
          report.rejected(part[0].line, { record: err.message });
        }
      }
    }
  }
}

function drawImport(panel, collection, onDone) {
  let format = 'jsonl'; let mode = 'create'; let parsed = null; let fileName = '';
  const status = h('div', { class: 'stack', role: 'status', 'aria-live': 'polite' });
  const preview = h('div', { class: 'stack' });
  const result = h('div', { class: 'stack' });
  const bar = h('progress', { class: 'transfer-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Import progress' });
  const formatSelect = h('select', { class: 'input', id: 'import-format', onchange: (e) => { format = e.target.value; reparse(); } },
    h('option', { value: 'jsonl' }, 'JSONL'), h('option', { value: 'csv' }, 'CSV'));
  const modeSelect = h('select', { class: 'input', id: 'import-mode', onchange: (e) => { mode = e.target.value; } },
    h('option', { value: 'create' }, 'Create a record for every row'),
    h('option', { value: 'upsert' }, 'Update the record with the row\'s id, create the others'));
  let text = '';
  const file = h('input', { type: 'file', id: 'import-records-file', class: 'input', accept: '.jsonl,.ndjson,.json,.csv,text/csv,application/x-ndjson',
    onchange: async () => {
      const f = file.files?.[0];
      parsed = null; text = ''; replace(preview); replace(result); start.disabled = true;
      if (!f) return;
      if (f.size > IMPORT_MAX_BYTES) {
        replace(preview, h('div', { class: 'form-error', role: 'alert' },
          `${f.name} is ${(f.size / 1048576).toFixed(1)} MB; the dashboard imports files up to ${IMPORT_MAX_BYTES / 1048576} MB. `
          + `For larger files run bastion import ${collection.name} FILE on the server (batched, resumable, with a progress bar).`));
        return;
      }
      fileName = f.name;
      format = /\.csv$/i.test(f.name) ? 'csv' : 'jsonl';
      formatSelect.value = format;
      text = (await f.text()).replace(/^\uFEFF/, '');
      reparse();
    } });
  const start = h('button', { class: 'btn primary', type: 'button', disabled: true, onclick: () => run() }, 'Import');

  function reparse() {
    replace(result);
    if (!text) return;
    const rows = format === 'csv' ? parseCsv(text) : parseJsonl(text);
    parsed = rows;
    const good = rows.filter(([, r]) => typeof r !== 'string');
    const unreadable = rows.length - good.length;
    const first = good.slice(0, 5).map(([line, r]) => [line, r]);
    const keys = [...new Set(first.flatMap(([, r]) => Object.keys(r)))].filter((k) => !IGNORED_KEYS.has(k)).slice(0, 8);
    const show = (v) => { const s = v == null ? '' : typeof v === 'string' ? v : JSON.stringify(v); return s.length > 60 ? `${s.slice(0, 59)}…` : s; };
    replace(preview,
      h('p', { class: 'small', id: 'import-count' }, `${fileName}: ${plural(rows.length, 'row')}`, unreadable ? `, ${unreadable} unreadable (listed as rejected)` : '', '.'),
      first.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data transfer-preview', 'aria-label': 'First rows' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'line'), keys.map((k) => h('th', { scope: 'col' }, k)))),
        h('tbody', null, first.map(([line, r]) => h('tr', null, h('td', null, String(line)), keys.map((k) => h('td', { class: 'cell' }, show(r[k])))))))) : null);
    start.disabled = rows.length === 0;
  }

  async function run() {
    if (!parsed) return;
    start.disabled = true; file.disabled = true;
    replace(result);
    const rejected = []; const batches = []; let written = 0;
    const rows = [];
    for (const [line, r] of parsed) {
      if (typeof r === 'string') { const [k, ...m] = r.split(': '); rejected.push({ line, errors: { [k]: m.join(': ') }, row: null }); continue; }
      const { body, error } = rowBody(collection, r, format);
      if (error) rejected.push({ line, errors: error, row: r }); else rows.push({ line, body, row: r });
    }
    const byLine = new Map(rows.map((r) => [r.line, r.row]));
    bar.hidden = false; bar.max = Math.max(parsed.length, 1);
    const paint = () => {
      bar.value = written + rejected.length;
      replace(status, h('p', { class: 'small' }, `${(written + rejected.length).toLocaleString('en')} of ${plural(parsed.length, 'row')} done`));
    };
    paint();
    const limits = await batchLimits();
    await writeRows(collection, rows, mode, limits, {
      written: (lines) => { written += lines.length; paint(); },
      rejected: (line, errors) => { rejected.push({ line, errors, row: byLine.get(line) ?? null }); paint(); },
      batch: (text) => batches.push(text),
    });
    rejected.sort((a, b) => a.line - b.line);
    file.disabled = false; start.disabled = false;
    const how = limits.size > 1 ? `in batches of up to ${limits.size} rows (POST /api/batch)` : 'one request per row (the batch API is off)';
    replace(status, h('p', { class: 'small', id: 'import-summary' },
      `${mode === 'upsert' ? 'Written' : 'Created'}: ${plural(written, 'record')}. Rejected: ${plural(rejected.length, 'row')}. Sent ${how}.`));
    const items = rejected.flatMap((r) => Object.entries(r.errors).map(([field, message]) => h('tr', null,
      h('td', null, String(r.line)), h('td', { class: 'mono' }, field), h('td', null, message))));
    replace(result,
      batches.length ? h('div', { class: 'stack tight' }, h('h3', { class: 'label' }, 'Batches that failed'),
        h('ul', { class: 'transfer-batches small', id: 'import-batches' }, batches.map((b) => h('li', null, b)))) : null,
      rejected.length ? h('div', { class: 'stack tight' }, h('h3', { class: 'label' }, 'Rejected rows'),
        h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'import-rejected', 'aria-label': 'Rejected rows' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'line'), h('th', { scope: 'col' }, 'field'), h('th', { scope: 'col' }, 'message'))),
          h('tbody', null, items))),
        h('div', { class: 'row' }, h('button', { class: 'btn sm', type: 'button', onclick: () => download(
          rejected.map((r) => `${JSON.stringify(r)}\n`).join(''), `${fileName}.rejected.jsonl`, 'application/x-ndjson') }, 'Download rejected rows'))) : null);
    toast(`Imported ${plural(written, 'record')}${rejected.length ? `, ${rejected.length} rejected` : ''}.`, rejected.length ? 'error' : 'info');
    onDone?.();
  }

  replace(panel, h('div', { class: 'stack' },
    h('p', { class: 'small muted' }, `A JSONL or CSV file of up to ${IMPORT_MAX_BYTES / 1048576} MB, as bastion export writes it. `
      + 'The server validates each row with the collection\'s field rules. File fields and the created/updated times are left out '
      + '(bastion import keeps the times).'),
    h('div', { class: 'field' }, h('label', { for: 'import-records-file' }, 'File'), file),
    h('div', { class: 'transfer-options' },
      h('div', { class: 'field' }, h('label', { for: 'import-format' }, 'Format'), formatSelect),
      h('div', { class: 'field' }, h('label', { for: 'import-mode' }, 'Rows with an id'), modeSelect)),
    preview, h('div', { class: 'row' }, start), bar, status, result));
}

// `query`: the list's current {filter | search, sort}. `onImported`: reload the list.
export function openRecordTransfer(collection, query, onImported) {
  const panel = h('div', { class: 'transfer-panel' });
  let current = 'export';
  const canImport = collection.type !== 'view';
  const head = h('div');
  const show = (key) => {
    current = key;
    replace(head, canImport ? tabs([['export', 'Export'], ['import', 'Import']], current, show) : null);
    if (key === 'export') drawExport(panel, collection, query); else drawImport(panel, collection, onImported);
  };
  dialog({ title: `Export / Import · ${collection.name}`, wide: true, body: h('div', { class: 'stack' }, head, panel) });
  show('export');
}
