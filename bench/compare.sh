#!/usr/bin/env bash
# Side by side, in one run: UnionBlock vs nbdkit (file plugin + cow filter), qemu-nbd (qcow2 overlay
# over the raw root) and nbd-server (copyonwrite), all serving the same 1 GiB image with ~30% of its
# blocks in a writable layer, driven by the same fio jobs (nbd engine) and nbdcopy.
# Writes bench/results/side-by-side.md. Usage: bench/compare.sh   (env: BENCH_RUNTIME, BENCH_SIZE_MB, BENCH_WORK)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
work="${BENCH_WORK:-$(mktemp -d /tmp/ubbench.XXXXXX)}"
size_mb="${BENCH_SIZE_MB:-1024}"
runtime="${BENCH_RUNTIME:-10}"
ramp=2
results="$here/results"
raw="$work/raw"
mkdir -p "$results" "$raw"
ubd="$repo/ubd"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nbd-server.pid" ] && kill "$(cat "$work/nbd-server.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
log() { echo "[$(date +%T)] $*" >&2; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
commands=()
run() { commands+=("$*"); "$@"; }

log "root image: $size_mb MiB of random data"
head -c "${size_mb}M" /dev/urandom > "$work/root.img"

# --- UnionBlock: root + branch (15% of blocks) + leaf (another 15%) -------------------------------
UBD_PORT=10901
start_ubd() {
  "$ubd" serve --data "$work/ubd" --nbd-listen "127.0.0.1:$UBD_PORT" --log-level Warning > "$work/ubd.log" 2>&1 &
  ubd_pid=$!; pids+=("$ubd_pid"); wait_port $UBD_PORT
}
log "UnionBlock: import, branch, leaf"
run "$ubd" image import --data "$work/ubd" --name root "$work/root.img" >/dev/null
run "$ubd" leaf create --data "$work/ubd" --name prep --parent root >/dev/null
start_ubd
run /usr/bin/python3 "$here/prewrite.py" "nbd://127.0.0.1:$UBD_PORT/prep" 0.15 1
kill "$ubd_pid"; wait "$ubd_pid" || true
run "$ubd" leaf freeze prep --into group --data "$work/ubd" >/dev/null
run "$ubd" leaf create --data "$work/ubd" --name node --parent group >/dev/null
start_ubd
run /usr/bin/python3 "$here/prewrite.py" "nbd://127.0.0.1:$UBD_PORT/node" 0.15 2

# --- nbdkit + cow filter --------------------------------------------------------------------------
KIT_PORT=10902
log "nbdkit: file plugin + cow filter"
run nbdkit -f -i 127.0.0.1 -p $KIT_PORT --filter=cow file "$work/root.img" & pids+=($!); wait_port $KIT_PORT
run /usr/bin/python3 "$here/prewrite.py" "nbd://127.0.0.1:$KIT_PORT/node" 0.15 1
run /usr/bin/python3 "$here/prewrite.py" "nbd://127.0.0.1:$KIT_PORT/node" 0.15 2

# --- qemu-nbd + qcow2 overlay ---------------------------------------------------------------------
QEMU_PORT=10903
log "qemu-nbd: qcow2 overlay over the raw root"
run qemu-img create -q -f qcow2 -b "$work/root.img" -F raw "$work/overlay.qcow2"
run qemu-nbd -t -f qcow2 -b 127.0.0.1 -p $QEMU_PORT -x node --shared=16 --cache=writeback --aio=threads "$work/overlay.qcow2" & pids+=($!); wait_port $QEMU_PORT
run /usr/bin/python3 "$here/prewrite.py" "nbd://127.0.0.1:$QEMU_PORT/node" 0.15 1
run /usr/bin/python3 "$here/prewrite.py" "nbd://127.0.0.1:$QEMU_PORT/node" 0.15 2

# --- nbd-server copyonwrite -----------------------------------------------------------------------
NBDS_PORT=10904
log "nbd-server: copyonwrite"
cat > "$work/nbd-server.conf" <<CONF
[generic]
    user = root
    group = root
    listenaddr = 127.0.0.1
    port = $NBDS_PORT
[node]
    exportname = $work/root.img
    copyonwrite = true
CONF
# Not -d: in debug mode nbd-server serves a single client and exits. It daemonizes; cleanup kills it by pid file.
run nbd-server -C "$work/nbd-server.conf" -p "$work/nbd-server.pid" > "$work/nbd-server.log" 2>&1; wait_port $NBDS_PORT

# --- ceiling ladder peers -------------------------------------------------------------------------
MEM_PORT=10905; NULL_PORT=10906
run nbdkit -f -i 127.0.0.1 -p $MEM_PORT memory "${size_mb}M" & pids+=($!); wait_port $MEM_PORT
run nbdkit -f -i 127.0.0.1 -p $NULL_PORT null "${size_mb}M" & pids+=($!); wait_port $NULL_PORT

declare -A uri=(
  [ubd]="nbd://127.0.0.1:$UBD_PORT/node"
  [nbdkit-cow]="nbd://127.0.0.1:$KIT_PORT/node"
  [qemu-nbd]="nbd://127.0.0.1:$QEMU_PORT/node"
  [nbd-server]="nbd://127.0.0.1:$NBDS_PORT/node"
  [nbdkit-memory]="nbd://127.0.0.1:$MEM_PORT/"
  [nbdkit-null]="nbd://127.0.0.1:$NULL_PORT/"
)
peers=(ubd nbdkit-cow qemu-nbd nbd-server)

# fio over NBD: prints "iops bandwidth_bytes_per_s"
fio_nbd() { # name uri rw bs iodepth numjobs [extra...]
  local name=$1 u=$2 rw=$3 bs=$4 qd=$5 jobs=$6; shift 6
  local args=(fio --name="$name" --ioengine=nbd --uri="$u" --rw="$rw" --bs="$bs" --iodepth="$qd" --numjobs="$jobs"
    --size="${size_mb}M" --time_based --runtime="$runtime" --ramp_time=$ramp --group_reporting --output-format=json "$@")
  commands+=("${args[*]}")
  "${args[@]}" 2>/dev/null | /usr/bin/python3 "$here/fio_summary.py"
}

measurements="$work/measurements.txt"
: > "$measurements"
record() { echo "$1 $2 $3" >> "$measurements"; }   # workload peer "iops bytes/s"
measure() { # key peer rw bs qd jobs [extra]
  local key=$1 peer=$2; shift 2
  log "$key on $peer"
  record "$key" "$peer" "$(fio_nbd "$key" "${uri[$peer]}" "$@")"
}

for peer in "${peers[@]}" nbdkit-memory nbdkit-null; do
  measure randread-4k-qd32-1job "$peer" randread 4k 32 1
  measure randread-4k-qd32-4jobs "$peer" randread 4k 32 4
  measure seqread-1m-qd8 "$peer" read 1M 8 1
done
for peer in "${peers[@]}"; do
  log "nbdcopy from $peer"
  commands+=("nbdcopy ${uri[$peer]} null:")
  start=$(date +%s.%N); nbdcopy "${uri[$peer]}" null:; end=$(date +%s.%N)
  record nbdcopy "$peer" "0 $(/usr/bin/python3 -c "print(round($size_mb * 1048576 / ($end - $start)))")"
done
for peer in "${peers[@]}" nbdkit-memory; do
  measure randwrite-4k-qd32-flush32 "$peer" randwrite 4k 32 1 --fsync=32
done

# Ceiling ladder: the raw file through fio (page cache, 4 jobs) and the union device in process.
log "ladder: fio on the raw file"
commands+=("fio --name=rawfile --filename=$work/root.img --rw=randread --bs=4k --ioengine=psync --numjobs=4 --time_based --runtime=$runtime --group_reporting")
record ladder raw-fio "$(fio --name=rawfile --filename="$work/root.img" --rw=randread --bs=4k --ioengine=psync --numjobs=4 \
  --time_based --runtime="$runtime" --ramp_time=$ramp --group_reporting --output-format=json 2>/dev/null | /usr/bin/python3 "$here/fio_summary.py")"
kill "$ubd_pid"; wait "$ubd_pid" 2>/dev/null || true
log "ladder: union device and raw file in process"
ladder_cmd=(dotnet run -c Release --project "$repo/bench/UnionBlock.Benchmarks" -- ladder --data "$work/ubd" --layer node --raw "$work/root.img" --seconds "$runtime" --threads 4)
commands+=("${ladder_cmd[*]}")
while read -r key iops; do record ladder "$key" "$iops 0"; done < <("${ladder_cmd[@]}" 2>/dev/null | grep -E '^(union|rawfile) ')

# --- report -----------------------------------------------------------------------------------------
printf '%s\n' "${commands[@]}" | sed "s#$work#\$WORK#g; s#$repo#.#g" > "$work/commands.txt"
/usr/bin/python3 "$here/report.py" "$results/side-by-side.md" "$size_mb" "$runtime" "$measurements" "$work/commands.txt"
log "wrote $results/side-by-side.md"
