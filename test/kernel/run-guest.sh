#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The QEMU test tier: boot the pinned Debian kernel (test/kernel/pin.sh)
# under QEMU/TCG with a busybox initramfs, share the host's / read-only into
# the guest over 9p, run test/kernel/guest-tests.sh chrooted into it (so
# build/ and DPDK run unchanged), power off and report the guest's TAP and
# exit status as our own.
#
# Everything downloaded or built is cached under .cache/kernel/ (override
# with HSPLIT_KERNEL_CACHE); the first run downloads ~175 MB from Debian.
#
# Usage: test/kernel/run-guest.sh [--build DIR] [--timeout SECONDS]
#                                 [--script GUEST_SCRIPT] [-- GUEST_ARGS...]
# Environment: HSPLIT_SKIP_KERNEL_TESTS=1 skips (exit 77);
# HSPLIT_GUEST_KERNEL=debian12 boots Debian 12's 6.1 instead of the pinned
# kernel (test/kernel/pin.sh; give it --script guest-debian12.sh);
# HSPLIT_KERNEL_APPEND adds to the guest's kernel command line
# (e.g. swiotlb=force).
# Exit: the guest script's status (0 all passed, 1 failures), 77 skipped,
# 1 when the guest could not be built, booted or did not finish.
set -euo pipefail
prog=run-guest
top=$(cd "$(dirname "$0")/../.." && pwd)

build=$top/build
guest_script=$top/test/kernel/guest-tests.sh
timeout_s=${HSPLIT_KERNEL_TIMEOUT:-900}
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--script) guest_script=$(realpath "$2"); shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) printf '%s: unknown argument %s (see --help)\n' "$prog" "$1" >&2; exit 2 ;;
	esac
done

if [ -n "${HSPLIT_SKIP_KERNEL_TESTS:-}" ] && [ "${HSPLIT_SKIP_KERNEL_TESTS}" != 0 ]; then
	echo "SKIP: kernel tier skipped because HSPLIT_SKIP_KERNEL_TESTS=$HSPLIT_SKIP_KERNEL_TESTS"
	exit 77
fi

# shellcheck source=lib.sh
. "$top/test/kernel/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (the guest's chroot runs the build's binaries as root)"
case $timeout_s in ''|*[!0-9]*) die "--timeout needs a number of seconds, not '$timeout_s'" ;; esac
need_tool qemu-system-x86_64 qemu-system-x86
need_tool cpio cpio
need_tool xz xz-utils
need_tool depmod kmod
need_tool modprobe kmod
need_tool dpkg-deb dpkg
need_tool apt-get apt
need_tool flock util-linux
need_tool timeout coreutils
busybox=/bin/busybox
[ -x $busybox ] || die "$busybox not found: install Debian package 'busybox-static'"
case $(LC_ALL=C ldd $busybox 2>&1 || true) in *'not a dynamic executable'*) ;; *)
	die "$busybox is dynamically linked: install 'busybox-static' (not 'busybox')" ;; esac
[ -r "$guest_script" ] || die "guest script $guest_script not found"
[ -x "$build/test/devmem/test_dmabuf" ] ||
	die "$build/test/devmem/test_dmabuf not built: run config/build.sh plain first"

kdir=$kcache/$KVER
modbase=$kdir/root${KMODREL:+/$KMODREL}   # modprobe -d: <modbase>/lib/modules/$KVER
moddir=$modbase/lib/modules/$KVER
vmlinuz=$kdir/root/$KIMAGE

# The Debian kernel and its modules, extracted and indexed once.
prepare_kernel() {
	[ -e "$kdir/kernel.ok" ] && return 0
	local p
	# shellcheck disable=SC2086 # KPKGS is a list
	kfetch $KPKGS
	note "extracting Linux $KVER into $kdir"
	rm -rf "$kdir/root" && mkdir -p "$kdir/root"
	for p in $KPKGS; do
		dpkg-deb -x "$(kdeb "$p")" "$kdir/root"
	done
	[ -r "$vmlinuz" ] || die "$KPKGS hold no $KIMAGE"
	depmod -b "$modbase" "$KVER" 2>"$kdir/depmod.log" ||
		die "depmod for $KVER failed; see $kdir/depmod.log"
	touch "$kdir/kernel.ok"
}

# Modules /init loads before it can reach the host; virtio-pci too where it
# is a module (Debian 12's 6.1), not built in (7.2).
initramfs_modules=(9pnet_virtio 9p)

