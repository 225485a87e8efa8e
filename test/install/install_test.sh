#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# hsplit installs like a DPDK driver:
#   1. `meson install --destdir` puts the PMD in the installed DPDK's plugin
#      directory (RTE_EAL_PMD_PATH), the libraries, headers and .pc files
#      under the prefix;
#   2. a program outside the tree (consumer.c) builds against the installed
#      .pc files only and runs;
#   3. stock dpdk-testpmd, without -d, finds net_hsplit in its plugin
#      directory. EAL's plugin directory is compiled in and cannot be pointed
#      elsewhere, and writing the real one would hand the PMD to every DPDK
#      process on the machine while the test runs (other tests included). So
#      testpmd runs in a private mount namespace where an overlay shows the
#      plugin directory plus the destdir's PMD; nothing outside sees it, and
#      it is gone when testpmd exits. Needs root (unshare, mount): skipped
#      otherwise, as step 3 only.
#
# Usage: install_test.sh BUILD_DIR PMD_DIR PREFIX LIBDIR   (meson test passes them)
set -euo pipefail
build=$1 pmd_dir=$2 prefix=$3 libdir=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hsplit-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac

fail() { echo "install_test: FAIL: $*"; exit 1; }

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "meson install"; }
echo "installed into $dest:"
(cd "$dest" && find . -name '*.so*' -o -name '*.pc' -o -name '*.h' | sort | sed 's/^\./  /')
[ -f "$dest$pmd_dir/librte_net_hsplit.so" ] || fail "no PMD in the plugin directory $pmd_dir"
for pc in libhsplit_devmem libhsplit_tcprx; do
	[ -f "$dest$libdir/pkgconfig/$pc.pc" ] || fail "no $pc.pc in $libdir/pkgconfig"
done

# 2. Out of tree: the destdir's .pc files with their prefix moved there (a
# sysroot would move libdpdk's too).
mkdir -p "$tmp/pc"
for pc in "$dest$libdir"/pkgconfig/libhsplit_*.pc; do
	grep -q "^prefix=$prefix\$" "$pc" || fail "$(basename "$pc") does not say prefix=$prefix"
	sed "s#^prefix=.*#prefix=$dest$prefix#" "$pc" >"$tmp/pc/$(basename "$pc")"
done
export PKG_CONFIG_PATH=$tmp/pc
flags=$(pkg-config --cflags --libs libhsplit_tcprx libhsplit_devmem) ||
	fail "pkg-config libhsplit_tcprx libhsplit_devmem"
echo "pkg-config: $flags" | sed "s#$dest#\$DESTDIR#g"
# shellcheck disable=SC2086
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$tmp/consumer" "$here/consumer.c" $flags ||
	fail "building consumer.c against the installed headers and .pc files"
LD_LIBRARY_PATH=$dest$libdir "$tmp/consumer" --no-huge -m 128 --no-pci --no-shconf \
	--log-level=lib.eal:error -l 0 >"$tmp/consumer.log" 2>&1 ||
	{ cat "$tmp/consumer.log"; fail "consumer did not run"; }
grep '^consumer: ok' "$tmp/consumer.log" || { cat "$tmp/consumer.log"; fail "consumer output"; }

# 3. dpdk-testpmd without -d.
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	echo "install_test: testpmd without -d skipped: needs root (a private mount namespace)"
	exit 0
fi
command -v dpdk-testpmd >/dev/null || fail "dpdk-testpmd is missing (package dpdk)"
command -v mount >/dev/null || fail "mount is missing (package mount)"
# The destdir's lib/devmem through LD_LIBRARY_PATH: the PMD's rpath names
# $libdir, where nothing is installed.
printf 'show port info 0\nquit\n' >"$tmp/cmds"
LD_LIBRARY_PATH=$dest$libdir unshare --mount --propagation private sh -ec '
	mount -t overlay overlay -o "lowerdir=$1:$2" "$2"
	exec dpdk-testpmd --no-huge -m 256 --no-pci --no-shconf -l 0-1 --log-level=lib.eal:debug \
		--vdev net_hsplit0,backend=gen,count=0 -- -i --total-num-mbufs=2048 <"$3"
' sh "$dest$pmd_dir" "$pmd_dir" "$tmp/cmds" >"$tmp/testpmd.log" 2>&1 ||
	{ tail -n 40 "$tmp/testpmd.log"; fail "dpdk-testpmd without -d"; }
grep -E "open shared lib .*librte_net_hsplit\.so" "$tmp/testpmd.log" ||
	{ tail -n 40 "$tmp/testpmd.log"; fail "EAL did not load net_hsplit from $pmd_dir"; }
grep -E "Driver name: +net_hsplit" "$tmp/testpmd.log" ||
	{ tail -n 40 "$tmp/testpmd.log"; fail "testpmd has no net_hsplit port"; }
echo "install_test: ok"
