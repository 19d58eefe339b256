// The REST client: PocketBase's wire API with the superuser's token from the session.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || (status ? `Request failed (${status}).` : 'The server could not be reached.'));
    this.status = status;
    this.data = body?.data || {};
  }
}

function url(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== '' && v != null) params.set(k, v);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

// `token` replaces the session's: the public pages (the first-superuser link, a user's mail links)
// send their link's token or none, and never the superuser's.
export async function api(method, path, { body, query, form, token } = {}) {
  const headers = { Accept: 'application/json' };
  const auth = token === undefined ? session.token : token;
  if (auth) headers.Authorization = auth;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  let res;
  try {
    res = await fetch(url(path, query), { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, null);
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    // An expired or revoked token: back to the sign-in form.
    if (res.status === 401 && token === undefined && session.token && !path.endsWith('/auth-with-password')) session.clear(true);
    throw new ApiError(res.status, data);
  }
  return data;
}

export const enc = encodeURIComponent;

// "fields.0.name: Must be unique." lines from a PocketBase validation error's nested data.
export function errorLines(data, prefix = '') {
  const lines = [];
  for (const [key, val] of Object.entries(data || {})) {
    if (val && typeof val === 'object' && 'message' in val && typeof val.message === 'string') lines.push(`${prefix}${key}: ${val.message}`);
    else if (val && typeof val === 'object') lines.push(...errorLines(val, `${prefix}${key}.`));
  }
  return lines;
}

// The claims of a JWT, unverified (the server checks it): which collection, which email.
export function tokenClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}
