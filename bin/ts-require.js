/**
 * The TypeScript loader of `cdk synth` (cdk.json: `node --require ./bin/ts-require.js bin/app.ts`):
 * each `.ts` file the app requires is transpiled by esbuild, types stripped, no type check
 * (`npm run typecheck` does that; `isolatedModules` keeps file-by-file transpiling exact). It hooks
 * nothing but `.ts` files, so aws-cdk-lib's JavaScript loads at plain Node speed: a general-purpose
 * loader that also inspects and resolves every `.js` module (tsx) cost a prod synth about a third of
 * the app's CPU. Stack traces point at the TypeScript lines (inline source maps).
 *
 * The output is kept in node_modules/.cache/ts-require/, one file per source file, under the hash of
 * the source and the transform settings: a synth after an edit transpiles only the edited files, and
 * one without edits starts no esbuild at all.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const CACHE_DIR = path.join(__dirname, '..', 'node_modules', '.cache', 'ts-require');
const TARGET = `node${process.versions.node.split('.')[0]}`;
let esbuild;

function transpile(source, filename) {
  esbuild ??= require('esbuild');
  return esbuild.transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    target: TARGET,
    sourcefile: filename,
    sourcemap: 'inline',
  }).code;
}

function cached(source, filename) {
  const key = crypto.createHash('sha256').update(filename).digest('hex').slice(0, 32);
  const file = path.join(CACHE_DIR, `${key}.js`);
  const stamp = `// ${crypto
    .createHash('sha256')
    .update(`${require('esbuild/package.json').version} ${TARGET}\0`)
    .update(source)
    .digest('hex')}\n`;
  try {
    const hit = fs.readFileSync(file, 'utf8');
    if (hit.startsWith(stamp)) return hit.slice(stamp.length);
  } catch {
    // not cached yet
  }
  const code = transpile(source, filename);
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Written aside and renamed: a synth running at the same time never reads half a file.
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, stamp + code);
    fs.renameSync(tmp, file);
  } catch {
    // a read-only checkout: transpile every time
  }
  return code;
}

process.setSourceMapsEnabled(true);

require.extensions['.ts'] = (module, filename) => {
  module._compile(cached(fs.readFileSync(filename, 'utf8'), filename), filename);
};
