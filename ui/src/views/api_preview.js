// What a client sees of a collection's API: endpoints, who may call them, query parameters, and an
// example response built from the collection's own fields.
import { dialog, h, replace, tabs } from '../dom.js';
import { example } from '../fields.js';

const LIST_PARAMS = [
  ['page', 'Page number (default 1).'], ['perPage', 'Records per page (default 30, max 1000).'],
  ['sort', 'Sort fields, e.g. -created,title (prefix - for descending, @random).'],
  ['filter', 'Filter in the rule language, e.g. (title ~ "abc" && created > "2024-01-01").'],
  ['expand', 'Relations to expand, e.g. author,comments_via_post (up to 6 levels).'],
  ['fields', 'Fields to return, e.g. id,title,expand.author.name; :excerpt(200) on text.'],
  ['skipTotal', 'Skip the total count (faster; totalItems and totalPages are -1).'],
];
const VIEW_PARAMS = LIST_PARAMS.filter(([n]) => n === 'expand' || n === 'fields');

function sample(collection) {
  const rec = { collectionId: collection.id, collectionName: collection.name };
  for (const f of collection.fields) if (!f.hidden && f.type !== 'password' && f.name !== 'tokenKey') rec[f.name] = example(f);
  return Object.fromEntries(Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)));
}

const who = (rule) => (rule === null || rule === undefined ? 'Superusers only' : rule === '' ? 'Everyone' : `Rule: ${rule}`);

export function openApiPreview(collection) {
  const base = `/api/collections/${collection.name}`;
  const rec = sample(collection);
  const endpoints = [
    ['list', 'List/Search', 'GET', `${base}/records`, collection.listRule, LIST_PARAMS, { page: 1, perPage: 30, totalItems: 1, totalPages: 1, items: [rec] }],
    ['view', 'View', 'GET', `${base}/records/:id`, collection.viewRule, VIEW_PARAMS, rec],
  ];
  if (collection.type !== 'view') {
    endpoints.push(['create', 'Create', 'POST', `${base}/records`, collection.createRule, VIEW_PARAMS, rec],
      ['update', 'Update', 'PATCH', `${base}/records/:id`, collection.updateRule, VIEW_PARAMS, rec],
      ['delete', 'Delete', 'DELETE', `${base}/records/:id`, collection.deleteRule, [], null]);
  }
  if (collection.type === 'auth') {
    endpoints.push(['auth', 'Auth with password', 'POST', `${base}/auth-with-password`, collection.authRule,
      [['identity (body)', 'Email (or another identity field).'], ['password (body)', 'The password.'], ...VIEW_PARAMS], { token: 'JWT_TOKEN', record: rec }]);
  }
  let current = 'list';
  const panel = h('div', { class: 'stack', role: 'tabpanel' });
  const bar = h('div');
  const draw = () => {
    const [, , method, path, rule, params, response] = endpoints.find(([k]) => k === current);
    replace(bar, tabs(endpoints.map(([k, label]) => [k, label]), current, (k) => { current = k; draw(); }));
    replace(panel,
      h('div', { class: 'endpoint' }, h('span', { class: ['method', method] }, method), h('code', null, path)),
      h('p', { class: 'small muted' }, who(rule)),
      params.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('thead', null, h('tr', null, h('th', null, 'Parameter'), h('th', null, 'Description'))),
        h('tbody', null, params.map(([n, d]) => h('tr', null, h('td', { class: 'mono' }, n), h('td', null, d)))))) : null,
      h('div', { class: 'section-title' }, 'Example response'),
      response ? h('pre', null, JSON.stringify(response, null, 2)) : h('p', { class: 'muted small' }, '204 No Content'));
  };
  draw();
  // The full reference (every route, typed bodies, "Try it out") opens on this collection's section.
  const reference = h('p', { class: 'small' }, h('a', {
    href: `/api/docs#/${encodeURIComponent(collection.name)}`, target: '_blank', rel: 'noopener',
  }, 'Open the full API reference'));
  dialog({ title: `API preview: ${collection.name}`, body: [bar, panel, reference], wide: true });
}
