#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The tests of the QEMU tier, run inside the guest (started by run-guest.sh
# through guest-init.sh), chrooted into the host's read-only root file
# system. Prints one TAP stream: every case of the programs it runs is
# renumbered into it, with the program's name in front.
#
# Usage (guest only): guest-tests.sh --build DIR --modbase DIR --kver VERSION
#                     [--netdevsim KO|"error:<why>"] [--only netdevsim|lease|kq|bench]
# --only netdevsim runs part 1 alone (guest-netdevsim.sh, -steer.sh, -mq.sh),
# --only lease runs the queue lease cases alone (guest-netdevsim-lease.sh),
# --only kq net_hsplit's backend=kq on a leased queue (guest-netdevsim-kq.sh),
# --only bench hsplit-bench --guest (guest-bench.sh).
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest-args.sh
. "$here/guest-args.sh"
[ -n "$build" ] && [ -n "$modbase" ] && [ -n "$kver" ] ||
	{ echo "Bail out! guest-tests.sh: --build, --modbase and --kver are required"; exit 1; }

# What may still hold netdevsim: user processes (kernel threads left out),
# and page pools with buffers out in each namespace (orphaned pools move to
# the namespace's loopback).
nsim_holders_dump() {
	local ksrc ns
	ksrc=$(cd "$(dirname "$netdevsim")/../.." 2>/dev/null && pwd)/src/linux-source-7.2
	ps --ppid 2 -p 2 --deselect -o pid,stat,comm
	for ns in "" $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		echo "page pools in netns ${ns:-init}:"
		${ns:+ip netns exec "$ns"} python3 "$ksrc/tools/net/ynl/pyynl/cli.py" \
			--spec "$ksrc/Documentation/netlink/specs/netdev.yaml" --no-schema \
			--dump page-pool-get 2>&1 | tail -n 20
		echo "TCP sockets in netns ${ns:-init}:"
		${ns:+ip netns exec "$ns"} ss -tanm 2>&1 | tail -n 20
	done
	grep -E 'TCP:|FRAG' /proc/net/sockstat
}

# Page pools a deleted device left with buffers out (detach-time set,
# inflight > 0), one line each; nothing when there are none.
nsim_orphaned_pools() {
	local ksrc ns
	ksrc=$(cd "$(dirname "$netdevsim")/../.." 2>/dev/null && pwd)/src/linux-source-7.2
	for ns in "" $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		${ns:+ip netns exec "$ns"} python3 "$ksrc/tools/net/ynl/pyynl/cli.py" \
			--spec "$ksrc/Documentation/netlink/specs/netdev.yaml" --no-schema \
			--dump page-pool-get 2>/dev/null
	done | python3 "$(dirname "${BASH_SOURCE[0]}")/orphaned_pools.py"
}

# Run NET_RX once on every online CPU, so that each frees the skbs other
# CPUs left on its defer list. TCP's recvmsg hands a consumed skb back to
# the CPU that allocated it (skb_attempt_defer_free(), to skb->alloc_cpu:
# the CPU that ran the NAPI poll), and only net_rx_action() on that CPU, or
# the list growing to half of net.core.skb_defer_max, frees it. In a quiet
# guest the CPU that ran the last stream's NAPI may not run NET_RX again,
# and the page pool those skbs' provider buffers belong to, detached when
# its queue or device went, then waits for them for good: its binding
# keeps the dma-buf mapped and with it the module in use. A UDP datagram
# sent over loopback from a CPU goes through that CPU's own backlog.
nsim_flush_defer_lists() {
	local c
	if ! ip netns pids nsim-flush >/dev/null 2>&1; then
		ip netns add nsim-flush 2>/dev/null
		ip -n nsim-flush link set lo up || return 1
	fi
	for c in $(seq 0 $(($(getconf _NPROCESSORS_ONLN) - 1))); do
		ip netns exec nsim-flush taskset -c "$c" \
			bash -c 'echo flush >/dev/udp/127.0.0.1/9' 2>/dev/null
	done
	return 0
}

