#!/usr/bin/env bash
# local/checks/schemathesis.sh — the running API against its own OpenAPI document, with Schemathesis
# (pinned in local/requirements.txt, run from the project's .venv), run by `npm test`.
#
# `st run ${E2E_BASE_URL:-http://127.0.0.1:8080}/openapi.json`: every phase (the document's examples,
# coverage, fuzzing, and the stateful phase that follows the document's links: a created user is
# fetched, its avatar read, the users listed and the user deleted; a sent message is looked up), in
# positive and negative mode, with every check:
#   not_a_server_error, status_code_conformance, content_type_conformance,
#   response_headers_conformance, response_schema_conformance (the server answers only what the
#   document says), positive_data_acceptance (every request the document allows is accepted: 2xx,
#   or 404 for an id that does not exist, or 409 for an email already taken), negative_data_rejection
#   (every request the document forbids is refused with 400, 404, 413 or 415; not on the multipart
#   POST /user and POST /users, where it is noise: see [[operations]] below), missing_required_header,
#   unsupported_method and allow_header_conformance (405 with Allow, OPTIONS lists the documented
#   methods), use_after_free and ensure_resource_availability (stateful).
# ignored_auth has nothing to check (the API has no authentication).
# Bounded: SCHEMATHESIS_MAX_EXAMPLES examples per operation and phase (default 50), requests time
# out after 5 s, and the run is stopped after SCHEMATHESIS_TIMEOUT seconds (default 300). Traffic
# goes to the given base URL only. Any failure (or error) fails the check; the output names the
# failing check, the operation and a curl line to reproduce it.
# Avatars: the document says the part is a PNG, JPEG or GIF (its encoding's contentType, checked by
# the server from the magic number) named with an image extension (its Content-Disposition example,
# which Schemathesis sends); the hook local/py/schemathesis_avatar_images.py makes Schemathesis
# generate such bytes.
# needs: running-service (test/run.sh runs it against the api of the local environment)
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT" || exit 1
BASE_URL="${E2E_BASE_URL:-http://127.0.0.1:8080}"
BASE_URL="${BASE_URL%/}"
ST="${SCHEMATHESIS:-$ROOT/.venv/bin/st}"
if [ ! -x "$ST" ]; then
  ensure_venv # creates .venv from local/requirements.txt (pins schemathesis)
fi
[ -x "$ST" ] || { echo "schemathesis: st not found at $ST (run local/venv.sh or set SCHEMATHESIS)" >&2; exit 1; }
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
TIMEOUT="${SCHEMATHESIS_TIMEOUT:-300}"

work="$(mktemp -d "${TMPDIR:-/tmp}/schemathesis.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cat >"$work/schemathesis.toml" <<TOML
# Schemathesis configuration of local/checks/schemathesis.sh (written at run time).
base-url = "$BASE_URL"
# One worker: the api has the other core, and CPython 3.11's ast.parse (which Hypothesis calls to
# describe strategies) fails with "AST constructor recursion depth mismatch" when two threads race.
workers = 1
max-failures = 20
continue-on-failure = true
# A fresh database each run: no examples replayed from an earlier run of another version.
[generation]
database = "none"
max-examples = $MAX_EXAMPLES

[phases.stateful]
# Scenarios of at most 12 calls (create, fetch, avatar, list, delete fit in 5), 60 of them.
max-steps = 12
[phases.stateful.generation]
max-examples = 60
# The document's links, and those learnt from Location headers. Not "dependency-analysis": its links
# feed a response's values (a user's name) into another request's body (POST /users), and in negative
# mode they overwrite the very field that was made invalid, so a valid request is reported as an
# invalid one accepted (Schemathesis 4.32.5).
[phases.stateful.inference]
algorithms = ["location-headers"]

[checks.positive_data_acceptance]
# 2xx; 404 for an id the document allows but nobody created; 409 for an email already registered.
expected-statuses = ["2XX", "404", "409"]

[checks.negative_data_rejection]
# The refusals the document states: 400 (a malformed field, parameter or body), 404 (an id of the
# wrong shape is no resource), 413 (too large), 415 (not JSON). Anything else fails, a 5xx included.
expected-statuses = ["400", "404", "413", "415"]

[[operations]]
# POST /user and POST /users: no negative_data_rejection. A multipart/form-data part is text, and
# Schemathesis 4.32.5 (its fuzzing and stateful phases) still makes a text field "invalid" by giving
# it another JSON type (a number or an object for the name), which reaches the server as valid text
# (3.69e-168, {"S": null}) and is reported as a schema-violating request accepted. Every other
# check runs on them, positive_data_acceptance included; the form's refusals (blank, too long, bad
# email, unknown field, not an image, ...) are asserted by test/service/users.test.ts and
# test/e2e/users.test.ts, and negative_data_rejection runs on every other operation.
include-operation-id-regex = "^createUser"
checks.negative_data_rejection.enabled = false
TOML

echo "schemathesis: $("$ST" --version 2>&1 | tail -n 1) against $BASE_URL/openapi.json (max $MAX_EXAMPLES examples per operation and phase, ${TIMEOUT}s at most)"
start=$(now)
status=0
(
  cd "$work"
  PYTHONPATH="$ROOT/local/py" SCHEMATHESIS_HOOKS=schemathesis_avatar_images timeout --signal=INT --kill-after=10 "$TIMEOUT" \
    "$ST" --no-color --config-file "$work/schemathesis.toml" run "$BASE_URL/openapi.json" \
    --request-timeout 5 --wait-for-schema 30
) > >(tee "$work/output.txt") 2>&1 || status=$?
wait # for tee
secs=$(elapsed "$start")
# "1225 generated, 1225 passed" or "1345 generated, 2 found 2 unique failures", from the summary.
cases=$(grep -A1 '^Test cases:' "$work/output.txt" | tail -n 1 | sed 's/^ *//')
if [ "$status" = 124 ] || [ "$status" = 130 ]; then
  echo "schemathesis: FAILED: stopped after ${TIMEOUT}s (SCHEMATHESIS_TIMEOUT)" >&2
elif [ "$status" != 0 ]; then
  echo "schemathesis: FAILED (exit $status) in ${secs}: ${cases:-no summary}; see the failures above" >&2
else
  echo "schemathesis: passed in ${secs}: ${cases}"
fi
exit "$status"
