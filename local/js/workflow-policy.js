#!/usr/bin/env node
/**
 * The pipeline policy of local/checks/workflows.sh, which actionlint does not know: every third-party
 * `uses:` pinned to a full commit SHA with a version comment, top-level `permissions` without write,
 * `timeout-minutes` on every job. Prints each finding as file:line: message; exits 1 on any.
 * Usage: node local/js/workflow-policy.js   (from the repository root)
 */
const fs = require('fs');
const path = require('path');
const { parseDocument, LineCounter, isMap } = require('yaml');

const findings = [];
const report = (file, line, message) => findings.push(`${file}:${line}: ${message}`);

const listYaml = (dir, recursive) => {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return recursive ? listYaml(full, true) : [];
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
};
const workflows = listYaml('.github/workflows', false);
const localActions = listYaml('.github/actions', true).filter((f) => /(^|\/)action\.ya?ml$/.test(f));

const SHA_PIN = /^[^@\s]+@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v?\d+(\.\d+){0,2}\b/;

// 1. Pins: scan lines, so that the version comment (which YAML parsers drop) can be checked too.
for (const file of [...workflows, ...localActions]) {
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const m = text.match(/^\s*(?:-\s+)?uses:\s*(['"]?)([^'"\s#]+)\1\s*(#.*)?$/);
      if (!m) return;
      const [, , ref, comment = ''] = m;
      if (ref.startsWith('./')) return;
      if (ref.startsWith('docker://')) {
        if (!/@sha256:[0-9a-f]{64}$/.test(ref))
          report(file, index + 1, `${ref} is not pinned to an image digest (@sha256:...)`);
        return;
      }
      if (!SHA_PIN.test(ref)) {
        report(file, index + 1, `${ref} is not pinned to a full 40-character commit SHA`);
      } else if (!VERSION_COMMENT.test(comment)) {
        report(file, index + 1, `${ref} has no version comment (write it as \`# vX.Y.Z\`)`);
      }
    });
}

// 2. and 3. Top-level permissions and job timeouts, from the parsed workflow.
for (const file of workflows) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { lineCounter });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) report(file, lineCounter.linePos(e.pos[0]).line, `YAML error: ${e.message}`);
    continue;
  }
  const lineOf = (node) => (node && node.range ? lineCounter.linePos(node.range[0]).line : 1);
  const root = doc.contents;
  if (!isMap(root)) {
    report(file, 1, 'not a YAML mapping');
    continue;
  }
  const permissionsPair = root.items.find((p) => p.key && p.key.value === 'permissions');
  if (!permissionsPair) {
    report(
      file,
      1,
      'no top-level `permissions` (set `permissions: contents: read` or `{}`; grant more per job)',
    );
  } else {
    const value = permissionsPair.value ? permissionsPair.value.toJSON() : null;
    const grants = typeof value === 'string' ? [value] : Object.values(value || {});
    if (grants.some((g) => /write/.test(String(g)))) {
      report(
        file,
        lineOf(permissionsPair.key),
        'top-level `permissions` grants write access; grant it in the job that needs it',
      );
    }
  }
  const jobsPair = root.items.find((p) => p.key && p.key.value === 'jobs');
  if (!jobsPair || !isMap(jobsPair.value)) {
    report(file, 1, 'no `jobs` mapping');
    continue;
  }
  for (const job of jobsPair.value.items) {
    const keys = isMap(job.value) ? job.value.items.map((p) => p.key && p.key.value) : [];
    if (keys.includes('uses')) continue; // calls a reusable workflow: timeout-minutes is not allowed there
    if (!keys.includes('timeout-minutes')) {
      report(file, lineOf(job.key), `job \`${job.key.value}\` has no \`timeout-minutes\``);
    }
  }
}

if (findings.length > 0) {
  console.error(findings.join('\n'));
  console.error(
    `workflows.sh: ${findings.length} pipeline policy finding(s) (see the header of local/checks/workflows.sh)`,
  );
  process.exit(1);
}
console.log(
  `workflows.sh: pipeline policy OK (${workflows.length} workflow(s), ${localActions.length} local action(s): SHA pins, top-level permissions, job timeouts)`,
);
