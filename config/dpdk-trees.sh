#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and test hsplit against the DPDK of newer Debian releases, each in its
# own Debian tree made with mmdebstrap:
#   trixie -> DPDK 24.11, sid (unstable) -> DPDK 25.11.
# In each tree: the plain and the ASan+UBSan build, then every test that needs
# no network namespace (the tree shares the host's kernel and network; the
# veth, QEMU and fuzz tiers stay with ./run-tests on the host).
#
# Trees are cached under $HSPLIT_TREE_CACHE (default /var/cache/hsplit-trees),
# one per suite and hash of the package list and mirror; a cold tree downloads
# ~300 MB. A missing tool, a failed download or a failed build is an error.
#
# Usage: config/dpdk-trees.sh [trixie|sid]...        (default: trixie sid)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${HSPLIT_TREE_CACHE:-/var/cache/hsplit-trees}

say() { printf 'trees: %s\n' "$*"; }
die() { printf 'trees: error: %s\n' "$*" >&2; exit 1; }

# What the builds and the tests need inside a tree (the host's list in
# setup-host.sh also carries QEMU, clang and the benchmark tools).
tree_packages=(
	build-essential meson ninja-build pkg-config python3 dpkg-dev xz-utils
	dpdk dpdk-dev libdpdk-dev libpcap-dev libxdp-dev libbpf-dev libelf-dev
	libcmocka-dev libdrm-dev iproute2
	mount   # not essential in sid: the install test's private mount namespace needs it
)

# The Debian mirror the host already uses (deb822 or one-line sources).
host_mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*\(\S*\/debian\)\/\?$/\1/p' /etc/apt/sources.list.d/*.sources \
		2>/dev/null | head -n1)
	[ -n "$m" ] || m=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\(\S*\/debian\)\/\?[[:space:]].*/\2/p' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
	[ -n "$m" ] || die "no Debian mirror found in /etc/apt/sources.list*"
	printf '%s\n' "$m"
}

# Path of the cached tree for a suite; made on first use.
ensure_tree() {
	local suite=$1 mirror key dir tmp
	mirror=$(host_mirror)
	key=$(printf '%s\n' "$suite" "$mirror" "${tree_packages[@]}" | sha256sum | cut -c1-12)
	dir=$cache/$suite-$key
	if [ -e "$dir/.complete" ]; then
		say "$suite: cached tree $dir" >&2
		printf '%s\n' "$dir"
		return 0
	fi
	if ! command -v mmdebstrap >/dev/null; then
		say "installing mmdebstrap" >&2
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends mmdebstrap; } >"$cache.apt.log" 2>&1 ||
			{ tail -n 20 "$cache.apt.log" >&2; die "cannot install mmdebstrap (apt-get failed)"; }
	fi
	mkdir -p "$cache"
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	say "$suite: making a tree from $mirror (cold: downloads ~300 MB)" >&2
	# sid's Release file on the mirror has been seen expired: accept it there.
	local opts=()
	[ "$suite" = sid ] && opts+=(--aptopt='Acquire::Check-Valid-Until "false"')
	mmdebstrap --variant=apt --mode=root --format=directory "${opts[@]}" \
		--include="$(IFS=,; echo "${tree_packages[*]}")" \
		"$suite" "$tmp" "deb $mirror $suite main" "deb-src $mirror $suite main" \
		>"$cache/$suite-$key.log" 2>&1 ||
		{ tail -n 20 "$cache/$suite-$key.log" >&2; rm -rf "$tmp";
		  die "$suite: mmdebstrap failed (log: $cache/$suite-$key.log)"; }
	touch "$tmp/.complete"
	mv "$tmp" "$dir"
	# trees of this suite for an older package list or mirror: unused (the
	# suite's lock is held), ~800 MB each
	local old
	for old in "$cache/$suite"-*; do
		[ -d "$old" ] && [ "$old" != "$dir" ] && rm -rf "$old" "$old.log"
	done
	printf '%s\n' "$dir"
}

# Suites left to ./run-tests on the host: they build network namespaces and
# veth pairs (the tree shares the host's network), boot QEMU, or need clang.
# HSPLIT_NO_NETNS=1 makes the remaining tests skip their veth cases.
excluded_suites=(tcprx-veth hsplit-bench kernel fuzz soak)

