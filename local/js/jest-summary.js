#!/usr/bin/env node
/**
 * One line with the tests counted over jest's --json reports: "tests: N passed, M failed[, K skipped]".
 * Usage: node local/js/jest-summary.js <report.json>...   (called by test/run.sh)
 */
const path = require('path');

const total = { passed: 0, failed: 0, skipped: 0 };
for (const file of process.argv.slice(2)) {
  const report = require(path.resolve(file));
  total.passed += report.numPassedTests;
  total.failed += report.numFailedTests;
  total.skipped += report.numPendingTests;
}
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed` +
    (total.skipped ? `, ${total.skipped} skipped` : ''),
);
