#!/usr/bin/env bash
# Builds the sample stem cell from Debian packages, without mounting anything:
#   vmlinuz     the kernel of linux-image-amd64 (unpacked from its .deb, not installed)
#   initrd.img  busybox-static, nbd.ko / e1000.ko / ext4.ko and their dependencies, nbd-client and
#               its libraries, nbd-attach (stemcell/nbd-attach.c: survives server restarts), and an
#               /init that runs DHCP, attaches nbdroot=, mounts it and switch_roots
#   root.img    a 64 MiB ext4 root (mke2fs -d) whose /sbin/init marks the boot on the console,
#               keeps per-node state on the node's own disk and starts the node agent
#               (/usr/bin/ubd-agent: src/NodeAgent published with NativeAOT, with the libraries
#               ldd lists for it) when the kernel command line names a director
#   root-2.img  the same root with one file patched (/etc/edition says "stemcell 2"): a patched
#               edition to publish as a delta (tests and the walk-through use it); it differs from
#               root.img only in that file's data block
# Output goes to a cache folder named by a hash of every input (these scripts, the agent's and the
# protocol's sources, the build settings and the package versions), so it is rebuilt only when an
# input changes. Prints the folder on its last line.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cache="${UBD_CACHE:-$(dirname "$here")/.cache}/stemcell"
for tool in modinfo cpio mke2fs debugfs dpkg-deb apt-get gcc dotnet ldd; do
  command -v "$tool" > /dev/null || { echo "stem cell: $tool is missing; run ./setup.sh" >&2; exit 1; }
done
kernel_package="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')"
if [[ -z "$kernel_package" ]]; then  # no package lists yet (a fresh or cleaned machine)
  apt-get update -qq
  kernel_package="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')"
fi
kernel_version="$(apt-cache policy "$kernel_package" | awk '/Candidate/{print $2}')"
agent_sources() {
  (cd "$repo" && find src/NodeAgent src/DeployDirector.Contracts -type f \( -name '*.cs' -o -name '*.csproj' \) \
    -not -path '*/bin/*' -not -path '*/obj/*' | LC_ALL=C sort)
  (cd "$repo" && echo Directory.Build.props Directory.Packages.props global.json)
}
inputs="$(cat "$here"/build-stemcell.sh "$here"/stemcell/*; echo "$kernel_package $kernel_version";
  dpkg-query -W -f '${Version}' busybox-static nbd-client e2fsprogs; dotnet --version;
  for source in $(agent_sources); do echo "== $source"; cat "$repo/$source"; done)"
key="$(printf '%s' "$inputs" | sha256sum | cut -c1-16)"
out="$cache/$key"
if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "stem cell: building $key (kernel $kernel_package $kernel_version)" >&2

# 1. The kernel and its modules, unpacked from the package.
(cd "$work" && apt-get download -q "$kernel_package" > /dev/null 2>&1)
dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
release="$(ls "$work/kernel/lib/modules")"
modules="$work/kernel/lib/modules/$release"

# 2. The initramfs.
initrd="$work/initrd"
mkdir -p "$initrd"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$initrd/bin/busybox"
install -m 0755 "$here/stemcell/init-initramfs.sh" "$initrd/init"
install -m 0755 "$here/stemcell/dhcp-event.sh" "$initrd/bin/dhcp-event"
cp /usr/sbin/nbd-client "$initrd/bin/nbd-client"
gcc -static -O2 -Wall -o "$initrd/bin/nbd-attach" "$here/stemcell/nbd-attach.c"
for library in $(ldd /usr/sbin/nbd-client | grep -o '/[^ ]*'); do
  mkdir -p "$initrd$(dirname "$library")"
  cp -L "$library" "$initrd$library"
