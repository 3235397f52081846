/**
 * The TypeScript loader of `cdk synth` (cdk.json: `node --require ./bin/ts-require.js bin/app.ts`):
 * each `.ts` file the app requires is transpiled by esbuild, types stripped, no type check
 * (`npm run typecheck` does that; `isolatedModules` keeps file-by-file transpiling exact). It hooks
 * nothing but `.ts` files, so aws-cdk-lib's JavaScript loads at plain Node speed: a general-purpose
 * loader that also inspects and resolves every `.js` module (tsx) cost a prod synth about a third of
 * the app's CPU. Stack traces point at the TypeScript lines (inline source maps).
 */
const fs = require('node:fs');
const { transformSync } = require('esbuild');

process.setSourceMapsEnabled(true);

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcefile: filename,
    sourcemap: 'inline',
  });
  module._compile(code, filename);
};
