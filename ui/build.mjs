// Bundle ui/src into bastion/ui/dist: content-hashed assets, index.html naming them, a manifest.
// The manifest's `sourceHash` covers every source file, so a test can tell a stale dist without Node.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import * as esbuild from 'esbuild';

const here = new URL('.', import.meta.url).pathname;
const src = join(here, 'src');
const out = join(here, '..', 'bastion', 'ui', 'dist');

function files(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

// Same algorithm as tests/unit/test_admin_ui_dist.py: sha256 over "relative/path\0content\0", sorted.
function sourceHash() {
  const hash = createHash('sha256');
  for (const path of [...files(src), join(here, 'build.mjs')]) {
    hash.update(relative(here, path).split('\\').join('/') + '\0');
    hash.update(readFileSync(path));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function hashed(name, content) {
  const digest = createHash('sha256').update(content).digest('base64url').replace(/[^A-Za-z0-9]/g, '');
  const dot = name.lastIndexOf('.');
  return `${name.slice(0, dot)}-${digest.slice(0, 10)}${name.slice(dot)}`;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(src, 'main.js'), style: join(src, 'styles', 'app.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const assets = {};
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint) assets[basename(meta.entryPoint).replace(/\.\w+$/, '') === 'main' ? 'app.js' : 'style.css'] = basename(file);
}
for (const path of files(join(src, 'static'))) {
  const name = hashed(basename(path), readFileSync(path));
  copyFileSync(path, join(out, 'assets', name));
  assets[basename(path)] = name;
}

const template = readFileSync(join(src, 'index.html'), 'utf8');
const html = template.replace(/\{\{([\w.]+)\}\}/g, (_, key) => {
  if (!assets[key]) throw new Error(`index.html names unknown asset ${key}`);
  return `/_/assets/${assets[key]}`;
});
writeFileSync(join(out, 'index.html'), html);
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ sourceHash: sourceHash(), assets }, null, 2) + '\n');
console.log('built', Object.values(assets).join(', '));
