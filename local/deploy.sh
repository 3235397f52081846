#!/usr/bin/env bash
# Bootstraps the emulator's CDK environment and deploys the `local` stage with cdklocal, writing
# the stack outputs to .local/outputs.json. CDK itself skips stacks whose template did not change.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log="$LOGS/cdklocal.log"
: >"$log"
cd "$ROOT"
t0=$(now)
# cdklocal reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 (lib.sh sets both to 127.0.0.1:4566; the
# default localhost.localstack.cloud host name needs public DNS).
cdklocal bootstrap "aws://000000000000/$AWS_REGION" -c stage=local >>"$log" 2>&1 ||
  { tail -n 20 "$log" >&2; die "cdklocal bootstrap failed (log: $log)"; }
say "bootstrap: done in $(elapsed "$t0")"
t1=$(now)
cdklocal deploy --all -c stage=local --require-approval never --progress events \
  --outputs-file "$STATE/outputs.json" >>"$log" 2>&1 ||
  { tail -n 30 "$log" >&2; die "cdklocal deploy failed (log: $log)"; }
# Show what cdklocal reported for each stack (deployed, or unchanged).
grep -E '✅|no changes|Stack ARN' "$log" | sed 's/^/  /' || true
say "deploy: done in $(elapsed "$t1") (outputs: $STATE/outputs.json)"
