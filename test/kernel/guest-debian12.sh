#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The QEMU tier's second kernel: Debian 12's own (Linux 6.1), booted by
# run-guest.sh with HSPLIT_GUEST_KERNEL=debian12. It runs what behaves
# differently before Linux 6.13 and would otherwise go untested on a newer
# host: net_hsplit's kernel backends (test_backends), where an AF_XDP
# socket in native mode gets its veth queue's NAPI id, so busy_budget must
# busy-poll (6.13 stopped giving copy-mode sockets an id); and hsplit-bench's
# hsplit-afxdp-native design end to end, whose busy polls must take packets
# and whose latency must be read right from a sender without microsecond
# TSval (tcp_usec_ts came in 6.7); and hsplit-rx's lib/tcprx against 6.1's
# TCP sender (test/tcprx_veth: verified transfers on both backends and the
# latency case, which needs --tsval-ms there). Prints one TAP stream, as
# guest-tests.sh does.
#
# Usage (guest only): guest-debian12.sh --build DIR --modbase DIR --kver VERSION
#                     [--netdevsim IGNORED]
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-args.sh
. "$here/guest-args.sh"
[ -n "$build" ] && [ -n "$kver" ] ||
	{ echo "Bail out! guest-debian12.sh: --build and --kver are required"; exit 1; }

check "guest runs Debian 12's kernel $kver" test "$(uname -r)" = "$kver"
# The chroot's /lib/modules is the host's: load from the extracted tree.
check "veth loads" kmod veth

# In this guest every namespace, veth and XDP mode the cases need exists:
# a skip would mean the backend went untested on this kernel.
must_run=(
	[test_rx_sees_exactly_the_sent_frames]=1 [test_tx_reaches_peer_and_not_own_rx]=1
	[test_vlan_tag_arrives_in_place]=1 [test_afxdp_busy_budget_polls_or_says_why_not]=1
)
run_tap test_backends "$build/test/pmd/test_backends"
must_run=()

# hsplit-bench's self-test of the optional design (bench/test_bench.py
# native): "ok - what" lines, renumbered into our stream.
bench_native() {
	local out rc line
	echo 256 >/proc/sys/vm/nr_hugepages
	mkdir -p /dev/hugepages
	mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
	out=$(PYTHONPATH="$here/../../tools" python3 "$here/../../bench/test_bench.py" native "$build" 2>&1)
	rc=$?
	if [ $rc = 77 ]; then # this guest exists to run it: a skip is a failure here
		fail "hsplit-bench native skipped: $(tail -n1 <<<"$out")"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass "hsplit-bench native: ${line#ok - }" ;;
		"not ok - "*) fail "hsplit-bench native: ${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
	done <<<"$out"
	[ $rc = 0 ] || fail "hsplit-bench native: test_bench.py exited with $rc"
}
bench_native

# test/tcprx_veth cases: exit 0 passes; a skip (77) fails here, as anything else.
tcprx_veth() { # case
	local out rc
	out=$(PYTHONPATH="$here/../../tools" python3 "$here/../tcprx_veth/veth_rx_test.py" \
		"$build/app/hsplit-rx" "$build/test/tcprx_veth/hrx-wire" "$1" 2>&1)
	rc=$?
	case $rc in
	0) pass "tcprx_veth $1" ;;
	77) fail "tcprx_veth $1 skipped, where it must run: $(tail -n1 <<<"$out")" ;;
	*) fail "tcprx_veth $1 (exit $rc)" ;;
	esac
	printf '%s\n' "$out" | tail -n 40 | comment
}
for c in afxdp-1M afpacket-1M afxdp-latency; do
	tcprx_veth "$c"
done

echo "1..$n"
[ "$failed" = 0 ]
