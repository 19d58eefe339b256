// Bundle ui/src into bastion/ui/dist: content-hashed assets, index.html naming them, a manifest.
// The manifest's `sourceHash` covers every source file and package.json (the pinned Swagger UI), so a
// test can tell a stale dist without Node. The API reference page (/api/docs) is built here too:
// Swagger UI's prebuilt bundle, copied as a hashed asset, and our own small script that starts it.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
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
  for (const path of [...files(src), join(here, 'build.mjs'), join(here, 'package.json')]) {
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
  entryPoints: {
    app: join(src, 'main.js'),
    style: join(src, 'styles', 'app.css'),
    api_docs: join(src, 'api_docs', 'api_docs.js'),
    api_docs_style: join(src, 'api_docs', 'api_docs.css'),
  },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  // import() of a large, seldom-used module (the rich-text editor) becomes its own chunk.
  splitting: true,
  chunkNames: '[name]-[hash]',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const entryAssets = { 'main.js': 'app.js', 'app.css': 'style.css', 'api_docs.js': 'api_docs.js', 'api_docs.css': 'api_docs.css' };
const assets = {};
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  // Entry points, and modules loaded with import() (their own chunks, named after their file).
  if (meta.entryPoint) assets[entryAssets[basename(meta.entryPoint)] || basename(meta.entryPoint)] = basename(file);
}
// Bundled npm packages (the rich-text editor's chunk) keep their licences: each output that has code
// from node_modules starts with one comment naming each package, its version and its licence text.
// The file keeps the name esbuild hashed from its code; the comment is derived from the same inputs.
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  const packages = new Map();
  for (const input of Object.keys(meta.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m && !packages.has(m[1])) packages.set(m[1], join(here, 'node_modules', m[1]));
  }
  if (!packages.size) continue;
  const byText = new Map(); // licence text -> packages under it (many share one text word for word)
  for (const [name, dir] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const text = readdirSync(dir).filter((f) => /^licen[cs]e/i.test(f)).sort().map((f) => readFileSync(join(dir, f), 'utf8').trim()).join('\n\n');
    byText.set(text, [...(byText.get(text) || []), `${name} ${pkg.version} (${pkg.license})`]);
  }
  const notices = [...byText].map(([text, names]) => `${names.join('\n')}\n\n${text}`.replaceAll('*/', '* /'));
  const path = join(here, file);
  writeFileSync(path, `/*! Bundled packages and their licences:\n\n${notices.join('\n\n----\n\n')}\n*/\n${readFileSync(path, 'utf8')}`);
}
// Swagger UI ships minified; its licence (Apache-2.0) travels at the head of the copied bundle.
const swagger = join(here, 'node_modules', 'swagger-ui-dist');
const licence = ['LICENSE', 'NOTICE', 'swagger-ui-bundle.js.LICENSE.txt']
  .map((name) => readFileSync(join(swagger, name), 'utf8').replaceAll('*/', '* /'))
  .join('\n');
for (const [name, from] of [['swagger_ui.js', 'swagger-ui-bundle.js'], ['swagger_ui.css', 'swagger-ui.css']]) {
  const body = `/*! swagger-ui-dist ${JSON.parse(readFileSync(join(swagger, 'package.json'), 'utf8')).version}\n${licence}\n*/\n` +
    readFileSync(join(swagger, from), 'utf8').replace(/(\/\/|\/\*)# sourceMappingURL=\S+\s*$/, '\n');
  const hashedName = hashed(name, body);
  writeFileSync(join(out, 'assets', hashedName), body);
  assets[name] = hashedName;
}
for (const path of files(join(src, 'static'))) {
  const name = hashed(basename(path), readFileSync(path));
  copyFileSync(path, join(out, 'assets', name));
  assets[basename(path)] = name;
}

// Large assets get a brotli copy made once here at the highest quality (<name>.br): the server
// sends it as is to browsers that accept br instead of compressing 1.7 MB on every download.
for (const name of readdirSync(join(out, 'assets'))) {
  if (name.endsWith('.br')) continue;
  const body = readFileSync(join(out, 'assets', name));
  if (body.length < 65536) continue;
  const packed = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
  writeFileSync(join(out, 'assets', `${name}.br`), packed);
}

function page(template, name) {
  const html = readFileSync(template, 'utf8').replace(/\{\{([\w.]+)\}\}/g, (_, key) => {
    if (!assets[key]) throw new Error(`${name} names unknown asset ${key}`);
    return `/_/assets/${assets[key]}`;
  });
  writeFileSync(join(out, name), html);
}
page(join(src, 'index.html'), 'index.html');
page(join(src, 'api_docs', 'api_docs.html'), 'api_docs.html');
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ sourceHash: sourceHash(), assets }, null, 2) + '\n');
console.log('built', Object.values(assets).join(', '));
