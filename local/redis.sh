#!/usr/bin/env bash
# local/redis.sh start|stop|status — redis-server on 127.0.0.1:6379 (no persistence). `start` is
# idempotent; a Redis already answering on the port is used and never stopped by us.
# shellcheck source=local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cmd="${1:-start}"
case "$cmd" in
  start)
    if redis_healthy; then
      if pid_alive "$STATE/pids/redis.pid"; then say "redis: already running on 127.0.0.1:$REDIS_PORT (pid $(cat "$STATE/pids/redis.pid"))";
      else say "redis: using the one already answering on 127.0.0.1:$REDIS_PORT (not started here)"; fi
      exit 0
    fi
    command -v redis-server >/dev/null || die "Missing prerequisite: redis-server (Debian: apt-get install redis-server)"
    t0=$(now)
    start_background redis "$LOGS/redis.log" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
      --save '' --appendonly no --daemonize no --dir "$STATE"
    wait_for "redis on 127.0.0.1:$REDIS_PORT" 20 "$LOGS/redis.log" redis_healthy
    say "redis: ready on 127.0.0.1:$REDIS_PORT after $(elapsed "$t0") (pid $(cat "$STATE/pids/redis.pid"))"
    ;;
  stop) stop_pidfile redis ;;
  status)
    if redis_healthy; then say "redis: ready on 127.0.0.1:$REDIS_PORT"; else say "redis: not running"; exit 1; fi ;;
  *) die "usage: local/redis.sh start|stop|status" ;;
esac
