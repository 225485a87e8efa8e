#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian machine for hsplit, idempotently:
#   1. Debian packages (apt-get; only when something is missing)
#   2. DPDK driver-SDK headers from Debian's own `dpdk` source package of the
#      exact installed version (Debian's libdpdk-dev does not ship them)
#   3. hugepages
# Re-running when everything is in place takes well under a second.
# Debian 12 (DPDK 22.11) is the development machine; Debian 13 (24.11) and
# testing/unstable (25.11) are built in CI (config/dpdk-trees.sh, which runs
# only step 2 here: --sdk-only).
#
# Usage: config/setup-host.sh [--sdk-only] [SDK_DIR]    (default: .cache/dpdk-sdk)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sdk_only=false
[ "${1:-}" = --sdk-only ] && { sdk_only=true; shift; }
sdk_dir=${1:-$top/.cache/dpdk-sdk}
# Upstream DPDK's SDK headers by release, for when Debian's source package of
# the installed DPDK cannot be had (see that folder's README.md).
shared_sdk=${HSPLIT_SHARED_SDK:-$top/../shared/dpdk-sdk}
apt_log=$(dirname "$sdk_dir")/setup-apt.log

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get, hugepages and network namespaces need it)"
[ -r /etc/debian_version ] || die "this script supports Debian only (12, 13, testing/unstable)"

# Everything the build, the tests and the demo need, from Debian's registry.
packages=(
	build-essential meson ninja-build pkg-config python3
	dpdk-dev libpcap-dev libxdp-dev libbpf-dev iproute2 ethtool
	dpdk libdpdk-dev libcmocka-dev libdrm-dev
	dpkg-dev xz-utils
	qemu-system-x86 busybox-static cpio kmod libibverbs-dev ibverbs-providers
	flex bison libelf-dev patch
	clang libclang-rt-dev      # the libFuzzer + sanitizer runtimes (only recommended by clang)
	gnuplot-nox util-linux     # hsplit-bench's plots; taskset pins its sender and receivers
	mmdebstrap                 # config/dpdk-trees.sh: the DPDK 24.11 / 25.11 trees CI builds in
)

missing_packages() {
	local p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s\n' "$p"
	done
}

# apt's output goes to a log; on failure its end is shown, not swallowed.
run_apt() {
	mkdir -p "$(dirname "$apt_log")"
	printf '+ apt-get %s\n' "$*" >>"$apt_log"
	DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$apt_log" 2>&1 && return 0
	tail -n 15 "$apt_log" >&2
	die "apt-get $* failed (whole log: $apt_log)"
}

install_packages() {
	local missing
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0
	say "installing:" $missing
	run_apt update -q
	# shellcheck disable=SC2086
	run_apt install -y -q --no-install-recommends $missing
}

# A deb-src entry for every suite the machine already uses, so `apt-get source`
# finds the same version of dpdk that is installed.
ensure_deb_src() {
	local f=/etc/apt/sources.list.d/hsplit-deb-src.sources
	local legacy=/etc/apt/sources.list.d/hsplit-deb-src.list
	[ -e "$f" ] || [ -e "$legacy" ] && return 0
	if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null &&
	   grep -qs '^Types:.*\bdeb\b' /etc/apt/sources.list.d/debian.sources; then
		sed -e 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$f"
	elif grep -qs '^deb ' /etc/apt/sources.list; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$legacy"
	else
		die "no Debian apt source found to derive a deb-src entry from"
	fi
	say "added deb-src entries for the configured suites"
	run_apt update -q
}

sdk_headers=(
	lib/ethdev/ethdev_driver.h
	lib/ethdev/ethdev_vdev.h
	drivers/bus/vdev/bus_vdev_driver.h
	lib/eal/include/dev_driver.h
	lib/ethdev/rte_flow_driver.h   # installed by libdpdk-dev up to 24.11, not by 25.11
)

