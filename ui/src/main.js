// Entry point: hash routes (#/collections/posts, #/logs, #/webhooks/{id}, #/jobs, #/overview, #/crons, #/settings/mail), the shell, sign-in state.
import { api } from './api.js';
import { h, replace, spinner } from './dom.js';
import { stopAutoRefresh } from './refresh.js';
import { session } from './session.js';
import { loadCollections } from './store.js';
import { renderLogin, renderRequestPasswordReset } from './views/login.js';
import { renderShell } from './views/shell.js';
import { renderCollection } from './views/records.js';
import { renderLogs } from './views/logs.js';
import { renderSettings } from './views/settings.js';
import { renderWebhooks } from './views/webhooks.js';
import { renderWebhookDetail } from './views/webhook_detail.js';
import { renderJobs } from './views/jobs.js';
import { renderOverview } from './views/overview.js';
import { renderCrons } from './views/crons.js';
import { renderInstaller } from './views/installer.js';
import { renderOAuth2Failure, renderOAuth2Success } from './views/oauth2_landing.js';
import { renderConfirmEmailChange, renderConfirmPasswordReset, renderConfirmVerification } from './views/record_confirm.js';

const root = document.getElementById('app');
let shell = null;
// Signing in fires two routes at once (the session change, then the hashchange it set); each
// waits for the collections, and only the newest may draw, or the later one would replace a shell
// the user has already started using (an open phone menu closing under their finger).
let routeTurn = 0;

const ROUTES = [
  [/^\/collections(?:\/([^/]+))?$/, 'collections', (main, m) => renderCollection(main, m[1] && decodeURIComponent(m[1]))],
  [/^\/logs$/, 'logs', (main) => renderLogs(main)],
  [/^\/webhooks$/, 'webhooks', (main) => renderWebhooks(main)],
  [/^\/webhooks\/([^/]+)$/, 'webhooks', (main, m) => renderWebhookDetail(main, decodeURIComponent(m[1]))],
  [/^\/jobs$/, 'jobs', (main) => renderJobs(main)],
  [/^\/overview$/, 'overview', (main) => renderOverview(main)],
  [/^\/crons$/, 'crons', (main) => renderCrons(main)],
  [/^\/settings(?:\/(\w+))?$/, 'settings', (main, m) => renderSettings(main, m[1] || 'application')],
];

// Pages anyone may open, signed in or not: the first-superuser link `bastion serve` prints, the
// superusers' forgotten-password form, the links in mails (PocketBase's routes, `/users/…` being
// its older spelling, `/confirm-password-reset/…` its superusers' one), and the pages the OAuth2
// popup lands on.
const PUBLIC = [
  [/^\/pbinstall?\/([^/]+)$/, renderInstaller],
  [/^\/(?:auth|users)\/confirm-verification\/([^/]+)$/, renderConfirmVerification],
  [/^\/request-password-reset()$/, renderRequestPasswordReset],
  [/^\/(?:auth\/|users\/)?confirm-password-reset\/([^/]+)$/, renderConfirmPasswordReset],
  [/^\/(?:auth|users)\/confirm-email-change\/([^/]+)$/, renderConfirmEmailChange],
  [/^\/auth\/oauth2-redirect-success()$/, renderOAuth2Success],
  [/^\/auth\/oauth2-redirect-failure()$/, renderOAuth2Failure],
];

async function route() {
  const turn = ++routeTurn;
  stopAutoRefresh(); // the page being left stops polling
  root.removeAttribute('aria-busy');
  root.classList.remove('app-boot');
  const hash = location.hash.replace(/^#/, '');
  const open = PUBLIC.map(([re, render]) => [hash.match(re), render]).find(([m]) => m);
  if (open) {
    shell = null;
    open[1](root, decodeURIComponent(open[0][1]));
    return;
  }
  if (!session.token) {
    shell = null;
    renderLogin(root);
    return;
  }
  const path = location.hash.replace(/^#/, '') || '/collections';
  const match = ROUTES.map(([re, section, render]) => [path.match(re), section, render]).find(([m]) => m);
  if (!match) { location.hash = '#/collections'; return; }
  const [m, section, render] = match;
  if (!shell) {
    replace(root, spinner());
    try { await loadCollections(); } catch { if (!session.token) return route(); }
    if (turn !== routeTurn) return;
    shell = renderShell(root);
  }
  shell.setSection(section, path);
  render(shell.main, m);
}

async function start() {
  if (session.token) {
    // Refresh the token once per load: a reload keeps the session and extends it, a dead one signs out.
    try {
      const res = await api('POST', '/api/collections/_superusers/auth-refresh');
      session.save(res.token, res.record);
    } catch (err) {
      if (err.status === 401 || err.status === 403 || err.status === 404) session.clear(true);
    }
  }
  session.onChange(route);
  window.addEventListener('hashchange', route);
  route();
}

replace(root, h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
start();
