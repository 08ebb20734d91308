#!/usr/bin/env bash
# Rollout benchmark: 100 simulated nodes in 4 groups rolled onto a patched edition (canaries 1,
# max_in_flight 5, watch 1000-30000 ms, groups in turn), then onto a broken edition whose third group's
# canary fails, rolled back; medians of 3 runs. Writes bench/results/rollout.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet build -c Release "$here/DirectorBench" -o "$work/bench" > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
cd "$root"
rollout=(dotnet DirectorBench.dll --agents 0 --instances 0 --runs 3 --rollout-nodes "${ROLLOUT_NODES:-100}" --rollout-groups 4 --release examples/releases/demo)
table="$(dotnet "$work/bench/DirectorBench.dll" "${rollout[@]:2}")"
cpu="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: *//')"
memory="$(awk '/MemTotal/{printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
{
  echo "# Rollout benchmark ($(date +%F))"
  echo
  echo "Machine: $(nproc) cores ($cpu), $memory, $(uname -sr); .NET $(dotnet --version)."
  echo
  echo "Command: \`bench/run-rollout.sh\` — it builds bench/DirectorBench in Release and runs, from the repository root,"
  echo "\`${rollout[*]}\`."
  echo
  echo "In process: the director over a fresh RocksDB data directory, 100 stem cells whose agents answer at once"
  echo "(the director tests' FakeAgent through the live hub, heartbeating every 50 ms; a reboot takes it 50 ms and"
  echo "boots the node in the image tree, moving its leaf), the demo release's backend job in 4 groups of 25 with"
  echo "\`leaf_policy: reset\`, deployed on stemcell@1. stemcell@2 (one block changed) is rolled out with"
  echo "\`ubd rollout start\`'s code path: canaries 1, max_in_flight 5, canary and update watch 1000-30000 ms, groups"
  echo "in turn. Then stemcell@3 breaks the third group's job (its start fails there) and \`on_failure: rollback\`"
  echo "brings the first two groups and that canary back onto stemcell@2. The floor is what the update block alone"
  echo "costs: each batch waits at least the watch time's lower bound after its start, and its nodes' reboot."
  echo
  echo "$table"
  echo
  echo "Reading the figures:"
  echo
  echo "- A node's move is: drain and stop its instance, set its edition (or a fresh leaf), reboot, wait for its"
  echo "  agent's new registration, prepare (archive download), apply, start, watch. The director's part is"
  echo "  the overhead row; the rest is the floor, which an operator sets with the watch times and batch sizes."
  echo "- CPU is the whole process's: the 100 simulated agents' heartbeats (20 a second each) run in it too."
  echo "- BOSH moves a VM to a new stemcell by recreating it (delete, create, attach disks, boot, apply): minutes"
  echo "  per batch on any IaaS, and a rollback is another recreate. Here a rollback is a reboot onto the old"
  echo "  edition, which still exists; on real nodes each move costs one reboot (about 20 s for an emulated stem"
  echo "  cell in tests/EndToEnd/RolloutTests.cs)."
} > "$here/results/rollout.md"
cat "$here/results/rollout.md"