# Fallback: the upstream headers of the installed DPDK's major.minor from
# $shared_sdk (they do not change within a stable series), with a message.
# For machines whose Debian mirror lacks the installed DPDK's source.
copy_shared_sdk_headers() {
	local want=$1 mm dir h
	mm=$(printf '%s\n' "$want" | sed -n 's/^\([0-9]\+\.[0-9]\+\)\..*/\1/p')
	dir=$(find "$shared_sdk" -mindepth 1 -maxdepth 1 -type d -name "$mm.*" 2>/dev/null | sort -V | tail -n1)
	[ -n "$dir" ] ||
		die "apt-get source dpdk=$want failed (log: $apt_log) and $shared_sdk has no DPDK $mm.x headers"
	say "Debian's dpdk $want source cannot be had: using upstream $(basename "$dir") SDK headers from $dir"
	for h in "${sdk_headers[@]}"; do
		[ -r "$dir/$(basename "$h")" ] || die "$dir lacks $(basename "$h")"
		cp "$dir/$(basename "$h")" "$sdk_dir/include/"
	done
	printf 'upstream %s headers from %s (Debian source of %s unavailable)\n' \
		"$(basename "$dir")" "$dir" "$want" >"$sdk_dir/SOURCE"
}

# Copy the driver-SDK headers out of the source package; refuse a mismatch.
fetch_sdk_headers() {
	local want have src h
	want=$(dpkg-query -W -f='${Version}' libdpdk-dev)
	if [ -r "$sdk_dir/VERSION" ] && [ "$(cat "$sdk_dir/VERSION")" = "$want" ] &&
	   [ -r "$sdk_dir/include/rte_flow_driver.h" ]; then
		return 0
	fi
	ensure_deb_src
	say "fetching DPDK driver-SDK headers from Debian source package dpdk $want"
	rm -rf "$sdk_dir" && mkdir -p "$sdk_dir/include" "$sdk_dir/src" "$(dirname "$apt_log")"
	printf '+ apt-get source dpdk=%s\n' "$want" >>"$apt_log"
	if ! (cd "$sdk_dir/src" && apt-get source -q "dpdk=$want" >>"$apt_log" 2>&1); then
		copy_shared_sdk_headers "$want"
		rm -rf "$sdk_dir/src"
		printf '%s\n' "$want" >"$sdk_dir/VERSION"
		return 0
	fi
	src=$(find "$sdk_dir/src" -mindepth 1 -maxdepth 1 -type d -name 'dpdk-*' | head -n1)
	[ -n "$src" ] || die "apt-get source dpdk=$want unpacked nothing"
	have=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
	[ "$have" = "$want" ] ||
		die "DPDK source version $have does not match installed libdpdk-dev $want"
	for h in "${sdk_headers[@]}"; do
		[ -r "$src/$h" ] || die "source package lacks $h"
		cp "$src/$h" "$sdk_dir/include/"
	done
	rm -rf "$sdk_dir/src"
	printf 'Debian source package dpdk %s\n' "$want" >"$sdk_dir/SOURCE"
	printf '%s\n' "$want" >"$sdk_dir/VERSION"
}

ensure_hugepages() {
	local total
	total=$(awk '/^HugePages_Total/ {print $2}' /proc/meminfo)
	if [ "${total:-0}" -lt 512 ]; then
		echo 1024 >/proc/sys/vm/nr_hugepages || true
		total=$(awk '/^HugePages_Total/ {print $2}' /proc/meminfo)
		[ "${total:-0}" -ge 512 ] && say "reserved $total hugepages of 2 MiB" ||
			say "warning: only ${total:-0} hugepages could be reserved; tests run EAL without hugepages"
	fi
	if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages || say "warning: cannot mount hugetlbfs on /dev/hugepages"
	fi
}

if $sdk_only; then
	fetch_sdk_headers
	exit 0
fi
install_packages
fetch_sdk_headers
ensure_hugepages
