#!/bin/busybox sh
# The initramfs's /init: bring the network up with DHCP, attach the root named by
# nbdroot=HOST:PORT/EXPORT over NBD, mount it, switch_root. The root is attached by nbd-attach,
# which keeps requests waiting through a server restart and reconnects; nbdattach=nbd-client on
# the kernel command line uses the stock `nbd-client -persist` instead (it fails requests issued
# while the server is down).
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "initramfs: $*" > /dev/console; }
while read -r module; do insmod "/lib/modules/$module" 2>/dev/null; done < /lib/modules/order
nbdroot=""
attacher="nbd-attach"
options="noatime"
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    nbdroot=*) nbdroot="${arg#nbdroot=}" ;;
    nbdattach=*) attacher="${arg#nbdattach=}" ;;
    # A patch worker's leaf becomes an edition: no background zeroing of inode tables may land in it.
    ubd.worker=1) options="noatime,noinit_itable" ;;
  esac
done
[ -n "$nbdroot" ] || { say "no nbdroot= on the kernel command line"; exec sh; }
host="${nbdroot%%:*}"; rest="${nbdroot#*:}"; port="${rest%%/*}"; export_name="${rest#*/}"
ip link set lo up
ip link set eth0 up
udhcpc -i eth0 -s /bin/dhcp-event -q -n -t 20 -T 1 || { say "DHCP failed"; exec sh; }
say "attaching $export_name from $host:$port"
attach() {
  if [ "$attacher" = "nbd-client" ]; then
    nbd-client "$host" "$port" /dev/nbd0 -N "$export_name" -b 4096 -persist -nonetlink
  else
    nbd-attach "$host" "$port" "$export_name" 0
  fi
}
until attach; do
  say "attaching failed; retrying"; sleep 1
done
# In ioctl mode nbd-client returns before its child has the device serving: retry briefly.
tries=0
until mount -t ext4 -o "$options" /dev/nbd0 /newroot 2>/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 20 ] || { say "cannot mount the root"; exec sh; }
  sleep 0.5
done
say "root mounted; switching"
umount /sys /proc
exec switch_root /newroot /sbin/init
