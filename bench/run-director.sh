#!/usr/bin/env bash
# Director benchmarks: simulated agents heartbeating at 1 Hz over real HTTP (1,000 and 10,000 of them),
# a deploy of 100 instances onto 100 idle fake agents, failover of service groups (single kills and a
# mass failure under three meltdown settings, 10,000 agents in 100 groups) and the live node table (in
# memory, FASTER, RocksDB), medians of 3 runs. FAILOVER_AGENTS (default 10000) sets the failover fleet's size. Writes
# bench/results/director.md. bench/DirectorBench/README.md says what each figure is.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The failover bench holds a socket per simulated node in each of its two processes.
ulimit -n "$(ulimit -Hn)"
dotnet build -c Release "$here/DirectorBench" -o "$work/bench" > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
cd "$root"
heartbeats=(dotnet DirectorBench.dll --agents 1000,10000 --seconds 20 --warmup 15 --runs 3 --instances 0)
deploys=(dotnet DirectorBench.dll --agents 0 --runs 3 --instances 100 --release examples/releases/demo)
failover=(dotnet DirectorBench.dll --agents 0 --instances 0 --runs 3 --failover-agents "${FAILOVER_AGENTS:-10000}" --group-size 100 --kills 5
  --meltdown default,off,5% --mass-window 45 --release examples/releases/demo)
