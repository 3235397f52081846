#!/usr/bin/env bash
# local/checks/shellcheck.sh — ShellCheck over every shell script of the repository: each tracked
# or new (not ignored) *.sh file, and .ci/run. Run from the repository root, with .shellcheckrc
# (sourced helpers are followed). Every finding fails the check, naming file, line and code.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT" || exit 1
command -v shellcheck >/dev/null || die "Missing prerequisite: shellcheck (Debian: apt-get install shellcheck)"
t0=$(now)
mapfile -t files < <({ git ls-files --cached --others --exclude-standard -- '*.sh'; echo .ci/run; } | sort -u |
  while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done)
[ "${#files[@]}" -gt 0 ] || die "shellcheck: no shell scripts found"
if shellcheck -x -f gcc "${files[@]}" >"$LOGS/shellcheck.log" 2>&1; then
  say "shellcheck: $(shellcheck --version | sed -n 's/^version: //p'), ${#files[@]} scripts, no findings ($(elapsed "$t0"))"
else
  cat "$LOGS/shellcheck.log"
  say "shellcheck: $(grep -c . "$LOGS/shellcheck.log") findings in $(cut -d: -f1 "$LOGS/shellcheck.log" | sort -u | wc -l) of ${#files[@]} scripts ($(elapsed "$t0"))" >&2
  exit 1
fi
