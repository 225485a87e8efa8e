#!/bin/busybox sh
# SPDX-License-Identifier: BSD-3-Clause
# /init of the QEMU tier's initramfs (built by run-guest.sh). It mounts the
# host's root file system (9p, read-only) and a writable 9p share for the
# results, runs the guest test script chrooted into the host's root so the
# build's binaries and DPDK run unchanged, records its exit status and
# powers off. Everything the host needs comes back through the results
# share: tap (the script's stdout), stderr, rc, boot.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

halt_with() {
	echo "guest-init: $*" >/dev/console
	[ -d /out/. ] && echo "$*" >/out/init-error
	sync
	poweroff -f
}

for m in $(cat /modules/order); do
	insmod "/modules/$m" || halt_with "insmod $m failed"
done

mkdir -p /out /host
o9p=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$o9p" out /out || halt_with "cannot mount the results share"
mount -t 9p -o "$o9p,ro" hostroot /host || halt_with "cannot mount the host's root (9p)"
cut -d' ' -f1 /proc/uptime >/out/boot

R=/host
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs shm $R/dev/shm

# args: GUEST_SCRIPT, GUEST_ARGS, NETDEVSIM and GUEST_KEEP, written by run-guest.sh.
. /out/args

# The guest's /tmp and /run are tmpfs; a checkout under either would vanish
# under them, so set those directories aside and mount them back on top.
n=0 kept=
for d in $GUEST_KEEP; do
	case $d in /tmp/* | /run/*) ;; *) continue ;; esac
	n=$((n + 1))
	mkdir -p /keep/$n
	mount -o bind "$R$d" /keep/$n || halt_with "cannot keep $d visible"
	kept="$kept $n:$d"
done
mount -t tmpfs tmp $R/tmp
mount -t tmpfs run $R/run
for k in $kept; do
	mkdir -p "$R${k#*:}"
	mount -o bind "/keep/${k%%:*}" "$R${k#*:}" || halt_with "cannot mount ${k#*:} back"
done
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mkdir -p $R/run/hsplit-out
mount --bind /out $R/run/hsplit-out

chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 HSPLIT_GUEST=1 /bin/bash "$GUEST_SCRIPT" $GUEST_ARGS --netdevsim "$NETDEVSIM" \
	>/out/tap 2>/out/stderr </dev/null
echo $? >/out/rc
umount $R/run/hsplit-out
sync
poweroff -f
