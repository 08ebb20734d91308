#!/usr/bin/env bash
# CI keeps the benchmarks compiling and running: a dry run of the fast ones, in process.
# Timings are not checked here; bench/compare.sh and a full BenchmarkDotNet run produce the numbers.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp -d)"
dotnet run -c Release --project "$here/UnionBlock.Benchmarks" -- \
  --filter '*ParserBenchmarks*' '*EmbeddedConnectionBenchmarks*' --job Dry --inProcess --artifacts "$out" > "$out/log.txt" 2>&1 \
  || { tail -40 "$out/log.txt"; exit 1; }
grep -E '^\| (SingleSegment|SplitAcrossSegments|PipelinedReads4K) ' "$out"/results/*-report-github.md
# A benchmark that threw shows NA as its mean: that is a failure.
if grep -Eq '^\| (SingleSegment|SplitAcrossSegments|PipelinedReads4K) +\| +NA ' "$out"/results/*-report-github.md; then
  echo "a benchmark failed to run (NA in the report)" >&2
  exit 1
fi
# The protocol path must stay allocation-free per request (a few bytes per batch at most).
if grep -E '^\| PipelinedReads4K ' "$out"/results/*-report-github.md | grep -Eq '\| +[0-9]+(\.[0-9]+)? KB +\|'; then
  echo "PipelinedReads4K allocates kilobytes per request" >&2
  exit 1
fi
# The director benchmark, tiny: 50 agents heartbeating over HTTP for 2 s and a deploy of 10 instances.
# It exits non-zero on errors only (failed requests or deploys), never on timings.
dotnet run -c Release --project "$here/DirectorBench" -- --agents 50 --seconds 2 --warmup 1 --runs 1 --instances 10 \
  --release "$here/../examples/releases/demo" > "$out/director.txt" 2>&1 || { tail -40 "$out/director.txt"; exit 1; }
grep -E '^\| (heartbeats answered|errors|deploy task|agent commands sent by the no-op)' "$out/director.txt"
# Failover, tiny: 30 simulated agents in 3 groups of 10 (9 instances and a spare each), 1 kill, a mass
# failure under the three meltdown settings; and each live node table for 1 s. Errors fail, timings never.
dotnet run -c Release --project "$here/DirectorBench" -- --agents 0 --instances 0 --runs 1 --failover-agents 30 --group-size 10 --kills 1 \
  --mass-window 6 --node-table 1 --release "$here/../examples/releases/demo" > "$out/failover.txt" 2>&1 || { tail -40 "$out/failover.txt"; exit 1; }
grep -E '^\| (last heartbeat|kills whose|on, |off |ConcurrentDictionary|FASTER|RocksDB)' "$out/failover.txt"
# Rollout, tiny: 12 simulated nodes in 3 groups onto a patched edition, then a broken one rolled back.
# It fails when a node does not move or come back, never on timings.
dotnet run -c Release --project "$here/DirectorBench" -- --agents 0 --instances 0 --runs 1 --rollout-nodes 12 --rollout-groups 3 \
  --release "$here/../examples/releases/demo" > "$out/rollout.txt" 2>&1 || { tail -40 "$out/rollout.txt"; exit 1; }
grep -E '^\| (nodes moved|nodes rolled back|rollout, call)' "$out/rollout.txt"
