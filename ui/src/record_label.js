// A related record as the dashboard names it, by PocketBase's rule: its presentable fields, else the
// first of PocketBase's conventional names that has a value (title, name, slug, email, …), else its
// first text or email field with a value, else its id. The records list, the record form and the
// relation picker all name records through here; chips keep the id as their tooltip.
import { h } from './dom.js';
import { preview } from './fields.js';
import { findCollection } from './store.js';

// PocketBase's dashboard (CommonHelper.displayValue) tries these, in this order, when no field is presentable.
const CONVENTIONAL = ['title', 'name', 'slug', 'email', 'username', 'nickname', 'label', 'heading', 'message', 'key', 'identifier'];
const TEXTUAL = new Set(['text', 'email', 'url', 'editor', 'select']);
const MAX = 100;

const clip = (text) => (text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text);

// The record's display text ('' for no record). Its collection is found from its collectionId.
export function recordLabel(rec, collection = findCollection(rec?.collectionId)) {
  if (!rec) return '';
  const visible = (collection?.fields || []).filter((f) => !f.hidden && f.name !== 'id' && f.type !== 'password');
  const presentable = visible.filter((f) => f.presentable).map((f) => preview(f, rec[f.name])).filter(Boolean);
  if (presentable.length) return clip(presentable.join(', '));
  const textual = visible.filter((f) => TEXTUAL.has(f.type));
  const byName = CONVENTIONAL.map((name) => textual.find((f) => f.name === name)).filter(Boolean);
  const first = [...byName, ...textual.filter((f) => f.type === 'text' || f.type === 'email')]
    .map((f) => preview(f, rec[f.name])).find(Boolean);
  return clip(first || rec.id || '');
}

// The expanded records of one relation field, by id (none when the response carried no expand).
export function expandedById(rec, fieldName) {
  return new Map([rec?.expand?.[fieldName]].flat().filter(Boolean).map((r) => [r.id, r]));
}

// A chip naming a related record; the id is its tooltip, and shows as itself when the record is unknown.
export function relationChip(id, rec, ...extra) {
  const text = rec ? recordLabel(rec) : '';
  return h('span', { class: 'chip', title: id, 'data-id': id },
    h('span', { class: ['chip-text', text && text !== id ? null : 'mono'] }, text || id), extra);
}
