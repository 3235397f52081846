#!/usr/bin/env bash
# Checks the GitHub Actions workflows in .github/workflows/ (and local actions in .github/actions/):
#   1. actionlint (installed by local/tools/actionlint.sh); it also lints `run:` scripts with
#      ShellCheck when that is on PATH, as it is on GitHub's runners,
#   2. the project's pipeline policy, which actionlint does not know:
#      - every `uses:` of a third-party action or reusable workflow is pinned to a full 40-hex commit
#        SHA with a version comment (`# vX.Y.Z`); local `./` references are exempt,
#      - a workflow sets `permissions` at the top level, and never grants `write` there,
#      - every job has `timeout-minutes` (a job that calls a reusable workflow cannot have one; the
#        called workflow's jobs are checked instead).
# Exits non-zero on any finding, naming the file and line. Called from `npm test` (local/test.sh).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

if ! compgen -G ".github/workflows/*.y*ml" >/dev/null; then
  echo "workflows.sh: no workflow files in .github/workflows/" >&2
  exit 1
fi

actionlint_bin="$(bash local/tools/actionlint.sh)"
status=0

if command -v shellcheck >/dev/null 2>&1; then
  echo "workflows.sh: actionlint $("$actionlint_bin" -version | head -n 1) with $(shellcheck --version | sed -n 's/^version: /shellcheck /p')"
else
  echo "workflows.sh: actionlint $("$actionlint_bin" -version | head -n 1) (shellcheck not on PATH: run: scripts are not shell-checked)"
fi
if ! "$actionlint_bin" -no-color; then
  echo "workflows.sh: actionlint reported the findings above" >&2
  status=1
fi

# The policy checks, in Node with the `yaml` package (a root devDependency) for line numbers.
if [ ! -d node_modules/yaml ]; then
  echo "workflows.sh: node_modules/yaml is missing; run \`npm ci\` first" >&2
  exit 1
fi
if ! node - <<'NODE'; then
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
        if (!/@sha256:[0-9a-f]{64}$/.test(ref)) report(file, index + 1, `${ref} is not pinned to an image digest (@sha256:...)`);
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
    report(file, 1, 'no top-level `permissions` (set `permissions: contents: read` or `{}`; grant more per job)');
  } else {
    const value = permissionsPair.value ? permissionsPair.value.toJSON() : null;
    const grants = typeof value === 'string' ? [value] : Object.values(value || {});
    if (grants.some((g) => /write/.test(String(g)))) {
      report(file, lineOf(permissionsPair.key), 'top-level `permissions` grants write access; grant it in the job that needs it');
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
  console.error(`workflows.sh: ${findings.length} pipeline policy finding(s) (see the header of local/checks/workflows.sh)`);
  process.exit(1);
}
console.log(
  `workflows.sh: pipeline policy OK (${workflows.length} workflow(s), ${localActions.length} local action(s): SHA pins, top-level permissions, job timeouts)`,
);
NODE
  status=1
fi

exit "$status"
