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
	local a b fa fb ia ib
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
	ia=$(ip netns exec nsim-tx cat /sys/class/net/"$a"/ifindex)
	ib=$(ip netns exec nsim-rx cat /sys/class/net/"$b"/ifindex)
	exec {fa}</run/netns/nsim-tx {fb}</run/netns/nsim-rx
	echo "$fa:$ia $fb:$ib" >/sys/bus/netdevsim/link_device || return 1
	exec {fa}<&- {fb}<&-
	echo "$a $b" >/run/nsim-ifaces
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
		ip netns exec nsim-rx "$build/test/kernel/devmem_rx" recv "$nsim_rx" 192.168.77.2 \
			"$nsim_port" "$nsim_bytes" >/run/devmem_rx.out 2>&1 &
		rxpid=$!
		t0=$(date +%s.%N)
		ip netns exec nsim-tx "$build/test/kernel/devmem_rx" send 192.168.77.2 "$nsim_port" \
			"$nsim_bytes" >/run/devmem_tx.out 2>&1
		txrc=$?
		wait $rxpid
		rxrc=$?
		t1=$(date +%s.%N)
		fold_tap devmem_rx "$rxrc" </run/devmem_rx.out
		if [ $txrc = 0 ]; then
			pass "Linux TCP sender in the other netns sent $nsim_bytes bytes"
		else
			fail "Linux TCP sender in the other netns (exit $txrc)"
		fi
		sed 's/^/# sender: /' /run/devmem_tx.out
		awk -v a="$t0" -v b="$t1" -v n="$nsim_bytes" \
			'BEGIN { printf "# devmem selftest took %.1f s (%.1f MB/s under TCG)\n", b - a, n / (b - a) / 1e6 }'
		# The same stream through io_uring zero-copy receive on the same queue.
		ip netns exec nsim-rx "$build/test/kernel/devmem_rx" zcrx "$nsim_rx" 192.168.77.2 \
			$((nsim_port + 1)) "$nsim_bytes" >/run/zcrx_rx.out 2>&1 &
		rxpid=$!
		t0=$(date +%s.%N)
		ip netns exec nsim-tx "$build/test/kernel/devmem_rx" send 192.168.77.2 \
			$((nsim_port + 1)) "$nsim_bytes" >/run/zcrx_tx.out 2>&1
		txrc=$?
		wait $rxpid
		rxrc=$?
		t1=$(date +%s.%N)
		fold_tap zcrx "$rxrc" </run/zcrx_rx.out
		if [ $txrc = 0 ]; then
			pass "Linux TCP sender for the zcrx run sent $nsim_bytes bytes"
		else
			fail "Linux TCP sender for the zcrx run (exit $txrc)"
		fi
		sed 's/^/# sender: /' /run/zcrx_tx.out
		awk -v a="$t0" -v b="$t1" -v n="$nsim_bytes" \
			'BEGIN { printf "# zcrx selftest took %.1f s (%.1f MB/s under TCG)\n", b - a, n / (b - a) / 1e6 }'
		ip -n nsim-rx -s link show "$nsim_rx" | comment
	fi
	;;
esac
