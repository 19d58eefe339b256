// The frame around every signed-in page: sidebar (sections, collections), a top bar on phones.
import { h, replace } from '../dom.js';
import { session } from '../session.js';
import { onCollections, store } from '../store.js';
import { openCollectionEditor } from './collection_editor.js';

export function renderShell(root) {
  const main = h('main', { class: 'main', id: 'main' });
  const list = h('nav', { class: 'side-list', 'aria-label': 'Collections' });
  const search = h('input', { class: 'input', type: 'search', placeholder: 'Search collections', 'aria-label': 'Search collections',
    oninput: () => drawList() });
  const navLinks = {
    overview: h('a', { href: '#/overview' }, 'Overview'),
    collections: h('a', { href: '#/collections' }, 'Collections'),
    logs: h('a', { href: '#/logs' }, 'Logs'),
    webhooks: h('a', { href: '#/webhooks' }, 'Webhooks'),
    jobs: h('a', { href: '#/jobs' }, 'Jobs'),
    crons: h('a', { href: '#/crons' }, 'Crons'),
    settings: h('a', { href: '#/settings' }, 'Settings'),
  };
  let path = '';
  const close = () => frame.classList.remove('menu-open');

  function drawList() {
    const q = search.value.trim().toLowerCase();
    const items = store.collections.filter((c) => !q || c.name.toLowerCase().includes(q))
      .sort((a, b) => (a.system - b.system) || a.name.localeCompare(b.name));
    replace(list, items.length ? items.map((c) => h('a', {
      href: `#/collections/${encodeURIComponent(c.name)}`, class: path === `/collections/${c.name}` ? 'active' : null,
      'aria-current': path === `/collections/${c.name}` ? 'page' : null, onclick: close },
    h('span', { class: 'name' }, c.name), c.type !== 'base' ? h('span', { class: 'badge' }, c.type) : null))
      : h('p', { class: 'faint small', role: 'status' }, q ? 'No collection matches.' : 'No collections yet.'));
  }

  const sidebar = h('aside', { class: 'sidebar', id: 'sidebar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'B'), 'Bastion'),
    h('nav', { class: 'nav', 'aria-label': 'Sections' }, Object.values(navLinks).map((a) => { a.onclick = close; return a; })),
    h('div', { class: 'side-section' },
      h('div', { class: 'label' }, 'Collections'), search, list,
      h('button', { class: 'btn block', type: 'button', onclick: () => { close(); openCollectionEditor(null); } }, '+ New collection')),
    h('div', { class: 'side-foot' },
      h('span', { class: 'who', title: session.record?.email }, session.record?.email || ''),
      h('button', { class: 'btn sm', type: 'button', onclick: () => { session.clear(); location.hash = '#/collections'; } }, 'Sign out')));

  const topbar = h('header', { class: 'topbar' },
    h('button', { class: 'btn ghost icon', type: 'button', 'aria-label': 'Menu', 'aria-controls': 'sidebar',
      onclick: () => frame.classList.toggle('menu-open') }, '☰'),
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'B'), 'Bastion'));
  const frame = h('div', { class: 'shell' }, sidebar, h('div', { class: 'scrim', onclick: close }),
    h('div', { class: 'main-col' }, topbar, main));
  frame.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
  replace(root, frame);
  onCollections(drawList);
  drawList();

  return {
    main,
    setSection(section, current) {
      path = current;
      for (const [key, a] of Object.entries(navLinks)) {
        const on = key === section;
        a.classList.toggle('active', on);
        if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
      }
      drawList();
    },
  };
}
