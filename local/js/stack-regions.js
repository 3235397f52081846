#!/usr/bin/env node
/**
 * The regions of a cloud assembly's stacks (from each stack's environment, aws://account/region),
 * space-separated on one line: what cfn-lint needs for --regions.
 * Usage: node local/js/stack-regions.js <cdk.out>/manifest.json   (called by local/checks/cfn-lint.sh)
 */
const manifest = require(require('path').resolve(process.argv[2] ?? ''));
const regions = Object.values(manifest.artifacts)
  .filter((a) => a.type === 'aws:cloudformation:stack')
  .map((a) => a.environment.split('/').pop());
console.log([...new Set(regions)].join(' '));
