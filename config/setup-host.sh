#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian 12 machine for hsplit, idempotently:
#   1. Debian packages (apt-get; only when something is missing)
#   2. DPDK driver-SDK headers from Debian's own `dpdk` source package of the
#      exact installed version (Debian's libdpdk-dev does not ship them)
#   3. hugepages
# Re-running when everything is in place takes well under a second.
#
# Usage: config/setup-host.sh [SDK_DIR]     (default: .cache/dpdk-sdk)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sdk_dir=${1:-$top/.cache/dpdk-sdk}

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get, hugepages and network namespaces need it)"
[ -r /etc/debian_version ] || die "this script supports Debian 12 (bookworm) only"

# Everything the build, the tests and the demo need, from Debian's registry.
packages=(
	build-essential meson ninja-build pkg-config python3
	dpdk-dev libpcap-dev libxdp-dev libbpf-dev iproute2 ethtool
	dpdk libdpdk-dev libcmocka-dev libdrm-dev
	dpkg-dev xz-utils
	qemu-system-x86 busybox-static cpio kmod libibverbs-dev ibverbs-providers
	flex bison libelf-dev patch
	clang libclang-rt-14-dev   # the libFuzzer + sanitizer runtimes (only recommended by clang)
	gnuplot-nox util-linux     # hsplit-bench's plots; taskset pins its sender and receivers
)

missing_packages() {
	local p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s\n' "$p"
	done
}

install_packages() {
	local missing
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0
	say "installing:" $missing
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
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
	apt-get update -q >/dev/null
}

sdk_headers=(
	lib/ethdev/ethdev_driver.h
	lib/ethdev/ethdev_vdev.h
	drivers/bus/vdev/bus_vdev_driver.h
	lib/eal/include/dev_driver.h
)

# Copy the four driver-SDK headers out of the source package; refuse a mismatch.
fetch_sdk_headers() {
	local want have src h
	want=$(dpkg-query -W -f='${Version}' libdpdk-dev)
	if [ -r "$sdk_dir/VERSION" ] && [ "$(cat "$sdk_dir/VERSION")" = "$want" ]; then
		return 0
	fi
	ensure_deb_src
	say "fetching DPDK driver-SDK headers from Debian source package dpdk $want"
	rm -rf "$sdk_dir" && mkdir -p "$sdk_dir/include" "$sdk_dir/src"
	(cd "$sdk_dir/src" && apt-get source -q "dpdk=$want" >/dev/null 2>&1) ||
		die "apt-get source dpdk=$want failed: Debian's archive no longer has the source of the installed DPDK; upgrade dpdk/libdpdk-dev so both versions match"
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

install_packages
fetch_sdk_headers
ensure_hugepages