# busybox + /init + the 9p modules, decompressed, in load order.
prepare_initramfs() {
	local img=$kdir/initramfs.cpio.gz stamp want tmp m n=0 line
	want=$(cat "$top/test/kernel/guest-init.sh" $busybox "$0" | sha256sum | cut -c1-16)
	stamp=$kdir/initramfs.stamp
	[ -r "$img" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
	tmp=$(mktemp -d "$kdir/initramfs.XXXXXX")
	mkdir -p "$tmp/bin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/modules"
	cp $busybox "$tmp/bin/busybox"
	cp "$top/test/kernel/guest-init.sh" "$tmp/init"
	chmod 755 "$tmp/init"
	: >"$tmp/modules/order"
	local mods=("${initramfs_modules[@]}")
	[ -n "$(find "$moddir/kernel/drivers/virtio" -name 'virtio_pci.ko*' 2>/dev/null)" ] &&
		mods=(virtio_pci "${mods[@]}")
	for m in "${mods[@]}"; do
		while read -r line; do
			set -- $line
			[ "$1" = insmod ] || continue
			local base
			base=$(basename "$2"); base=${base%.xz}
			grep -qx "[0-9]*-$base" "$tmp/modules/order" && continue
			n=$((n + 1))
			case $2 in # Debian compresses modules since 6.x, not in 6.1
			*.xz) xz -dc "$2" >"$tmp/modules/$n-$base" ;;
			*) cp "$2" "$tmp/modules/$n-$base" ;;
			esac
			echo "$n-$base" >>"$tmp/modules/order"
		done < <(modprobe -d "$modbase" -S "$KVER" --show-depends "$m" 2>&1 ||
			die "module $m not found in $KVER")
	done
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.new"
	mv "$img.new" "$img"
	rm -rf "$tmp"
	echo "$want" >"$stamp"
}

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

mkdir -p "$kcache"
exec 9>"$kcache/lock"
flock 9
t0=$(date +%s.%N)
prepare_kernel
prepare_initramfs
flock -u 9
t1=$(date +%s.%N)

# The patched netdevsim (kernel-patches/); a failed build is reported by
# the guest as a failed case, not as a dead tier.
if [ -n "${HSPLIT_SKIP_NETDEVSIM:-}" ] && [ "$HSPLIT_SKIP_NETDEVSIM" != 0 ]; then
	netdevsim_arg=
elif [ "${HSPLIT_GUEST_KERNEL:-pinned}" != pinned ]; then
	netdevsim_arg="error:kernel-patches/ are built for the pinned kernel, not $KVER"
elif ko=$("$top/kernel-patches/build-netdevsim.sh" 2>"$kcache/build-netdevsim.err"); then
	netdevsim_arg=$ko
else
	netdevsim_arg="error:$(tail -n1 "$kcache/build-netdevsim.err" | tr -s ' \t' ' ')"
fi
t1=$(date +%s.%N)

out=$(mktemp -d "$kcache/run.XXXXXX")
trap 'rm -rf "$out"' EXIT
# The results share is written by the guest's root; the guest reads args from it.
# GUEST_KEEP: host directories the guest must see even if they sit under the
# /tmp or /run it mounts tmpfs on (a checkout in /tmp, say).
printf 'GUEST_SCRIPT=%q\nGUEST_ARGS=%q\nNETDEVSIM=%q\nGUEST_KEEP=%q\n' "$guest_script" \
	"--build $build --modbase $modbase --kver $KVER $*" "$netdevsim_arg" \
	"$top $build $kcache" >"$out/args"

console=$kcache/console.log
run_qemu() {
	timeout -k 10 "$timeout_s" qemu-system-x86_64 \
		-accel tcg -cpu max -smp 2 -m 2G \
		-display none -monitor none -serial "file:$console" -no-reboot \
		-kernel "$vmlinuz" -initrd "$kdir/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init ${HSPLIT_KERNEL_APPEND:-}" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap" \
		</dev/null >"$kcache/qemu.log" 2>&1
}
set +e
run_qemu
qrc=$?
# A kernel that dies before /init (seen once under TCG: "Oops: int3" from
# text patching in kdamond at 1.9 s, no module loaded yet) ran no test:
# boot once more, keeping the first console for a look.
if [ ! -r "$out/boot" ] && [ $qrc != 124 ]; then
	cp "$console" "$kcache/console.boot-failure.log"
	echo "# guest: the kernel did not reach /init ($(grep -m1 -E 'Oops|BUG|panic' "$console" || echo "QEMU exited with $qrc")); booting again, first console in $kcache/console.boot-failure.log"
	rm -f "$out/tap" "$out/rc" "$out/stderr" "$out/init-error"
	run_qemu
	qrc=$?
fi
set -e
t2=$(date +%s.%N)

# The guest prints its plan last; test/summary.py (and most readers) want it first.
if [ -r "$out/tap" ]; then
	grep -m1 -E '^1\.\.[0-9]+' "$out/tap" || true
	grep -v -E '^1\.\.[0-9]+' "$out/tap" || true
fi
printf '# guest: Linux %s, preparation %.1f s, QEMU run %.1f s (guest booted to /init in %s s)\n' \
	"$KVER" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" "$(cat "$out/boot" 2>/dev/null || echo '?')"
if [ -s "$out/stderr" ]; then
	echo "# guest stderr:"
	sed 's/^/#   /' "$out/stderr"
fi
if [ ! -r "$out/rc" ]; then
	[ $qrc = 124 ] && why="QEMU timed out after $timeout_s s" || why="QEMU exited with $qrc"
	[ -r "$out/init-error" ] && why="$why; guest init: $(cat "$out/init-error")"
	echo "Bail out! guest did not finish: $why"
	echo "# console ($console), last lines:"
	tail -n 30 "$console" | sed 's/^/#   /'
	tail -n 5 "$kcache/qemu.log" | sed 's/^/#   qemu: /'
	exit 1
fi
exit "$(cat "$out/rc")"
