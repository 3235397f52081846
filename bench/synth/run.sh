#!/usr/bin/env bash
# bench/synth/run.sh [rounds] — synth time of the project's prod stage against a cdk-eks-blueprints
# blueprint of the same shape (bench/synth/blueprint.js: VPC, EKS, Karpenter, ALB controller,
# metrics-server), both with the project's CDK CLI, offline.
#
# Installs the pinned blueprints release (with the aws-cdk-lib its peer dependency names) once into
# $BENCH_BLUEPRINTS_DIR (default ~/.cache/eks-cdk-reference/bench-blueprints), never into the project's
# node_modules. Then one unmeasured warm-up synth of each, and `rounds` (default 5, or $SYNTH_ROUNDS)
# measured rounds, interleaved and alternating which goes first, so load from other processes falls on
# both alike. The warm-up also stages the assets into each output directory, as a first synth would. Each synth is measured with /usr/bin/time: wall, CPU (user + system of the CLI and the
# app) and peak RSS (the largest single process). Prints every round, the medians, the spread
# (min–max, as a share of the median) and the ratio project / blueprints.
# $SYNTH_ARGS adds arguments to the project's synth (e.g. "-c validate=true").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

BLUEPRINTS_VERSION=1.19.0
BLUEPRINTS_CDK_LIB=2.261.0 # the blueprints release's aws-cdk-lib peer dependency
BLUEPRINTS_CONSTRUCTS=10.8.1
rounds="${1:-${SYNTH_ROUNDS:-5}}"
[[ "$rounds" =~ ^[1-9][0-9]?$ ]] || { echo "rounds: expected 1-99, got '$rounds'" >&2; exit 2; }
dir="${BENCH_BLUEPRINTS_DIR:-$HOME/.cache/eks-cdk-reference/bench-blueprints}"
cli="$ROOT/node_modules/aws-cdk/bin/cdk"
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

# --- the blueprints install, once per set of pins -------------------------------------------------
pins="@aws-quickstart/eks-blueprints@$BLUEPRINTS_VERSION aws-cdk-lib@$BLUEPRINTS_CDK_LIB constructs@$BLUEPRINTS_CONSTRUCTS"
mkdir -p "$dir"
if [ "$(cat "$dir/.pins" 2>/dev/null)" != "$pins" ]; then
  echo "installing $pins into $dir"
  cat >"$dir/package.json" <<EOF
{
  "name": "bench-blueprints",
  "private": true,
  "dependencies": {
    "@aws-quickstart/eks-blueprints": "$BLUEPRINTS_VERSION",
    "aws-cdk-lib": "$BLUEPRINTS_CDK_LIB",
    "constructs": "$BLUEPRINTS_CONSTRUCTS"
  }
}
EOF
  (cd "$dir" && timeout 900 npm install --no-audit --no-fund --loglevel=error >"$dir/install.log" 2>&1) ||
    { tail -n 30 "$dir/install.log" >&2; exit 1; }
  echo "$pins" >"$dir/.pins"
fi
cp bench/synth/blueprint.js "$dir/blueprint.js"

# --- measuring ------------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-synth.XXXXXX")"
trap 'rm -rf "$work"' EXIT
results="$work/results.tsv" # variant round wall cpu rss_kb

# synth <variant> <round>: one synth, its figures appended to $results. Each variant keeps its output
# directory from round to round, as `cdk synth` keeps ./cdk.out: assets staged by an earlier synth
# (the kubectl and AWS CLI layers, tens of MB) are not copied again, for both alike.
synth() {
  local variant="$1" round="$2" out="$work/out-$1" log="$work/$1.log" t="$work/time"
  # shellcheck disable=SC2086 # SYNTH_ARGS is a list of arguments
  case "$variant" in
    project) (cd "$ROOT" && timeout 600 /usr/bin/time -f '%e %U %S %M' -o "$t" \
      node "$cli" synth -c stage=prod ${SYNTH_ARGS:-} -q -o "$out") >"$log" 2>&1 ;;
    blueprints) (cd "$dir" && timeout 600 /usr/bin/time -f '%e %U %S %M' -o "$t" \
      node "$cli" synth --app "node blueprint.js" -q -o "$out") >"$log" 2>&1 ;;
  esac || { echo "FAIL synth $variant:" >&2; tail -n 30 "$log" >&2; exit 1; }
  [ "$round" = 0 ] && return 0
  read -r wall user sys rss <"$t"
  printf '%s\t%s\t%s\t%s\t%s\n' "$variant" "$round" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$rss" >>"$results"
}

echo "synth bench: project prod stage vs cdk-eks-blueprints $BLUEPRINTS_VERSION (aws-cdk-lib $BLUEPRINTS_CDK_LIB); CLI $(node "$cli" --version | cut -d' ' -f1)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), node $(node --version), load $(cut -d' ' -f1-3 /proc/loadavg) at start"
synth project 0
synth blueprints 0
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then synth project "$r"; synth blueprints "$r"; else synth blueprints "$r"; synth project "$r"; fi
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg) at end"

awk -F'\t' '
  function median(a, n,   i, j, t, b) {
    for (i = 1; i <= n; i++) b[i] = a[i]
    for (i = 2; i <= n; i++) for (j = i; j > 1 && b[j - 1] > b[j]; j--) { t = b[j]; b[j] = b[j - 1]; b[j - 1] = t }
    return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
  }
  function spread(a, n, m,   i, lo, hi) {
    lo = hi = a[1]
    for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
    return m > 0 ? 100 * (hi - lo) / m : 0
  }
  { n[$1]++; wall[$1, n[$1]] = $3; cpu[$1, n[$1]] = $4; rss[$1, n[$1]] = $5 / 1024
    printf "round %2d  %-10s  wall %6.2f s  cpu %6.2f s  peak %5.0f MB\n", $2, $1, $3, $4, $5 / 1024 }
  END {
    split("project blueprints", v, " ")
    for (k = 1; k <= 2; k++) {
      x = v[k]; m = n[x]
      for (i = 1; i <= m; i++) { w[i] = wall[x, i]; c[i] = cpu[x, i]; p[i] = rss[x, i] }
      mw[x] = median(w, m); mc[x] = median(c, m); mp[x] = median(p, m)
      printf "median    %-10s  wall %6.2f s  cpu %6.2f s  peak %5.0f MB   (spread wall %.0f%%, cpu %.0f%%, peak %.0f%%; %d rounds)\n",
        x, mw[x], mc[x], mp[x], spread(w, m, mw[x]), spread(c, m, mc[x]), spread(p, m, mp[x]), m
    }
    printf "ratio     project / blueprints: wall %.2fx  cpu %.2fx  peak %.2fx\n",
      mw["project"] / mw["blueprints"], mc["project"] / mc["blueprints"], mp["project"] / mp["blueprints"]
  }' "$results"
