#!/usr/bin/env node
/**
 * The summary of bench/k8s-reload.sh: reads "<image ms> <first new answer ms> <rollout ms>" lines on
 * stdin (one per round) and prints the median, min and max of each.
 * Usage: node bench/lib/k8s-reload-report.js
 */
const rows = require('fs')
  .readFileSync(0, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(' ').map(Number));
const names = ['edit to image built', 'edit to first answer of a new pod', 'edit to rollout complete'];
names.forEach((name, column) => {
  const v = rows.map((r) => r[column]).sort((a, b) => a - b);
  const m = v.length >> 1;
  const median = v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  const s = (x) => `${(x / 1000).toFixed(1)} s`;
  console.log(`${name}: median ${s(median)} (min ${s(v[0])}, max ${s(v[v.length - 1])}, n=${v.length})`);
});