done
# Modules in load order: dependencies first (modinfo reads them from each .ko; no depmod needed).
declare -A loaded=()
load() {
  local name="$1" file dep
  [[ -n "${loaded[$name]:-}" ]] && return
  file="$(find "$modules/kernel" -name "$name.ko" -o -name "${name//_/-}.ko" | head -1)"
  [[ -n "$file" ]] || { grep -q "/$name.ko" "$modules/modules.builtin" && return; echo "no module $name" >&2; exit 1; }
  for dep in $(modinfo -F depends "$file" | tr ',' ' '); do load "$dep"; done
  loaded[$name]=1
  cp "$file" "$initrd/lib/modules/"
  basename "$file" >> "$initrd/lib/modules/order"
}
for module in e1000 nbd crc32c_generic ext4; do load "$module"; done
(cd "$initrd" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -6 > "$work/initrd.img")

# 3. The node agent: one NativeAOT binary; it needs only the C library (no OpenSSL, no ICU).
dotnet publish "$repo/src/NodeAgent/NodeAgent.csproj" -c Release -r linux-x64 -p:PublishAot=true \
  -o "$work/agent" -nologo -v quiet >&2

# 4. The root filesystem.
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,sbin,etc,proc,sys,dev,tmp,usr/bin,var/lib/node,var/log,var/ubd}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [[ -e "$rootfs/bin/$applet" ]] || ln -s busybox "$rootfs/bin/$applet"
done
install -m 0755 "$work/agent/ubd-agent" "$rootfs/usr/bin/ubd-agent"
for library in $(ldd "$work/agent/ubd-agent" | grep -o '/[^ ]*'); do
  mkdir -p "$rootfs$(dirname "$library")"
  cp -L "$library" "$rootfs$library"
done
install -m 0755 "$here/stemcell/init-root.sh" "$rootfs/sbin/init"
echo "stemcell" > "$rootfs/etc/hostname"
echo "stemcell 1" > "$rootfs/etc/edition"
find "$rootfs" -exec touch -h -d @1700000000 {} +
# Inode tables and the journal are zeroed here, not lazily by the kernel after the first mount: lazy
# init would write ~4 MiB of zeros into every node's leaf (and into every patch's new edition).
E2FSPROGS_FAKE_TIME=1700000000 mke2fs -q -F -t ext4 -b 4096 -L stemcell \
  -U 6f0e2b8a-3c1d-4e5f-9a7b-1c2d3e4f5a6b -E lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0,hash_seed=0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e \
  -d "$rootfs" "$work/root.img" 64M >&2
# root-2 is root with /etc/edition's one data block rewritten in place. Building it with a second
# mke2fs would copy every file's ctime, which touch cannot fix (the kernel sets it to "now"), so two
# builds a second apart differed in every inode table block. ext4 keeps no checksum of file data,
# so the patched image stays a valid file system.
edition_block="$(debugfs -R "bmap /etc/edition 0" "$work/root.img" 2>/dev/null)"
[[ "$edition_block" =~ ^[0-9]+$ && "$edition_block" -gt 0 ]] || { echo "stem cell: cannot find /etc/edition's block" >&2; exit 1; }
cp "$work/root.img" "$work/root-2.img"
printf 'stemcell 2\n' | dd of="$work/root-2.img" bs=4096 seek="$edition_block" conv=notrunc status=none
# The patched edition must be a one-block delta that really is the file: anything else means the
# patch missed and a published delta would carry noise.
changed_blocks="$({ cmp -l "$work/root.img" "$work/root-2.img" || true; } | awk '{ print int(($1 - 1) / 4096) }' | uniq | wc -l)"
patched="$(debugfs -R "cat /etc/edition" "$work/root-2.img" 2>/dev/null)"
if [[ "$changed_blocks" -ne 1 || "$patched" != "stemcell 2" ]]; then
  echo "stem cell: root and root-2 differ in $changed_blocks blocks and root-2's /etc/edition reads '$patched'; expected one block and 'stemcell 2'" >&2
  exit 1
fi

mkdir -p "$out"
cp "$work/kernel/boot/vmlinuz-$release" "$out/vmlinuz"
cp "$work/initrd.img" "$work/root.img" "$work/root-2.img" "$out/"
echo "$release" > "$out/kernel-release"
touch "$out/.complete"
echo "stem cell: $(du -h "$out/vmlinuz" | cut -f1) kernel, $(du -h "$out/initrd.img" | cut -f1) initramfs, $(du -h --apparent-size "$out/root.img" | cut -f1) root" >&2
echo "$out"
