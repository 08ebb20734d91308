#!/usr/bin/env bash
# Image-tree benchmarks: delta import vs full import, reconcile (hoist) of 100 leaves, and 10,000
# leaves created through the HTTP API of a real `ubd serve`. Writes bench/results/tree.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$(mktemp -d)"
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build -c Release "$here/UnionBlock.Benchmarks" -o "$work/bench" > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
"$root/ubd" --help > /dev/null
# The API part: a server over a data directory with one root and an operator token.
head -c $((64 << 20)) /dev/zero > "$work/root.img"
"$root/ubd" image import "$work/root.img" --name base --data "$work/api-data" > /dev/null
token="$("$root/ubd" token create bench --role Operator --data "$work/api-data")"
"$root/ubd" serve --data "$work/api-data" --nbd-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --log-level Warning > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "serving NBD" "$work/serve.log" && break; sleep 0.2; done
url="$(sed -n 's/^ubd: HTTP API on \([^ ]*\).*/\1/p' "$work/serve.log")"
command=(dotnet "$work/bench/UnionBlock.Benchmarks.dll" tree --work "$work/tree" --server "$url" --token TOKEN --leaves 10000)
table="$(dotnet "$work/bench/UnionBlock.Benchmarks.dll" tree --work "$work/tree" --server "$url" --token "$token" --leaves 10000)"
{
  echo "# Image tree benchmarks ($(date +%F))"
  echo
  echo "Machine: $(lscpu | grep 'Model name' | sed 's/.*: *//'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); .NET $(dotnet --version)."
  echo
  echo "Command: \`bench/run-tree.sh\` — it imports a 64 MiB root into a fresh data directory, creates an operator"
  echo "token, starts \`ubd serve --http-listen 127.0.0.1:0\`, then runs \`${command[*]}\`."
  echo "Delta import: a 1 GiB image of random data, then a copy with 2% of its 4 KiB blocks rewritten, imported"
  echo "as a delta over the first (\`ubd image import --delta-over base@1\`) and, for comparison, in full."
  echo "Reconcile: 100 leaves each write the same 1 MiB (256 blocks) and 1 MiB of their own; hoist at 50%."
  echo
  echo "$table"
} > "$here/results/tree.md"
cat "$here/results/tree.md"