# Inside a tree (chroot): SDK headers, both builds, the tests; counts printed.
inside() {
	local w=/work status=0 b no_suites=() name builds=()
	for b in "${excluded_suites[@]}"; do no_suites+=(--no-suite "$b"); done
	cd "$w"
	/src/hsplit/config/setup-host.sh --sdk-only "$w/dpdk-sdk" || return 1
	name="$(. /etc/os-release; echo "$PRETTY_NAME"), DPDK $(pkg-config --modversion libdpdk)"
	say "$name; SDK headers: $(cat "$w/dpdk-sdk/SOURCE")"
	for b in build build-asan; do
		local opts=()
		[ $b = build-asan ] &&
			opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
		if ! meson setup "$w/$b" /src/hsplit -Ddpdk_sdk_dir="$w/dpdk-sdk" "${opts[@]}" \
			>"$w/setup-$b.log" 2>&1; then
			tail -n 30 "$w/setup-$b.log"; say "$name: $b: meson setup FAILED"; return 1
		fi
		if ! ninja -C "$w/$b" -k 0 >"$w/ninja-$b.log" 2>&1; then
			grep -E 'error|FAILED' -A5 "$w/ninja-$b.log" | head -n 80
			say "$name: $b: build FAILED ($(grep -c '^FAILED' "$w/ninja-$b.log") failed steps)"
			return 1
		fi
		say "$name: $b: build ok"
		builds+=("$b ok")
		HSPLIT_NO_NETNS=1 HSPLIT_SKIP_KERNEL_TESTS=1 meson test -C "$w/$b" --num-processes 2 \
			--print-errorlogs "${no_suites[@]}" >"$w/test-$b.log" 2>&1 || status=1
	done
	python3 /src/hsplit/test/summary.py "$w/build" "$w/build-asan" >"$w/summary.txt" || status=1
	cat "$w/summary.txt"
	[ $status = 0 ] || tail -n 60 "$w/test-build.log" "$w/test-build-asan.log"
	say "$name: ${builds[*]}; tests: $(tail -n 1 "$w/summary.txt")"
	return $status
}

# One tree: mounts in a private mount namespace (gone when it exits), the
# checkout read-only at /src/hsplit, ../shared/dpdk-sdk beside it, a scratch
# /work; then the inside() above in a chroot.
run_tree() {
	local suite=$1 dir work shared rc=0
	# one user of a suite's trees at a time (CI runs may overlap on a machine)
	mkdir -p "$cache" || return 1
	exec 9>"$cache/$suite.lock"
	flock 9
	dir=$(ensure_tree "$suite") || return 1
	work=$(mktemp -d /var/tmp/hsplit-tree-"$suite".XXXXXX) || return 1
	# setup-host.sh's fallback for SDK headers, seen in the tree at the same
	# place relative to the checkout
	shared=${HSPLIT_SHARED_SDK:-$top/../shared/dpdk-sdk}
	[ -d "$shared" ] || { shared=$work/no-shared-sdk; mkdir -p "$shared"; }
	mkdir -p "$dir/src/hsplit" "$dir/src/shared/dpdk-sdk" "$dir/work" || return 1
	unshare --mount --propagation private bash -euc '
		dir=$1 top=$2 shared=$3 work=$4
		# the tree root a mount point of its own: tests that unshare a
		# mount namespace in the chroot can then make it private
		mount --bind "$dir" "$dir"
		mount -t proc proc "$dir/proc"
		mount --rbind /dev "$dir/dev"
		mount -t sysfs sysfs "$dir/sys"
		mount -t tmpfs tmpfs "$dir/tmp"
		mount -t tmpfs tmpfs "$dir/run"
		mount --bind "$top" "$dir/src/hsplit"
		mount -o remount,bind,ro "$dir/src/hsplit"
		mount --bind "$shared" "$dir/src/shared/dpdk-sdk"
		mount --bind "$work" "$dir/work"
		exec chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/work \
			LANG=C.UTF-8 TERM=dumb /src/hsplit/config/dpdk-trees.sh --inside
	' run-tree "$dir" "$top" "$shared" "$work" || rc=$?
	exec 9>&-
	if [ $rc = 0 ]; then
		rm -rf "$work"
	else
		say "$suite: FAILED (logs kept in $work)"
	fi
	return $rc
}

case ${1:-} in
--inside) inside; exit ;;
--make-only) shift; for s in "$@"; do
	mkdir -p "$cache"; exec 9>"$cache/$s.lock"; flock 9; ensure_tree "$s" >/dev/null; done
	exit 0 ;;
esac

[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap, chroot and mounts need it)"
for tool in unshare chroot flock; do
	command -v $tool >/dev/null || die "$tool is missing"
done
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(trixie sid)
status=0
for suite in "${suites[@]}"; do
	case $suite in trixie|sid) ;; *) die "unknown suite $suite (trixie, sid)" ;; esac
done
# Cold trees are mostly download: make the missing ones side by side.
start=$(date +%s)
pids=()
for suite in "${suites[@]}"; do
	"$0" --make-only "$suite" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
[ $status = 0 ] || die "making the trees failed"
say "trees ready ($(( $(date +%s) - start )) s)"
for suite in "${suites[@]}"; do
	start=$(date +%s)
	if run_tree "$suite"; then
		say "$suite: ok ($(( $(date +%s) - start )) s)"
	else
		say "$suite: FAILED ($(( $(date +%s) - start )) s)"
		status=1
	fi
done
exit $status
