#!/usr/bin/env bash
# Network-boot benchmarks, one run: boot time of N = 1, 2, 4 emulated nodes (UnionBlock over PXE and
# direct, nbdkit + cow direct), then the boot storm replay. Writes bench/results/boot.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet build -c Release "$here/UnionBlock.Benchmarks" -o "$work/bench" > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
"$root/ubd" --help > /dev/null
boot="$(python3 "$here/boot_bench.py")"
storm="$(python3 "$here/storm_bench.py" "$work/bench/UnionBlock.Benchmarks.dll")"
{
  echo "# Network boot benchmarks ($(date +%F))"
  echo
  echo "Machine: $(lscpu | grep 'Model name' | sed 's/.*: *//'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); .NET $(dotnet --version); QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') (TCG: software emulation, no KVM)."
  echo
  echo "Command: \`bench/run-boot.sh\` (it runs \`bench/boot_bench.py\` and \`bench/storm_bench.py\`)."
  echo
  echo "## Boot: seconds from power-on to the stem cell's init"
  echo
  echo "Every node boots the same Debian kernel, initramfs and 64 MiB ext4 root (images/build-stemcell.sh)"
  echo "in a QEMU VM with 256 MiB, all N at once. \"PXE\" goes through QEMU's iPXE ROM, the boot service's"
  echo "scripts and HTTP downloads of kernel and initramfs; \"direct\" hands QEMU the kernel and initramfs so"
  echo "only the disk is served over NBD — the comparison with nbdkit + cow (one nbdkit per node, so each has"
  echo "its own overlay). On 2 cores the emulated CPUs, not the disk server, set the pace."
  echo
  echo "$boot"
  echo
  echo "## Boot storm without VMs"
  echo
  echo "$storm"
} > "$here/results/boot.md"
cat "$here/results/boot.md"
