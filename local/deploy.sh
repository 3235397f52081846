#!/usr/bin/env bash
# Bootstraps the emulator's CDK environment and deploys the `local` stage with cdklocal, writing
# the stack outputs to .local/outputs.json. CDK itself skips stacks whose template did not change.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log="$LOGS/cdklocal.log"
cd "$ROOT" || exit 1

# Skip everything when the app's sources are unchanged since the last successful deploy into
# this same emulator process (its state is in memory: a new emulator process needs a new deploy).
fingerprint="$( { cat "$STATE/pids/emulator.pid" 2>/dev/null || echo external; echo "$AWS_ENDPOINT_URL";
  find bin lib cdk.json package-lock.json -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)"
if [ "${LOCAL_FORCE_DEPLOY:-0}" != 1 ] && [ -f "$STATE/outputs.json" ] && pid_alive "$STATE/pids/emulator.pid" &&
  [ "$(cat "$STATE/deployed.fingerprint" 2>/dev/null)" = "$fingerprint" ]; then
  say "deploy: stacks unchanged since the last deploy into this emulator (fingerprint $fingerprint): skipped (LOCAL_FORCE_DEPLOY=1 forces it)"
  exit 0
fi
rm -f "$STATE/deployed.fingerprint"
: >"$log"
t0=$(now)
# cdklocal reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 (lib.sh sets both to 127.0.0.1:4566; the
# default localhost.localstack.cloud host name needs public DNS).
# Bootstrap from .local/ (no cdk.json there), so it does not synthesize the app just to bootstrap.
bootstrap() ( cd "$STATE" && cdklocal bootstrap "aws://000000000000/$AWS_REGION" )
run_logged "cdklocal bootstrap" "$log" bootstrap
say "bootstrap: done in $(elapsed "$t0")"
t1=$(now)
run_logged "cdklocal deploy" "$log" cdklocal deploy --all -c stage=local --require-approval never \
  --progress events --outputs-file "$STATE/outputs.json"
# Show what cdklocal reported for each stack (deployed, or unchanged).
grep -E '✅|no changes' "$log" | sed 's/^ */  /' || true
echo "$fingerprint" >"$STATE/deployed.fingerprint"
say "deploy: done in $(elapsed "$t1") (outputs: $STATE/outputs.json)"
