// The rich-text input of `editor` fields: TipTap (ProseMirror) with a toolbar, and a "Source" view
// of the HTML. Loaded on demand (its own chunk) the first time a record form has an editor field.
//
// What the API stores is what the dashboard sends, verbatim, as in PocketBase: the server does not
// clean HTML. The dashboard does, with DOMPurify, both ways: stored HTML is sanitized before it is
// loaded into the editor, and the HTML we send is sanitized again, so a pasted <script>, an event
// handler attribute or a javascript: link never reaches the record through this form.
//
// CSP: the editor runs under `style-src 'self'` because TipTap's own <style> tag is turned off
// (injectCSS: false; its few rules are in app.css) and ProseMirror sets styles only through the
// CSSOM, which the policy allows.
import { Editor } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import DOMPurify from 'dompurify';
import { h, svg } from '../dom.js';

const PURIFY = { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
  FORBID_ATTR: ['style'], ADD_ATTR: ['target'], ALLOW_DATA_ATTR: false, ADD_FORBID_CONTENTS: ['x-style'] };

// Chromium reports a CSP violation for every inline handler or style it *parses*, even in the inert
// documents DOMPurify and ProseMirror parse into (nothing runs: the policy blocks it). So before any
// parse, handler and style attributes are renamed to data-* ones and <style> to an unknown element;
// DOMPurify then drops them all (no data-* attributes allowed; <x-style> with its content). This is
// only to keep the console clean: the sanitizing is DOMPurify's, with or without this step.
const TAG = /<[a-zA-Z][^>]*>/g;
const HANDLER_OR_STYLE = /([\s/"'])(on[a-z]+|style)(\s*=)/gi;
const defuse = (html) => html.replace(TAG, (tag) => tag.replace(HANDLER_OR_STYLE, '$1data-defused-$2$3')).replace(/<(\/?)style\b/gi, '<$1x-style');

// Links that open a new tab never hand the opener to the target.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('target')) node.setAttribute('rel', 'noopener noreferrer nofollow');
});

export const sanitizeHtml = (html) => DOMPurify.sanitize(defuse(String(html ?? '')), PURIFY);

// An empty document is stored as '' (so `required` means something), not as '<p></p>'.
const output = (editor) => (editor.isEmpty ? '' : sanitizeHtml(editor.getHTML()));

/**
 * A rich-text editor bound to one field.
 * @param {{id: string, label: string, value: string, readonly: boolean, onChange: (html: string) => void}} opts
 * @returns {HTMLElement} the widget; `widget.destroy()` frees the editor.
 */
