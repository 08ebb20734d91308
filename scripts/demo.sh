#!/usr/bin/env bash
# The UnionBlock demo: bare nodes PXE-boot from one stem-cell image, each onto its own copy-on-write
# disk, with nothing copied; then the director deploys a two-group manifest onto emulated stem
# cells it starts itself, and the job answers. Everything runs on this machine: QEMU (software
# emulation) with its built-in iPXE ROM and user networking; the nodes reach this host as 10.0.2.2.
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
  --boot-files "$stemcell" --boot-edition stemcell --provider qemu --qemu-forward 8080 > "$work/serve.log" 2>&1 &
server=$!
# The qemu provider's VMs run detached from the server: stop them by their pid files too.
trap 'kill $server 2>/dev/null || true; for pid in "$data"/qemu/*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null; done; true' EXIT
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

step "7. A release (jobs, templates, packages) and a manifest: 1 backend and 1 web instance"
./ubd release create examples/releases/demo --output "$work/demo.tgz"
./ubd release upload "$work/demo.tgz"
./ubd deploy plan examples/manifests/demo.yml --var title="Hello from UnionBlock" --var web_instances=1

step "8. Deploy: no idle stem cells, so the qemu provider starts two; they PXE-boot and their agents register"
./ubd deploy examples/manifests/demo.yml --var title="Hello from UnionBlock" --var web_instances=1
./ubd instances demo
./ubd stemcell list
endpoint="$(./ubd instances demo --json | python3 -c 'import json,sys; print(next(i["endpoints"]["8080"] for i in json.load(sys.stdin) if i["group"] == "web"))')"

step "9. The web job answers through its node (page rendered from properties and the backend link)"
python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "http://$endpoint/index.html"

step "10. Delete the deployment: jobs drained and stopped, the nodes are idle stem cells again"
./ubd deployment delete demo
./ubd stemcell list
for mac in $(./ubd stemcell list --json | python3 -c 'import json,sys; print(" ".join(n["mac"] for n in json.load(sys.stdin) if n["provider"] == "qemu"))'); do
  ./ubd stemcell delete "$mac" > /dev/null
done

kill -TERM $server; wait $server || true
trap - EXIT
step "Done. Consoles and data are in $work; ./ubd --help explores the rest."
