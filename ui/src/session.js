// The superuser session: the auth token in localStorage (as PocketBase's dashboard keeps it), so a
// reload stays signed in. The strict CSP (no inline or foreign script) is what guards it from XSS.
const KEY = 'bastion.admin.auth';
const listeners = new Set();

function load() {
  try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch { return {}; }
}

export const session = {
  token: load().token || '',
  record: load().record || null,
  save(token, record) {
    this.token = token;
    this.record = record;
    localStorage.setItem(KEY, JSON.stringify({ token, record }));
    listeners.forEach((fn) => fn());
  },
  clear(expired = false) {
    this.token = '';
    this.record = null;
    localStorage.removeItem(KEY);
    this.expired = expired;
    listeners.forEach((fn) => fn());
  },
  onChange(fn) { listeners.add(fn); },
};