nodetable=(dotnet DirectorBench.dll --agents 0 --instances 0 --runs 3 --node-table 10)
heartbeat_table="$(dotnet "$work/bench/DirectorBench.dll" "${heartbeats[@]:2}")"
deploy_table="$(dotnet "$work/bench/DirectorBench.dll" "${deploys[@]:2}")"
failover_table="$(dotnet "$work/bench/DirectorBench.dll" "${failover[@]:2}")"
nodetable_table="$(dotnet "$work/bench/DirectorBench.dll" "${nodetable[@]:2}")"
cpu="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: *//')"
memory="$(awk '/MemTotal/{printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
{
  echo "# Director benchmarks ($(date +%F))"
  echo
  echo "Machine: $(nproc) cores ($cpu), $memory, $(uname -sr); .NET $(dotnet --version)."
  echo "The load generator and the director share these $(nproc) cores: every figure below includes that contention."
  echo
  echo "Command: \`bench/run-director.sh\` — it builds bench/DirectorBench in Release and runs, from the repository"
  echo "root, \`${heartbeats[*]}\`, \`${deploys[*]}\`, \`${failover[*]}\` and \`${nodetable[*]}\`."
  echo
  echo "## Heartbeats: simulated agents at 1 Hz over HTTP on loopback"
  echo
  echo "Each run starts a fresh director in a child process (the bench host: \`DirectorSetup\` over a new"
  echo "RocksDB data directory, Kestrel on 127.0.0.1:0 serving the real agent endpoints, one credential per node"
  echo "from \`NodeRegistry.IssueCredential\`). Every node registers, then sends one heartbeat a second, the nodes"
  echo "spread evenly over each second, over 64 keep-alive HTTP/1.1 connections (SocketsHttpHandler,"
  echo "MaxConnectionsPerServer 64); a node whose previous beat is unanswered skips its next. After the warm-up,"
  echo "the measured window opens: server handling is the time inside the host's pipeline (a middleware's"
  echo "Stopwatch around next(): routing, credential check, body, hub, response); client latency counts from the"
  echo "moment a beat was due (so the generator's own timer lag is in it) and, separately, from the call to"
  echo "HttpClient. CPU is each process's own CPU time over the window; memory is the host's at the end."
  echo "Heartbeats carry no instances (idle stem cells)."
  echo
  echo "$heartbeat_table"
  echo
  echo "## Deploy: 100 instances onto 100 idle simulated nodes"
  echo
  echo "In process: the director over a fresh RocksDB data directory, 100 stem cells whose agents answer at once"
  echo "(the director tests' FakeAgent through the live hub, heartbeating every 50 ms, no HTTP), the demo release,"
  echo "a manifest of 1 backend + 99 web instances with canaries 1, max_in_flight 10, watch times 0-30000 ms. The"
  echo "no-op is the same manifest deployed again."
  echo
  echo "$deploy_table"
  echo
  echo "## Failover: service groups with one hot spare each, simulated agents at 1 Hz"
  echo
  echo "The director runs in a child process of its own (bench/DirectorBench/Failover/FailoverHost.cs): a fresh RocksDB"
  echo "data directory, \`DirectorSetup\` with its supervisor started as \`ubd serve\` starts it (rounds every 200 ms), the"
  echo "demo release, every node booted in the image tree with its credential issued, Kestrel on loopback serving the"
  echo "real agent protocol. Deployments of ten groups (the first runs the backend job, the rest web), each group 99"
  echo "instances and \`spares: 1\`, deployed at once; failover defaults (heartbeat 1 s, suspect after 2, dead after 3,"
  echo "fence on). The simulated agents (bench/DirectorBench/Failover/SimAgent.cs) speak the agent protocol over HTTP,"
  echo "long polls, heartbeats, results and downloads each in a connection pool of their own (SimConnections.cs):"
  echo "register, 30 s long polls (a connection each), prepare downloads the archive blob and checks the SHA-256,"
  echo "apply/start move the instance to running, update_group is acknowledged, results are posted; one thread sends"
  echo "every node's heartbeat once a second (spread over the second) with its instances, so a started instance shows"
  echo "as running in the node's next beat. Killing a node stops its beats and drops its poll. A kill's time runs from"
  echo "its last heartbeat to the first beat of another node reporting the instance running at a newer epoch. Single"
  echo "kills: 5 nodes at once, each in its own group (the other groups keep their spare for the mass failure). Mass"
  echo "failure: a tenth of every group's nodes at once (10 % of the fleet), watched for 45 s; the meltdown settings take"
  echo "turns over the groups (default share 50 %, off, share 5 %), so one failure shows them side by side. Decisions"
  echo "are the supervisor's group events that are decisions (fence, move, orphan, spare, leader, endpoints, alert), per"
  echo "second from the first to the last. CPU and memory are the director process's own, read through a bench-only"
  echo "route every 100 ms; the simulated agents run in the bench's process on the same cores."
  echo
  echo "$failover_table"
  echo
  echo "## Live node table: 10,000 heartbeat updates a second"
  echo
  echo "One writer updates 10,000 nodes' heartbeat fields (last seen, sequence, CPU load; 24 bytes) at 10,000 a"
  echo "second spread evenly for 10 s, each update timed; then updates back to back for 1 s; then the store is"
  echo "closed and opened again and every node read back. (a) the ConcurrentDictionary from MAC to a live entry that"
  echo "AgentHub keeps, (b) Microsoft.FASTER.Core 2.6.5 FasterKV with a full snapshot checkpoint every second"
  echo "(recovery from the newest; the process closes without a final checkpoint), (c) the repository's RocksDbStore,"
  echo "one non-durable batch per update. CPU is the process's over the paced window (the pacing loop included)."
  echo
  echo "$nodetable_table"
  echo
  echo "## Reading the figures"
  echo
  echo "- Server handling is the director's own cost per heartbeat; the client figures add Kestrel's socket work,"
  echo "  the thread pools of both processes and the kernel. With other work on the same 2 cores (see the load"
  echo "  averages), the client tail is mostly time spent waiting for a core, in either process."
  echo "- CPU per heartbeat is higher at 1,000 beats/s than at 10,000: a beat that arrives alone pays the wake-up"
  echo "  of the socket and pool threads of both processes; at 10,000/s they batch. The warm-up is 15 s because"
  echo "  tiered JIT keeps compiling in a young process (a short warm-up showed ~0.25 CPU s/s of it after the beats)."
  echo "- A heartbeat touches no disk: the credential check is a dictionary lookup of a SHA-256 (NodeRegistry),"
  echo "  the beat a few field writes (AgentHub). Registration is one RocksDB write that does not wait for the"
  echo "  disk (agents report the same facts again); issuing a credential (at each PXE boot) is a synced write."
  echo "- A deploy plans twice (once to find nodes, once after assigning epochs so links see final values), and"
  echo "  each plan renders every instance's archive; the no-op re-deploy is one plan plus the comparison."
  echo "- Failover: a kill is seen and fenced about 3 s after the last heartbeat (dead after 3 missed beats); the"
  echo "  rest of a kill's time is the move itself. A group whose spare is used has no movable instance left: its"
  echo "  dead members' instances are orphaned on their holders until a node boots, and those holders are not"
  echo "  fenced (a fence goes only with a move). The 5 % guard trips at the second death it counts (no fence,"
  echo "  no move, one alert per group)."
  echo "- Live nodes judged dead: the director fences, orphans or releases only nodes it has not heard from for"
  echo "  dead_after. Both processes run Server GC (with workstation GC, pauses of the generator's own heap made"
  echo "  the beats of 10,000 simulated nodes up to 11 s late, and the director paused 0.2 s of every second);"
  echo "  a push to a group's members goes at most once a second per group and one at a time per member."
  echo "  The late-beat column is measured at the generator, from send to answer, so it includes the generator's"
  echo "  own delays as well as the director's."
  echo "- Live node table: heartbeat fields are worthless after a restart (the supervisor gives every node the time"
  echo "  since the process started, and agents report again within a second), so a store's persistence buys"
  echo "  nothing here; its cost per update does count. FASTER's lost beats are those after its last checkpoint."
  echo "- A batch ends when the director sees the instance healthy: it polls the live state every 100 ms and"
  echo "  the fake agents report every 50 ms, so a batch takes at least one poll whatever the agents do."
} > "$here/results/director.md"
cat "$here/results/director.md"
