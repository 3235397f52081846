#!/usr/bin/env bash
# bench/run.sh (`npm run bench`): starts the emulator and Redis if needed (the lead's idempotent
# scripts), then runs bench/bench.ts. Knobs (environment): BENCH_DURATION (s, default 10),
# BENCH_WARMUP (s, default 3), BENCH_CONNECTIONS (default 64), BENCH_SCENARIOS (e.g. "read,write"),
# BENCH_SERVERS (full,express,node), BENCH_PROFILE=1 (CPU profile of the full app),
# BENCH_OUTPUT (file stem). Smoke test: BENCH_DURATION=1 BENCH_CONNECTIONS=4 npm run bench
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
cd "$ROOT"
bash local/emulator.sh start
bash local/redis.sh start
exec npx tsx bench/bench.ts
