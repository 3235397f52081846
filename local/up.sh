#!/usr/bin/env bash
# npm run local — the development mode in one command:
#   1. checks system prerequisites, installs what the project needs (npm ci, Python venv);
#   2. starts the AWS emulator (127.0.0.1:4566) and redis-server (127.0.0.1:6379);
#   3. `cdklocal bootstrap` and `cdklocal deploy --all -c stage=local` (the same data stack as on AWS);
#   4. reads the stack outputs, builds the service, starts the api and the worker against them;
#   5. waits for /readyz and prints the base URL, the Swagger URL and how to stop.
# Idempotent: a second run reuses what is running and does not redeploy unchanged stacks.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
T0=$(now)
API_PORT="${LOCAL_API_PORT:-8080}"
current=""
on_exit() { local rc=$?; if [ "$rc" -ne 0 ] && [ -n "$current" ]; then echo "npm run local: step \"$current\" failed (logs in $LOGS)" >&2; fi; }
trap on_exit EXIT
phase() { current="$1"; step "$1"; }

phase "prerequisites"; check_prerequisites
phase "node modules"; ensure_node_modules
phase "python virtual environment"; ensure_venv
phase "AWS emulator"; bash "$ROOT/local/emulator.sh" start
phase "redis"; bash "$ROOT/local/redis.sh" start

if [ "${LOCAL_SKIP_APP:-0}" = 1 ]; then say "emulator and redis are up (LOCAL_SKIP_APP=1: no deploy, no service)"; current=""; exit 0; fi

phase "cdklocal deploy (log: $LOGS/cdklocal.log)"
bash "$ROOT/local/deploy.sh"

if [ "${LOCAL_SKIP_SERVICE:-0}" = 1 ]; then say "stacks deployed (LOCAL_SKIP_SERVICE=1: the api and worker are not started here)"; current=""; exit 0; fi

phase "service build (log: $LOGS/service-build.log)"
bash "$ROOT/local/service.sh" build

phase "api and worker"
bash "$ROOT/local/service.sh" start "$API_PORT"
current=""
base="http://127.0.0.1:$API_PORT"
cat <<MSG

Local environment ready in $(elapsed "$T0"):
  API:      $base            (try: curl -s $base/readyz)
  Swagger:  $base/swagger/
  Emulator: $AWS_ENDPOINT_URL    Redis: $REDIS_URL
  Logs:     $LOGS/
  Stop:     npm run local:down
MSG
