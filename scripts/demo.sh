#!/usr/bin/env bash
# The UnionBlock demo: bare nodes PXE-boot from one stem-cell image, each onto its own copy-on-write
# disk, with nothing copied. Everything runs on this machine: QEMU (software emulation) with its
# built-in iPXE ROM and user networking; the nodes reach this host as 10.0.2.2.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
nodes="${UBD_DEMO_NODES:-2}"
work="$here/.demo"
rm -rf "$work"
mkdir -p "$work"
data="$work/data"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. The stem cell: a Debian kernel, an initramfs that attaches its root over NBD, a 64 MiB ext4 root"
stemcell="$(images/build-stemcell.sh | tail -1)"
ls -lh "$stemcell"

step "2. Import the root as the first edition of 'stemcell'; make an API token"
./ubd image import "$stemcell/root.img" --name stemcell --data "$data"
./ubd token create demo --role Operator --data "$data" > "$work/token"

step "3. Serve: NBD for the disks, HTTP for the API and the boot service (iPXE scripts by MAC)"
./ubd serve --data "$data" --nbd-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  --boot-files "$stemcell" --boot-edition stemcell > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "serving NBD" "$work/serve.log" && break; sleep 0.2; done
grep '^ubd:' "$work/serve.log"
api="$(sed -n 's/^ubd: HTTP API on \([^ ]*\).*/\1/p' "$work/serve.log")"
export UBD_SERVER="$api" UBD_TOKEN="$(cat "$work/token")"

step "4. Power on $nodes bare nodes: they PXE-boot, register by MAC and get their own leaf instantly"
./ubd node launch "$nodes" --console-dir "$work/consoles"
grep -h "UNIONBLOCK: reached init" "$work"/consoles/*.log

step "5. The nodes as the server knows them (the VMs were stopped; their leaves persist)"
./ubd node list

step "6. Each node's stamp lives only in its own leaf (disks exported flat through the API)"
leaves=($(./ubd node list --json | python3 -c 'import json,sys; print(" ".join(n["leaf"] for n in json.load(sys.stdin)))'))
for layer in "${leaves[@]}" stemcell@1; do
  ./ubd export "$layer" --output "$work/$layer.raw" > /dev/null
  stamps="$( (grep -a -o 'UNIONBLOCK-STAMP node=node-[0-9a-f]* boot=[0-9]*' "$work/$layer.raw" || true) | sort -u | tr '\n' ' ')"
  printf '%-18s %s\n' "$layer:" "${stamps:-(no node stamp)}"
done
./ubd image diff "${leaves[0]}" "${leaves[1]}" | head -1
for leaf in "${leaves[@]}"; do printf '%s: ' "$leaf"; ./ubd layer space "$leaf" | head -1; done

kill -TERM $server; wait $server || true
trap - EXIT
step "Done. Consoles and data are in $work; ./ubd --help explores the rest."
