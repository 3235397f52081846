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
# Exits non-zero on any finding, naming the file and line. Run by `npm test`.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT" || exit 1

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

# The policy checks (local/js/workflow-policy.js), in Node with the `yaml` package (a root
# devDependency) for line numbers.
if [ ! -d node_modules/yaml ]; then
  echo "workflows.sh: node_modules/yaml is missing; run \`npm ci\` first" >&2
  exit 1
fi
if ! node local/js/workflow-policy.js; then
  status=1
fi

exit "$status"
