#!/usr/bin/env node
/**
 * The summary of bench/pod-start.sh: reads "<image> <component> <kind> <milliseconds>" lines on stdin
 * (kind: replacement, rollout, import; "<image> image gzip <bytes>" for the compressed size), prints
 * the median, min and max per image, component and kind, and writes them as JSON.
 * Usage: node bench/lib/pod-start-report.js <api replicas> <worker replicas> <out.json>
 */
const [apiReplicas, workerReplicas, out] = process.argv.slice(2);
const rows = require('fs')
  .readFileSync(0, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(' '));
const stats = {};
for (const [image, component, kind, value] of rows)
  (((stats[image] ??= {})[component] ??= {})[kind] ??= []).push(Number(value));
const summary = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1], values: v };
};
const result = { replicas: { api: Number(apiReplicas), worker: Number(workerReplicas) }, images: {} };
for (const [image, components] of Object.entries(stats)) {
  const r = (result.images[image] = { gzipBytes: components.image.gzip[0], seconds: {} });
  console.log(`${image}: ${(r.gzipBytes / 1e6).toFixed(1)} MB gzip-compressed`);
  for (const [component, kinds] of Object.entries(components))
    for (const [kind, values] of Object.entries(kinds)) {
      if (kind === 'gzip') continue;
      const s = ((r.seconds[component] ??= {})[kind] = summary(values.map((v) => v / 1000)));
      console.log(
        `  ${component.padEnd(6)} ${kind.padEnd(11)} median ${s.median.toFixed(2)} s  (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, n=${values.length})`,
      );
    }
}
require('fs').writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
