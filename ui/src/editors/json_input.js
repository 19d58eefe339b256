// The input of `json` fields: a monospace textarea checked as you type, with the first error's
// line and column, a size check against the field's maxSize and a "Format" button.
import { h } from '../dom.js';

// A strict JSON scanner that only finds where the text stops being JSON (JSON.parse's messages
// differ between browsers and often give no position). Returns null or {pos, message}.
export function jsonError(text) {
  let i = 0;
  const fail = (message, at = i) => { throw { pos: at, message }; };
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const lit = (word) => { if (text.startsWith(word, i)) i += word.length; else fail('Expected a value'); };
  function str() {
    const start = i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') { i++; return; }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') { if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('Invalid \\u escape'); i += 6; }
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('Invalid escape in a string');
      } else if (c < ' ') fail(c === '\n' ? 'A string may not span lines (unclosed quote?)' : 'Control character in a string');
      else i++;
    }
    fail('Unclosed string', start);
  }
  function num() {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail('Invalid number');
    i += m[0].length;
  }
  function value() {
    ws();
    const c = text[i];
    if (c === undefined) fail('Unexpected end of the text: a value is missing');
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === '}' ? 'Trailing comma before }' : 'Expected a key in double quotes');
        str(); ws();
        if (text[i] !== ':') fail("Expected ':' after the key");
        i++; value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail(text[i] === undefined ? "Unexpected end of the text: '}' is missing" : "Expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        ws();
        if (text[i] === ']') fail('Trailing comma before ]');
        value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail(text[i] === undefined ? "Unexpected end of the text: ']' is missing" : "Expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    return fail(c === "'" ? 'Strings need double quotes' : `Unexpected character ${JSON.stringify(c)}`);
  }
  try {
    value(); ws();
    if (i < text.length) fail('Unexpected text after the JSON value');
    return null;
  } catch (err) {
    if (!('pos' in err)) throw err;
    return err;
  }
}

export function lineColumn(text, pos) {
  const before = text.slice(0, pos).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Parse the field's text: {value} or {error} (a message with the line and column). Empty text is null. */
export function checkJson(text, maxSize) {
  if (text.trim() === '') return { value: null };
  const bad = jsonError(text);
  if (bad) {
    const { line, column } = lineColumn(text, bad.pos);
    return { error: `Invalid JSON at line ${line}, column ${column}: ${bad.message}.` };
  }
  const value = JSON.parse(text);
  const size = new TextEncoder().encode(JSON.stringify(value)).length;
  if (maxSize > 0 && size > maxSize) return { error: `The JSON is ${size} bytes; this field allows at most ${maxSize}.` };
  return { value };
}

/**
 * @param {{id: string, field: object, value: any, readonly: boolean, onChange: (raw: string) => void,
 *          onError: (message: string | null) => void}} opts
 */
export function jsonInput({ id, field, value, readonly, onChange, onError }) {
  const text = value == null ? '' : JSON.stringify(value, null, 2);
  const area = h('textarea', { id, name: field.name, class: 'input mono json-input', rows: Math.min(14, Math.max(5, text.split('\n').length + 1)),
    spellcheck: 'false', value: text, disabled: readonly, 'aria-describedby': `err-${field.name}` });
  const status = h('span', { class: 'faint xsmall json-status', 'aria-hidden': 'true' });
  const check = () => {
    const result = checkJson(area.value, field.maxSize || 0);
    area.classList.toggle('invalid', !!result.error);
    area.setAttribute('aria-invalid', String(!!result.error));
    status.textContent = result.error ? '' : area.value.trim() === '' ? 'Empty: saved as null' : 'Valid JSON';
    onError(result.error || null);
    return result;
  };
  area.addEventListener('input', () => { onChange(area.value); check(); });
  const format = h('button', { class: 'btn sm', type: 'button', disabled: readonly, onclick: () => {
    const result = check();
    if (result.error || result.value === null) { area.focus(); return; }
    area.value = JSON.stringify(result.value, null, 2);
    onChange(area.value);
    check();
  } }, 'Pretty-print');
  return h('div', { class: 'stack tight' }, area, readonly ? null : h('div', { class: 'row between' }, status, format));
}
