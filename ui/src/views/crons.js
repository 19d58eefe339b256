// Crons (PocketBase's /api/crons): each job's id and schedule, and "Run now", which queues a run
// at once (it runs in the background on whichever process claims it).
import { api, enc } from '../api.js';
import { busy, empty, h, replace, spinner } from '../dom.js';

export function renderCrons(main) {
  const table = h('div', { class: 'card' }, spinner('Loading crons…'));
  const outcome = h('div', { class: 'form-ok', role: 'status', hidden: true });

  async function load() {
    replace(table, spinner('Loading crons…'));
    let crons;
    try { crons = await api('GET', '/api/crons'); } catch (err) {
      replace(table, empty('!', 'Could not load crons', err.message, h('button', { class: 'btn', type: 'button', onclick: load }, 'Try again')));
      return;
    }
    if (!crons.length) { replace(table, empty('∅', 'No crons', 'Scheduled jobs will appear here.')); return; }
    replace(table, h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', null, h('tr', null, ['Id', 'Expression', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, crons.map((cron) => h('tr', { 'data-id': cron.id },
        h('td', { class: 'mono' }, cron.id), h('td', { class: 'mono' }, cron.expression),
        h('td', null, runButton(cron))))))));
  }

  function runButton(cron) {
    const button = h('button', { class: 'btn sm', type: 'button', 'aria-label': `Run ${cron.id} now`, onclick: async () => {
      outcome.hidden = true;
      try {
        await busy(button, () => api('POST', `/api/crons/${enc(cron.id)}`));
        outcome.className = 'form-ok';
        outcome.textContent = `${cron.id} was queued to run now.`;
      } catch (err) {
        outcome.className = 'form-error';
        outcome.textContent = `${cron.id} could not be started: ${err.message}`;
      }
      outcome.hidden = false;
    } }, 'Run now');
    return button;
  }

  replace(main, h('div', { class: 'page-head' }, h('h1', null, 'Crons'),
    h('div', { class: 'actions' }, h('button', { class: 'btn', type: 'button', onclick: load }, 'Refresh'))),
  h('div', { class: 'page-body' },
    h('p', { class: 'small muted' }, 'Scheduled jobs (UTC). Each tick runs once across every worker and node; a manual run goes through the job queue.'),
    outcome, table));
  load();
}
