#!/usr/bin/env node
/**
 * The modules a go.mod replaces with a local path (`replace X => ./staging/...`), one per line, from
 * `go mod edit -json` on stdin. local/k8s/build.sh turns each into a requirement of the published
 * module, since a module downloaded from the proxy carries no such local paths.
 * Usage: go mod edit -json | node local/js/go-mod-replaces.js
 */
const mod = JSON.parse(require('fs').readFileSync(0, 'utf8'));
for (const r of mod.Replace ?? []) if (r.New.Path.startsWith('.')) console.log(r.Old.Path);
