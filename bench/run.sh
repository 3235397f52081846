#!/usr/bin/env bash
# bench/run.sh (`npm run bench`): starts the emulator and Redis if they are not running, then runs
# bench/bench.ts. Knobs (environment), see docs/BENCHMARKS.md:
#   BENCH_DURATION (s, default 10)   BENCH_WARMUP (s, default 3)   BENCH_CONNECTIONS (default 64)
#   BENCH_ROUNDS (default 1)         BENCH_SCENARIOS (e.g. "read,write")
#   BENCH_SERVERS (default full,express,node)
#   BENCH_PROFILE (1 = the full app, or a server name)   BENCH_OUTPUT (file stem)   BENCH_SEED_USERS (20)
# Smoke test: BENCH_DURATION=1 BENCH_CONNECTIONS=4 npm run bench
# shellcheck source=SCRIPTDIR/../local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
cd "$ROOT" || exit 1
bash local/emulator.sh start
bash local/redis.sh start
# node itself (not npx): a signal sent to this script's pid reaches the bench, which then stops its
# servers and deletes its resources.
exec node --import tsx bench/bench.ts
