#!/usr/bin/env bash
# The one preamble of every script in the repository's harness (local/, test/run.sh, .ci/run):
#   # shellcheck source=local/lib.sh
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"      (../lib.sh from a subfolder)
# It sets strict mode, the project paths (ROOT, STATE, LOGS, CACHE), the PATH to the project's
# tools and the local AWS/Redis environment, and defines the helpers below. Sourcing it twice
# (a sourced helper that sources it too) is harmless.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${LOCAL_STATE_DIR:-$ROOT/.local}"   # pid files, logs and data of what the scripts start (gitignored)
LOGS="$STATE/logs"
CACHE="${EKS_CDK_REFERENCE_CACHE:-$HOME/.cache/eks-cdk-reference}"
mkdir -p "$STATE/pids" "$LOGS" "$CACHE" "$ROOT/.tools/bin"
export PATH="$ROOT/.tools/bin:$ROOT/.venv/bin:$ROOT/node_modules/.bin:$PATH"

EMULATOR_HOST=127.0.0.1
EMULATOR_PORT="${EMULATOR_PORT:-4566}"
REDIS_PORT="${REDIS_PORT:-6379}"
export AWS_ENDPOINT_URL="http://$EMULATOR_HOST:$EMULATOR_PORT"
export AWS_ENDPOINT_URL_S3="$AWS_ENDPOINT_URL"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT}"
# Node 20 still works with the SDK; its "node >= 22 from 2027" notice is printed once in the README instead.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

say() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# fail_with_log <message> <log>: the log's last lines, then one line with the message and the log.
fail_with_log() { [ -f "$2" ] && tail -n 20 "$2" >&2; die "$1 (log: $2)"; }

# in_root <command...>: runs the command from the repository root, in a subshell.
in_root() ( cd "$ROOT" && "$@" )

# run_logged <what> <log> <command...>: runs the command with its output appended to the log;
# on failure shows the log's tail and stops with one line naming the step and the log.
run_logged() {
  local what="$1" log="$2"; shift 2
  "$@" >>"$log" 2>&1 || fail_with_log "$what failed" "$log"
}

# Seconds since the epoch with nanoseconds, for timings: `t0=$(now); ...; say "took $(elapsed "$t0")"`.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# version_ge 3.11.7 3.10 -> true when $1 >= $2
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# One clear line per missing system prerequisite; exits when any is missing.
check_prerequisites() {
  local missing=()
  if ! command -v node >/dev/null; then missing+=("Node.js >= 20 (node not found)");
  elif ! version_ge "$(node -v | sed 's/^v//')" 20; then missing+=("Node.js >= 20 (found $(node -v))"); fi
  if ! command -v python3 >/dev/null; then missing+=("Python >= 3.10 (python3 not found)");
  elif ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
    missing+=("Python >= 3.10 (found $(python3 -V 2>&1))"); fi
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then missing+=("Python venv module (Debian: apt-get install python3-venv)"); fi
  if ! command -v go >/dev/null && { [ ! -x "$ROOT/.tools/bin/helm" ] || [ ! -x "$ROOT/.tools/bin/actionlint" ]; }; then
    missing+=("Go >= 1.26 (not found; Helm, kubeconform and actionlint are built from the Go module proxy)"); fi
  command -v redis-server >/dev/null || missing+=("redis-server (Debian: apt-get install redis-server)")
  command -v curl >/dev/null || missing+=("curl")
  if [ "${#missing[@]}" -gt 0 ]; then
    for m in "${missing[@]}"; do printf 'Missing prerequisite: %s\n' "$m" >&2; done
    exit 1
  fi
}

# npm ci when node_modules is missing or older than the lock file.
ensure_node_modules() {
  if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    step "npm ci (log: $LOGS/npm-ci.log)"
    : >"$LOGS/npm-ci.log"
    # --prefer-offline: packages already in the npm cache are not revalidated against the registry.
    run_logged "npm ci" "$LOGS/npm-ci.log" in_root npm ci --no-audit --no-fund --prefer-offline
  fi
}

# The project's virtual environment, cached by the hash of local/requirements.txt.
ensure_venv() { bash "$ROOT/local/venv.sh"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for <what> <timeout seconds> <log file> <command...>: polls until the command succeeds.
wait_for() {
  local what="$1" timeout="$2" log="$3"; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail_with_log "$what not ready after ${timeout}s" "$log"
    fi
    sleep 0.2
  done
}

# stop_pidfile <name>: stops the process this project started (its pid file), nothing else.
stop_pidfile() {
  local name="$1" pidfile="$STATE/pids/$1.pid"
  if [ ! -f "$pidfile" ]; then return 0; fi
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

# start_background <name> <log> <command...>: starts a process in its own session, records its pid.
start_background() {
  local name="$1" log="$2"; shift 2
  setsid "$@" >"$log" 2>&1 < /dev/null &
  echo $! >"$STATE/pids/$name.pid"
}

emulator_healthy() { curl -fsS --max-time 2 "$AWS_ENDPOINT_URL/_localstack/health" >/dev/null 2>&1; }
redis_healthy() { redis-cli -p "$REDIS_PORT" -h 127.0.0.1 ping 2>/dev/null | grep -q PONG; }

# True when this process holds CAP_SYS_RESOURCE (bit 24 of CapEff). Some VMs' root lacks it: then
# raised ulimits and negative oom_score_adj values are refused, and the container scripts adapt.
has_cap_sys_resource() { local eff; eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status); (( (16#$eff >> 24) & 1 )); }

# use_synth <work dir> <stage...>: sets SYNTH_OUT to a directory with one cloud assembly per stage
# (<dir>/<stage>/): $SYNTH_DIR when it holds them all (`npm test` synthesizes each stage once, with
# local/synth.sh, for every check that reads templates), else a fresh local/synth.sh into <work dir>.
use_synth() {
  local work="$1" stage; shift
  if [ -n "${SYNTH_DIR:-}" ]; then
    for stage in "$@"; do [ -f "$SYNTH_DIR/$stage/manifest.json" ] || die "no cloud assembly of stage $stage in SYNTH_DIR=$SYNTH_DIR (run local/synth.sh)"; done
    SYNTH_OUT="$SYNTH_DIR"
    return 0
  fi
  SYNTH_OUT="$work/synth"
  SYNTH_DIR="$SYNTH_OUT" bash "$ROOT/local/synth.sh" "$@"
}
