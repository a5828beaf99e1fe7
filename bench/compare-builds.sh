#!/usr/bin/env bash
# This checkout beside another built one, by turns (A B A B …), on the figures a store-layer
# change must not make worse: config reads and durable PATCH (SQLite and PostgreSQL, each
# against raw node:http or its no-fsync floor, as `npm run bench` measures them) and pulls
# per second (SQLite throughput rows, and one PostgreSQL node) against the raw client.
# Each build runs its own benchmark scripts on its own fresh databases; compare the ratios
# to each baseline, which the machine's load moves alike. The inspector (issue 24) is off
# in both (`SWITCHBOARD_INSPECTOR_EXCHANGES=0`; an older build ignores it), so the pull rows
# compare the store layer alone; its own cost is `BENCH_PULL_ONLY=inspector`.
#
#   git worktree add --detach /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/
#   (cd /tmp/base && node scripts/build.js)
#   bash bench/compare-builds.sh /tmp/base [rounds] [full]   # writes bench/results/compare-*.log
#
# `full` runs each row as `npm run bench` does (5 s measured, 3 rounds beside its baseline)
# instead of `--quick` (2 s, one round): slower, and much less noisy.
set -euo pipefail
base=$(cd "${1:?usage: bench/compare-builds.sh BASE_CHECKOUT [ROUNDS]}" && pwd)
rounds=${2:-2}
quick=--quick
[[ "${3:-}" == full ]] && quick=
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/bench/results"
mkdir -p "$out"
export BENCH_POSTGRES_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
export SWITCHBOARD_INSPECTOR_EXCHANGES=0
# The rows through PgBouncer have no counterpart in older builds: `bench/run.ts --only PgBouncer` measures them.
export SWITCHBOARD_TEST_PGBOUNCER=off
(cd "$here" && node scripts/build.js)

run() { # checkout label round
  local dir=$1 label=$2 round=$3
  (
    cd "$dir"
    echo "== $label round $round: reads"
    node --import tsx bench/run.ts $quick --only 'config read, ' 2>/dev/null | grep '^|'
    echo "== $label round $round: durable PATCH"
    node --import tsx bench/run.ts $quick --only 'PATCH merge' 2>/dev/null | grep '^|'
    echo "== $label round $round: pulls (SQLite throughput)"
    BENCH_PULL_ONLY=throughput BENCH_POSTGRES_URL=off node --import tsx bench/pull/run-pull.ts $quick 2>/dev/null | grep '^|'
    echo "== $label round $round: pulls (one PostgreSQL node)"
    BENCH_PULL_ONLY=postgres node --import tsx bench/pull/run-pull.ts $quick 2>/dev/null | grep '^|'
  ) | tee -a "$out/compare-$label.log"
}

rm -f "$out/compare-base.log" "$out/compare-this.log"
for round in $(seq 1 "$rounds"); do
  if (( round % 2 == 1 )); then run "$base" base "$round"; run "$here" this "$round"
  else run "$here" this "$round"; run "$base" base "$round"; fi
done
