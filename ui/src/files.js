// File URLs as PocketBase serves them: /api/files/{collection}/{record}/{name}?thumb=…&token=…
// Protected files need a short-lived file token; one is fetched per page and reused.
import { api, enc } from './api.js';

let cached = { token: '', at: 0 };

export async function fileToken() {
  if (Date.now() - cached.at > 60_000) {
    try { cached = { token: (await api('POST', '/api/files/token')).token, at: Date.now() }; } catch { cached = { token: '', at: Date.now() }; }
  }
  return cached.token;
}

export function fileUrl(collection, record, name, { thumb, token } = {}) {
  const q = new URLSearchParams();
  if (thumb) q.set('thumb', thumb);
  if (token) q.set('token', token);
  const tail = q.toString();
  return `/api/files/${enc(collection.id)}/${enc(record.id)}/${enc(name)}${tail ? `?${tail}` : ''}`;
}

export const isImage = (name) => /\.(png|jpe?g|gif|webp|svg|avif)$/i.test(name);
