#!/usr/bin/env bash
# Installs what UnionBlock needs on a Debian 12 machine. Safe to run again: it only installs what is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Real NBD clients (interop tests, demo), peers for the benchmarks, native libraries.
packages=(
  qemu-utils libnbd-bin python3-libnbd fio      # qemu-img/qemu-io/qemu-nbd, nbdinfo/nbdsh/nbdcopy, fio's nbd engine
  nbdkit nbd-server                             # peers in bench/
  librocksdb7.8 liblz4-1                        # native storage libraries
  e2fsprogs cpio busybox-static nbd-client kmod # building the stem cell (images/build-stemcell.sh)
  gcc libc6-dev                                 # the stem cell's static reconnect helper
  qemu-system-x86 ipxe-qemu                     # emulated nodes that PXE-boot (ubd node launch)
  util-linux                                    # flock, used by ./ubd
  bind9-dnsutils                                # dig, which the service-group DNS tests query with
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET 10 SDK is required (dotnet was not found on PATH)" >&2
  exit 1
fi

# Build once now so the first command does not pay for it.
"$here/ubd" --help >/dev/null
# The sample stem cell (kernel, initramfs, root image); cached, rebuilt only when its inputs change.
"$here/images/build-stemcell.sh" >/dev/null
echo "setup: ready"
