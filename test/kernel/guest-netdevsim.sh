# SPDX-License-Identifier: BSD-3-Clause
# Sourced by guest-tests.sh: the patched netdevsim (kernel-patches/) in
# place of the stock module (Debian's 7.2 has none), two ports linked as
# peers across two network namespaces, and devmem_rx's devmem TCP selftest
# on them. Uses pass/fail/skip/check/kmod/fold_tap from guest-tests.sh.

nsim_bytes=$((8 << 20))
nsim_port=5201

# Two netdevsim devices with one port and one queue each; prints the two
# interface names.
nsim_setup() {
	local a b
	kmod psample || return 1
	insmod "$netdevsim" || return 1
	grep -q O /sys/module/netdevsim/taint ||
		{ echo "the netdevsim loaded is not our out-of-tree build"; return 1; }
	echo "11 1 1" >/sys/bus/netdevsim/new_device || return 1
	echo "12 1 1" >/sys/bus/netdevsim/new_device || return 1
	udevadm settle 2>/dev/null || sleep 0.5
	a=$(ls /sys/bus/netdevsim/devices/netdevsim11/net/)
	b=$(ls /sys/bus/netdevsim/devices/netdevsim12/net/)
	[ -n "$a" ] && [ -n "$b" ] || { echo "netdevsim ports did not appear"; return 1; }
	ip netns add nsim-tx && ip netns add nsim-rx || return 1
	ip link set "$a" netns nsim-tx && ip link set "$b" netns nsim-rx || return 1
	ip -n nsim-tx addr add 192.168.77.1/24 dev "$a" &&
		ip -n nsim-rx addr add 192.168.77.2/24 dev "$b" || return 1
	ip -n nsim-tx link set "$a" up && ip -n nsim-rx link set "$b" up &&
		ip -n nsim-tx link set lo up && ip -n nsim-rx link set lo up || return 1
	nsim_link nsim-tx "$a" nsim-rx "$b" || return 1
	echo "$a $b" >/run/nsim-ifaces
}

# One transfer: devmem_rx <mode> receives in nsim-rx while the Linux TCP
# sender in nsim-tx sends nsim_bytes to <port>; both results become TAP.
nsim_transfer() {
	local mode=$1 name=$2 port=$3 what=$4 rxpid rxrc txrc t0 t1
	ip netns exec nsim-rx "$build/test/kernel/devmem_rx" "$mode" "$nsim_rx" 192.168.77.2 \
		"$port" "$nsim_bytes" >/run/${name}_rx.out 2>&1 &
	rxpid=$!
	t0=$(date +%s.%N)
	ip netns exec nsim-tx "$build/test/kernel/devmem_rx" send 192.168.77.2 "$port" \
		"$nsim_bytes" >/run/${name}_tx.out 2>&1
	txrc=$?
	wait $rxpid
	rxrc=$?
	t1=$(date +%s.%N)
	fold_tap "devmem_rx $mode" "$rxrc" </run/${name}_rx.out
	if [ $txrc = 0 ]; then
		pass "Linux TCP sender for $what sent $nsim_bytes bytes"
	else
		fail "Linux TCP sender for $what (exit $txrc)"
	fi
	sed 's/^/# sender: /' /run/${name}_tx.out
	awk -v a="$t0" -v b="$t1" -v n="$nsim_bytes" -v w="$what" \
		'BEGIN { printf "# %s took %.1f s (%.1f MB/s under TCG)\n", w, b - a, n / (b - a) / 1e6 }'
}

case $netdevsim in
'') skip "netdevsim devmem selftest" "no netdevsim module was passed (run-guest.sh builds it)" ;;
error:*) fail "netdevsim built from kernel-patches/ (${netdevsim#error:})" ;;
*)
	if ! out=$(nsim_setup 2>&1); then
		fail "patched netdevsim loads; two ports linked as peers across two netns"
		printf '%s\n' "$out" | comment
	else
		pass "patched netdevsim loads; two ports linked as peers across two netns"
		read -r nsim_tx nsim_rx </run/nsim-ifaces
		grep netdevsim /proc/modules | comment
		nsim_transfer recv devmem "$nsim_port" "the devmem selftest"
		# The same stream through io_uring zero-copy receive on the same queue.
		nsim_transfer zcrx zcrx $((nsim_port + 1)) "the zcrx run"
		ip -n nsim-rx -s link show "$nsim_rx" | comment
	fi
	;;
esac