export function richTextEditor({ id, label, value, readonly, onChange }) {
  const surface = h('div', { class: 'rte-surface' });
  const source = h('textarea', { class: 'input mono rte-source', rows: 10, hidden: true, spellcheck: 'false',
    'aria-label': `${label} (HTML source)`, disabled: readonly });
  const linkInput = h('input', { class: 'input', type: 'url', placeholder: 'https://…', 'aria-label': 'Link address' });
  const linkBar = h('div', { class: 'rte-linkbar row', hidden: true, role: 'group', 'aria-label': 'Link' },
    linkInput,
    h('button', { class: 'btn sm primary', type: 'button', onclick: () => applyLink() }, 'Apply'),
    h('button', { class: 'btn sm', type: 'button', onclick: () => { editor.chain().focus().extendMarkRange('link').unsetLink().run(); closeLink(); } }, 'Remove link'),
    h('button', { class: 'btn sm ghost', type: 'button', onclick: () => closeLink(true) }, 'Cancel'));
  linkInput.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closeLink(true); }
    if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); applyLink(); } // not the record form's submit
  });

  let ready = false; // TipTap may run transactions while it starts, before the toolbar exists

  const editor = new Editor({
    element: surface,
    injectCSS: false,
    editable: !readonly,
    content: sanitizeHtml(value),
    extensions: [StarterKit.configure({
      heading: { levels: [1, 2, 3] },
      underline: false,
      link: { openOnClick: false, autolink: true, defaultProtocol: 'https' },
    })],
    editorProps: {
      attributes: { id, class: 'rte-content', role: 'textbox', 'aria-multiline': 'true', 'aria-label': label,
        'aria-describedby': `err-${id.replace(/^f-/, '')}` },
      transformPastedHTML: (html) => sanitizeHtml(html),
      handleKeyDown: (_view, e) => {
        if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') { e.preventDefault(); openLink(); return true; }
        return false;
      },
    },
    onUpdate: ({ editor: ed }) => onChange(output(ed)),
    onTransaction: () => { if (ready) paint(); },
  });

  // [label, shortcut, isActive(), run()]
  const tools = [
    ['Bold', 'Ctrl+B', () => editor.isActive('bold'), (c) => c.toggleBold()],
    ['Italic', 'Ctrl+I', () => editor.isActive('italic'), (c) => c.toggleItalic()],
    ['Heading 1', 'Ctrl+Alt+1', () => editor.isActive('heading', { level: 1 }), (c) => c.toggleHeading({ level: 1 })],
    ['Heading 2', 'Ctrl+Alt+2', () => editor.isActive('heading', { level: 2 }), (c) => c.toggleHeading({ level: 2 })],
    ['Heading 3', 'Ctrl+Alt+3', () => editor.isActive('heading', { level: 3 }), (c) => c.toggleHeading({ level: 3 })],
    ['Bulleted list', 'Ctrl+Shift+8', () => editor.isActive('bulletList'), (c) => c.toggleBulletList()],
    ['Numbered list', 'Ctrl+Shift+7', () => editor.isActive('orderedList'), (c) => c.toggleOrderedList()],
    ['Link', 'Ctrl+K', () => editor.isActive('link'), null],
    ['Code', 'Ctrl+E', () => editor.isActive('code'), (c) => c.toggleCode()],
    ['Code block', 'Ctrl+Alt+C', () => editor.isActive('codeBlock'), (c) => c.toggleCodeBlock()],
    ['Undo', 'Ctrl+Z', null, (c) => c.undo()],
    ['Redo', 'Ctrl+Shift+Z', null, (c) => c.redo()],
  ];
  const GLYPHS = { Bold: 'B', Italic: 'I', 'Heading 1': 'H1', 'Heading 2': 'H2', 'Heading 3': 'H3', 'Bulleted list': '•≡',
    'Numbered list': '1.', Code: '</>', 'Code block': '{ }', Undo: '↶', Redo: '↷' };
  // A chain link drawn as SVG (emoji fonts are not everywhere).
  GLYPHS.Link = svg('svg', { viewBox: '0 0 24 24', width: 15, height: 15, 'aria-hidden': 'true', fill: 'none', stroke: 'currentColor',
    'stroke-width': 2.2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' },
  svg('path', { d: 'M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71' }),
  svg('path', { d: 'M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71' }));
  const buttons = tools.map(([name, keys, active, run]) => {
    const b = h('button', { class: ['btn sm rte-tool', `rte-${name.toLowerCase().replace(/\s+/g, '-')}`], type: 'button',
      'aria-label': name, title: `${name} (${keys})`, 'aria-pressed': active ? 'false' : null, disabled: readonly,
      onclick: () => (run ? run(editor.chain().focus()).run() : openLink()) }, GLYPHS[name]);
    return { b, active, run };
  });
  const sourceToggle = h('button', { class: 'btn sm rte-tool rte-source-toggle', type: 'button', 'aria-pressed': 'false',
    title: 'Show and edit the HTML', onclick: () => setSource(source.hidden) }, 'Source');
  const toolbar = h('div', { class: 'rte-toolbar', role: 'toolbar', 'aria-label': `${label} formatting`, 'aria-controls': id },
    buttons.map((x) => x.b), h('span', { class: 'rte-gap' }), sourceToggle);

  function paint() {
    const inSource = !source.hidden;
    for (const { b, active, run } of buttons) {
      if (active) b.setAttribute('aria-pressed', String(!inSource && active()));
      b.disabled = readonly || inSource || (run && !run(editor.can().chain().focus()).run());
    }
  }

  function setSource(on) {
    if (on) {
      closeLink(false);
      source.value = editor.isEmpty ? '' : editor.getHTML();
      source.hidden = false;
      surface.hidden = true;
      source.focus();
    } else {
      // Back to the editor: the HTML is cleaned, then reduced to what the editor can represent.
      editor.commands.setContent(sanitizeHtml(source.value), { emitUpdate: false });
      onChange(output(editor));
      source.hidden = true;
      surface.hidden = false;
      editor.commands.focus();
    }
    sourceToggle.setAttribute('aria-pressed', String(on));
    paint();
  }
  // While typing, the sanitized HTML; when the source loses focus (on the way to Save, say), what the
  // editor makes of it, so the record gets the same HTML as from the editor view.
  source.addEventListener('input', () => onChange(sanitizeHtml(source.value)));
  source.addEventListener('change', () => {
    editor.commands.setContent(sanitizeHtml(source.value), { emitUpdate: false });
    onChange(output(editor));
  });

  function openLink() {
    if (readonly || !source.hidden) return;
    linkInput.value = editor.getAttributes('link').href || '';
    linkBar.hidden = false;
    linkInput.focus();
  }
  function closeLink(refocus) {
    linkBar.hidden = true;
    if (refocus) editor.commands.focus();
  }
  function applyLink() {
    const href = linkInput.value.trim();
    const chain = editor.chain().focus().extendMarkRange('link');
    if (!href) chain.unsetLink().run();
    else if (!chain.setLink({ href }).run()) { linkInput.setCustomValidity('This address is not allowed.'); linkInput.reportValidity(); return; }
    linkInput.setCustomValidity('');
    closeLink(false);
  }

  const widget = h('div', { class: ['rte', readonly && 'readonly'] }, readonly ? null : toolbar, linkBar, surface, source);
  widget.destroy = () => editor.destroy();
  ready = true;
  paint();
  return widget;
}
