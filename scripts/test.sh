#!/usr/bin/env bash
# Runs every test project and ends with one line: "N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# Interop tests run the real ./ubd; build it now so no test pays for it.
./ubd --help >/dev/null || exit 1

results="$(mktemp -d)"
dotnet build UnionBlock.sln -c Debug --nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  echo "== $name"
  dotnet test "$project" --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$results" 2>&1 \
    | grep -Ev '^\s*$' | tail -n 40
  trx="$results/$name.trx"
  if [ -f "$trx" ]; then
    p=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
    f=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
  else
    echo "no results for $name: counting it as one failure"
    failed=$((failed + 1))
  fi
done

if [ -x bench/run-smoke.sh ]; then
  echo "== benchmarks (smoke: they must build and run, timings are not checked)"
  if bench/run-smoke.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
