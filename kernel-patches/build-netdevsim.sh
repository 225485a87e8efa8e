#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build netdevsim out of tree from the pinned Debian linux-source-7.2 with
# the patch series in kernel-patches/netdevsim/ applied, against the pinned
# linux-headers (downloaded and extracted, never installed on the host).
#
# Usage: kernel-patches/build-netdevsim.sh [--no-patches]
# Prints the path of the built netdevsim.ko on stdout; logs go to the cache.
#
# The headers come from trixie, whose kbuild helpers (modpost, objtool) need
# a newer glibc than Debian 12 has and whose kernel was built with gcc-14:
# we rebuild those two helpers from the same linux-source with the host's
# compiler (once, ~40 s) and compile the module with the host's gcc-12,
# dropping the one gcc-14-only flag (-fmin-function-alignment) and module
# BTF (no pahole). The kernel does not enforce module signatures.
set -euo pipefail
prog=build-netdevsim
top=$(cd "$(dirname "$0")/.." && pwd)
patches=1
case ${1:-} in
--no-patches) patches=0 ;;
'') ;;
-h|--help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "$prog: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

# shellcheck source=../test/kernel/lib.sh
. "$top/test/kernel/lib.sh"

for t in make:make gcc:gcc flex:flex bison:bison patch:patch dpkg-deb:dpkg xz:xz-utils; do
	need_tool "${t%%:*}" "${t#*:}"
done
[ -r /usr/include/gelf.h ] || die "libelf headers missing: install 'libelf-dev' (config/setup-host.sh does)"

kdir=$kcache/$KVER
src=$kcache/src/linux-source-7.2
hdr=$kdir/headers
kbuild=$hdr/usr/src/linux-headers-$KVER
kb_tools=$hdr/usr/lib/linux-kbuild-$KABI
log=$kdir/netdevsim-build.log

mkdir -p "$kdir"
exec 8>"$kcache/lock.netdevsim"
flock 8

kfetch linux-source-7.2 "linux-headers-$KVER" "linux-headers-$KABI-common" "linux-kbuild-$KABI"

# The source tree: read for the patch series, the helpers and checkpatch.
if [ ! -e "$src/.ok" ]; then
	note "unpacking linux-source-7.2 $KPKG_VERSION (about 20 s)"
	rm -rf "$kcache/src" && mkdir -p "$kcache/src"
	dpkg-deb --fsys-tarfile "$(kdeb linux-source-7.2)" |
		tar -xO ./usr/src/linux-source-7.2.tar.xz | tar -xJ -C "$kcache/src"
	[ -d "$src/drivers/net/netdevsim" ] || die "linux-source-7.2 has no drivers/net/netdevsim"
	touch "$src/.ok"
fi

# The headers, with their absolute paths pointed at the extracted copy and
# the two glibc-2.38 helpers replaced by host builds.
if [ ! -e "$hdr/.ok" ]; then
	note "extracting linux-headers $KVER and building modpost/objtool for this host"
	rm -rf "$hdr" && mkdir -p "$hdr"
	for p in "linux-headers-$KVER" "linux-headers-$KABI-common" "linux-kbuild-$KABI"; do
		dpkg-deb -x "$(kdeb "$p")" "$hdr"
	done
	sed -i "s#/usr/src/#$hdr/usr/src/#g" "$kbuild/Makefile"
	rm -rf "$kdir/hosttools" && mkdir -p "$kdir/hosttools"
	cp "$kbuild/.config" "$kdir/hosttools/.config"
	{ make -C "$src" O="$kdir/hosttools" olddefconfig &&
	  make -C "$src" O="$kdir/hosttools" -j"$(nproc)" scripts/mod/; } >"$log" 2>&1 ||
		die "building modpost/objtool from linux-source failed; see $log"
	cp "$kdir/hosttools/scripts/mod/modpost" "$kb_tools/scripts/mod/modpost.real-lsb-64"
	cp "$kdir/hosttools/tools/objtool/objtool" "$kb_tools/tools/objtool/objtool.real-x86"
	touch "$hdr/.ok"
fi

# Pristine netdevsim plus our series, built in a scratch copy every time
# the inputs change.
series=()
if [ $patches = 1 ]; then
	mapfile -t series < <(find "$top/kernel-patches/netdevsim" -name '[0-9]*.patch' ! -name '0000-*' 2>/dev/null | sort)
fi
want=$( { echo "$patches"; cat "${series[@]}" /dev/null; } | sha256sum | cut -c1-16)
out=$kdir/netdevsim
if [ -r "$out/netdevsim.ko" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$want" ]; then
	echo "$out/netdevsim.ko"
	exit 0
fi
work=$kdir/netdevsim-src
kst=tools/testing/selftests/drivers/net
rm -rf "$work" "$out" && mkdir -p "$work/drivers/net" "$work/$kst" "$out"
cp -r "$src/drivers/net/netdevsim" "$work/drivers/net/"
# The series' selftest lands in netdevsim's selftest directory; the guest
# runs it from here (test/kernel/guest-upstream.sh).
cp -r "$src/$kst/netdevsim" "$work/$kst/"
for p in "${series[@]}"; do
	patch -d "$work" -p1 --quiet --forward <"$p" >>"$log" 2>&1 ||
		die "patch $(basename "$p") does not apply to linux-source $KPKG_VERSION; see $log"
done
t0=$(date +%s)
# The series adds a uAPI header (include/uapi/linux/netdevsim_lease.h),
# which the installed headers lack: the scratch tree's include/uapi comes
# after theirs.
make -C "$kbuild" M="$work/drivers/net/netdevsim" CONFIG_NETDEVSIM=m CC=gcc \
	CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT= CONFIG_DEBUG_INFO_BTF_MODULES= \
	KCFLAGS="-I$work/include/uapi" \
	-j"$(nproc)" modules >"$log" 2>&1 ||
	{ grep -E 'error|warning' -A3 "$log" | head -n 40 >&2; die "building netdevsim failed; see $log"; }
grep -q 'warning:' <(grep -v 'pahole version differs' "$log") &&
	{ grep 'warning:' "$log" | grep -v pahole >&2; die "netdevsim built with warnings; see $log"; }
cp "$work/drivers/net/netdevsim/netdevsim.ko" "$out/"
note "netdevsim built in $(( $(date +%s) - t0 )) s (${#series[@]} patches)"
echo "$want" >"$out/stamp"
echo "$out/netdevsim.ko"
