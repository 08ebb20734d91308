#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite (short job) and writes bench/results/microbenchmarks.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp -d)"
command=(dotnet run -c Release --project "$here/UnionBlock.Benchmarks" -- --filter '*' --job short --artifacts "$out")
"${command[@]}" > "$out/log.txt" 2>&1 || { tail -50 "$out/log.txt"; exit 1; }
{
  echo "# Micro-benchmarks ($(date +%F))"
  echo
  echo "Machine: $(lscpu | grep 'Model name' | sed 's/.*: *//'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); .NET $(dotnet --version)."
  echo
  echo "Command: \`dotnet run -c Release --project bench/UnionBlock.Benchmarks -- --filter '*' --job short\`"
  echo
  for report in "$out"/results/*-report-github.md; do
    name="$(basename "$report" -report-github.md)"
    echo "## ${name#UnionBlock.Benchmarks.}"
    echo
    # Keep the table; BenchmarkDotNet's environment block is summarised above.
    sed -n '/^|/p' "$report"
    echo
  done
} > "$here/results/microbenchmarks.md"
echo "wrote $here/results/microbenchmarks.md"
