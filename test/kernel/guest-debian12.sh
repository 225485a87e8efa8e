#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The QEMU tier's second kernel: Debian 12's own (Linux 6.1), booted by
# run-guest.sh with HSPLIT_GUEST_KERNEL=debian12. It runs what behaves
# differently before Linux 6.13 and would otherwise go untested on a newer
# host: net_hsplit's kernel backends (test_backends), where an AF_XDP
# socket in native mode gets its veth queue's NAPI id, so busy_budget must
# busy-poll (6.13 stopped giving copy-mode sockets an id). Prints one TAP
# stream, as guest-tests.sh does.
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

echo "1..$n"
[ "$failed" = 0 ]
