#!/bin/busybox sh
# The stem cell's /sbin/init: marks the boot on the console and keeps the node's state on its own
# disk (its leaf): a boot counter, a stamp naming the node, and a heartbeat file written and synced
# every 2 seconds, so a test can see the disk keep working across a server restart. When the boot
# service named a director (ubd.director=), it starts the node agent, which registers with it and
# runs the instances it is given (their state lives under /var/ubd, on the leaf too).
# A patch worker (ubd.worker=1) keeps all of that in memory instead: its leaf becomes the next
# edition of the image, so it must hold only what the patch script changes.
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
node="unknown"
director=""
worker=""
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    nbdroot=*) node="${arg##*/}" ;;
    ubd.director=*) director="${arg#ubd.director=}" ;;
    ubd.worker=1) worker=1 ;;
  esac
done
if [ -n "$worker" ]; then
  for dir in /var/lib/node /var/log /var/ubd /tmp; do
    mount -t tmpfs -o mode=0755 tmpfs "$dir" 2>/dev/null || { echo "UNIONBLOCK: worker cannot mount tmpfs on $dir" > /dev/console; poweroff -f; }
  done
  echo "UNIONBLOCK: patch worker node=$node: its state stays in memory" > /dev/console
else
  mkdir -p /var/lib/node /var/log /var/ubd /tmp
fi
boots=$(( $(cat /var/lib/node/boots 2>/dev/null || echo 0) + 1 ))
echo "$boots" > /var/lib/node/boots
echo "UNIONBLOCK-STAMP node=$node boot=$boots" > /var/lib/node/stamp
sync
echo "UNIONBLOCK: reached init node=$node boot=$boots edition=$(cat /etc/edition) uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/console
# Jobs and the agent may talk to themselves (health checks on 127.0.0.1).
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
if [ -n "$director" ] && [ -x /usr/bin/ubd-agent ]; then
  /usr/bin/ubd-agent --data /var/ubd >> /var/log/ubd-agent.log 2>&1 &
  echo "UNIONBLOCK: agent started" > /dev/console
fi
beat=0
while true; do
  beat=$((beat + 1))
  echo "$beat" > /var/lib/node/heartbeat
  sync
  echo "UNIONBLOCK: heartbeat $beat node=$node" > /dev/console
  sleep 2
done