# rmmod netdevsim, waiting up to 30 s: a devmem binding's free and the DMA
# references netdevsim's bus devices give back on unmap (patch 1) both run
# from workqueues after the binding's last user has gone, and each live
# mapping keeps the module in use until then. A quiet tier needs no wait.
# Every second of the wait, every CPU runs NET_RX once (see above).
nsim_rmmod() {
	local i
	for i in $(seq 300); do
		rmmod netdevsim 2>/dev/null && { [ "$i" = 1 ] || echo "rmmod after $((i - 1))00 ms"; return 0; }
		[ $((i % 10)) = 1 ] && nsim_flush_defer_lists
		sleep 0.1
	done
	echo "netdevsim refcnt $(cat /sys/module/netdevsim/refcnt 2>&1) after 30 s"
	nsim_holders_dump
	rmmod netdevsim
}

# ---- the kernel ----
check "guest runs the pinned kernel $kver" test "$(uname -r)" = "$kver"

case $only in
lease|kq) only_parts=("guest-netdevsim-$only.sh") ;;
netdevsim) only_parts=(guest-netdevsim.sh guest-netdevsim-steer.sh guest-netdevsim-mq.sh) ;;
bench) only_parts=(guest-bench.sh) ;;
*) only_parts=() ;;
esac
if [ ${#only_parts[@]} -gt 0 ]; then
	for part in "${only_parts[@]}"; do
		# shellcheck disable=SC1090
		. "$here/$part"
	done
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
fi

# ---- dmabuf exporters ----
check "udmabuf exporter present (/dev/udmabuf)" test -c /dev/udmabuf
check "system dma-heap present (/dev/dma_heap/system)" test -c /dev/dma_heap/system
load_vgem() {
	kmod vgem || return 1
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -c /dev/dri/card0 ] && return 0
		sleep 0.2
	done
	echo "vgem loaded but /dev/dri/card0 did not appear"
	return 1
}
check "vgem loads and exports /dev/dri/card0" load_vgem
ls -l /dev/dri 2>&1 | comment
# Huge pages for test_memfd_hugetlb.
echo 16 >/proc/sys/vm/nr_hugepages 2>/dev/null

must_run=(
	[test_udmabuf]=1 [test_udmabuf_over_limit]=1 [test_heap_system]=1
	[test_drm_card0]=1 [test_fd_import_across_processes]=1 [test_memfd_hugetlb]=1
)
run_tap test_dmabuf "$build/test/devmem/test_dmabuf"
must_run=()

# ---- rdma_rxe: ibv_reg_dmabuf_mr on each exporter ----
if [ -r "$here/guest-rxe.sh" ]; then
	# shellcheck source=guest-rxe.sh
	. "$here/guest-rxe.sh"
fi

# ---- netdevsim with memory providers (kernel-patches/) ----
if [ -r "$here/guest-netdevsim.sh" ]; then
	# shellcheck source=guest-netdevsim.sh
	. "$here/guest-netdevsim.sh"
fi
if [ -r "$here/guest-netdevsim-steer.sh" ]; then
	# shellcheck source=guest-netdevsim-steer.sh
	. "$here/guest-netdevsim-steer.sh"
fi
if [ -r "$here/guest-netdevsim-mq.sh" ]; then
	# shellcheck source=guest-netdevsim-mq.sh
	. "$here/guest-netdevsim-mq.sh"
fi

if [ -r "$here/guest-netdevsim-lease.sh" ]; then
	# shellcheck source=guest-netdevsim-lease.sh
	. "$here/guest-netdevsim-lease.sh"
fi
if [ -r "$here/guest-netdevsim-kq.sh" ]; then
	# shellcheck source=guest-netdevsim-kq.sh
	. "$here/guest-netdevsim-kq.sh"
fi

# ---- hsplit-bench --guest: the kernel's receive designs on the netdevsim pair ----
if [ -r "$here/guest-bench.sh" ]; then
	# shellcheck source=guest-bench.sh
	. "$here/guest-bench.sh"
fi

echo "1..$n"
[ "$failed" = 0 ]
