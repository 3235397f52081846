#!/usr/bin/env bash
# local/emulator.sh start|stop|status — the AWS emulator (MiniStack, LocalStack-compatible) on
# 127.0.0.1:4566. `start` is idempotent and waits for /_localstack/health; when another emulator
# (e.g. LocalStack in Docker) already answers on the port, it is used and never stopped by us.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cmd="${1:-start}"
case "$cmd" in
  start)
    if pid_alive "$STATE/pids/emulator.pid" && emulator_healthy; then
      say "emulator: already running on $AWS_ENDPOINT_URL (pid $(cat "$STATE/pids/emulator.pid"))"; exit 0
    fi
    if emulator_healthy; then say "emulator: using the one already answering on $AWS_ENDPOINT_URL (not started here)"; exit 0; fi
    ensure_venv
    t0=$(now)
    start_background emulator "$LOGS/emulator.log" env BIND_HOST="$EMULATOR_HOST" GATEWAY_PORT="$EMULATOR_PORT" \
      MINISTACK_REGION="$AWS_REGION" LOG_LEVEL="${EMULATOR_LOG_LEVEL:-WARNING}" "$ROOT/.venv/bin/ministack"
    wait_for "emulator on $AWS_ENDPOINT_URL" "${EMULATOR_START_TIMEOUT:-60}" "$LOGS/emulator.log" emulator_healthy
    say "emulator: healthy on $AWS_ENDPOINT_URL after $(elapsed "$t0") (pid $(cat "$STATE/pids/emulator.pid"), log $LOGS/emulator.log)"
    ;;
  stop) stop_pidfile emulator ;;
  status)
    if emulator_healthy; then say "emulator: healthy on $AWS_ENDPOINT_URL"; else say "emulator: not running"; exit 1; fi ;;
  *) die "usage: local/emulator.sh start|stop|status" ;;
esac
