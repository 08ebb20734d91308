#!/usr/bin/env bash
# The UnionBlock demo: a sample root image, two nodes with their own copy-on-write disks, real NBD clients.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"   # Debian's tools first (nbdsh needs Debian's Python)

work="$here/.demo"
rm -rf "$work"
mkdir -p "$work/rootfs/etc"
data="$work/data"
port="${UBD_DEMO_PORT:-10809}"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Make a sample root image: a 64 MiB ext4 disk built from a folder (no mounting)"
echo "Welcome to the UnionBlock stem cell" > "$work/rootfs/etc/motd"
echo "stemcell" > "$work/rootfs/etc/hostname"
mke2fs -q -F -t ext4 -d "$work/rootfs" -L stemcell "$work/root.img" 64M
ls -ls "$work/root.img"

step "2. Import it as the root layer stemcell@1 (holes stay holes)"
./ubd image import --data "$data" --name stemcell "$work/root.img"
./ubd token create demo --role Operator --data "$data" > "$work/token"   # for the HTTP API (stored hashed)

step "3. Serve it over NBD; unknown export names become new leaves over stemcell@1"
./ubd serve --data "$data" --nbd-listen "127.0.0.1:$port" --http-listen 127.0.0.1:0 --auto-leaf stemcell@1 > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "serving NBD" "$work/serve.log" && break; sleep 0.1; done
cat "$work/serve.log"

step "4. Two nodes attach: each gets its own disk the moment it asks"
for node in node-a node-b; do
  nbdinfo "nbd://127.0.0.1:$port/$node" | grep -E 'export=|export-size|is_read_only|can_multi_conn'
done

step "5. Each node writes its own stamp at 32 MiB (qemu-io, flushed)"
qemu-io -f raw -c "write -P 0xaa 32M 64k" -c flush "nbd://127.0.0.1:$port/node-a" | head -1
qemu-io -f raw -c "write -P 0xbb 32M 64k" -c flush "nbd://127.0.0.1:$port/node-b" | head -1

step "6. What each node sees there"
for node in node-a node-b; do
  printf '%s: ' "$node"
  nbdsh -u "nbd://127.0.0.1:$port/$node" -c 'print(h.pread(512, 32 * 1024 * 1024)[:16].hex(" "), "...")'
done
printf 'root stemcell@1: '
nbdsh -u "nbd://127.0.0.1:$port/stemcell@1" -c 'print(h.pread(512, 32 * 1024 * 1024)[:16].hex(" "), "...")'

step "7. Which layer holds what (qemu:allocation-depth: 1 = the node's leaf, 2 = the root, 0 = nowhere)"
nbdinfo --map=qemu:allocation-depth "nbd://127.0.0.1:$port/node-a" > "$work/depth.map"
grep -E "local" "$work/depth.map"
grep -E "backing" "$work/depth.map" | head -3
echo "... $(wc -l < "$work/depth.map") extents in all"

step "8. Both nodes still read the root's filesystem: the ext4 label from the superblock"
for node in node-a node-b; do
  printf '%s: ' "$node"
  nbdsh -u "nbd://127.0.0.1:$port/$node" -c 'print(h.pread(512, 1024)[120:136].rstrip(b"\0").decode())'
done

step "9. The same tree over the HTTP API: the layers, and how node-a and node-b differ"
api="$(sed -n 's/^ubd: HTTP API on \([^ ]*\).*/\1/p' "$work/serve.log")"
./ubd image list --server "$api" --token-file "$work/token"
./ubd image diff node-a node-b --server "$api" --token-file "$work/token"

step "10. Stop the server (leaves persist) and look at the tree"
kill -TERM $server; wait $server || true
trap - EXIT
./ubd image list --data "$data"

step "11. Freeze node-a's changes into a branch; node-a goes on over it, seeing the same disk"
./ubd leaf freeze node-a --into group-a --data "$data"
./ubd leaf list --data "$data"
./ubd export node-a --data "$data" --output "$work/node-a.raw"
cmp -s -i 33554432:0 -n 65536 "$work/node-a.raw" <(head -c 65536 /dev/zero | tr '\0' '\252') \
  && echo "node-a's exported disk holds its stamp: the freeze changed nothing it sees"

step "Done. Data is in $work; run ./ubd --help to explore."
