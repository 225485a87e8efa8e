# SPDX-License-Identifier: BSD-3-Clause
# Sourced by guest-tests.sh after guest-netdevsim-mq.sh: the queue lease
# (/dev/netdevsim_lease, kernel-patches/netdevsim/). Two 2-queue ports
# linked across nsim-ltx / nsim-lrx and a 1-queue port in nsim-lrx; an
# ntuple rule on the receiver (patch 0008: the receiving port, not the
# sender's TX queue, picks the queue) steers TCP to port 5401 to queue 1,
# which lease_rx leases (it turns tcp-data-split on). lease_rx prints the cases, the last that no dma-buf page pool keeps
# buffers out; then dmesg must be clean and netdevsim must unload.
# Uses pass/fail/check/kmod/comment/fold_tap from guest-tests.sh.

lease_q=1
lease_port=5401

lease_setup() {
	local a b c ns
	kmod psample || return 1
	grep -q '^netdevsim ' /proc/modules || insmod "$netdevsim" || return 1
	for d in "15 1 2" "16 1 2" "17 1 1"; do
		echo "$d" >/sys/bus/netdevsim/new_device || return 1
	done
	udevadm settle 2>/dev/null || sleep 0.5
	a=$(ls /sys/bus/netdevsim/devices/netdevsim15/net/)
	b=$(ls /sys/bus/netdevsim/devices/netdevsim16/net/)
	c=$(ls /sys/bus/netdevsim/devices/netdevsim17/net/)
	[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] || { echo "netdevsim ports did not appear"; return 1; }
	ip netns add nsim-ltx && ip netns add nsim-lrx || return 1
	for ns in nsim-ltx nsim-lrx; do     # no IPv6 chatter on the leased queue
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	ip link set "$a" netns nsim-ltx && ip link set "$b" netns nsim-lrx &&
		ip link set "$c" netns nsim-lrx || return 1
	# addresses only so that the kernel's TCP takes frames the lease gave back
	ip -n nsim-ltx addr add 192.168.79.1/24 dev "$a" &&
		ip -n nsim-lrx addr add 192.168.79.2/24 dev "$b" || return 1
	ip -n nsim-ltx link set "$a" up && ip -n nsim-lrx link set "$b" up &&
		ip -n nsim-lrx link set "$c" up || return 1
	nsim_link nsim-ltx "$a" nsim-lrx "$b" || return 1
	nsim_steer nsim-lrx "$b" $lease_port $lease_q || return 1
	[ -c /dev/netdevsim_lease ] || { echo "/dev/netdevsim_lease did not appear"; return 1; }
	echo "$a $b $c" >/run/lease-ifaces
}

case $netdevsim in
''|error:*) ;;                  # guest-netdevsim.sh reported it
*)
	lease_dmesg0=$(($(dmesg | wc -l) + 1))
	if ! out=$(lease_setup 2>&1); then
		fail "lease: two 2-queue netdevsim ports and a 1-queue port, queue $lease_q steered"
		printf '%s\n' "$out" | comment
	else
		pass "lease: two 2-queue netdevsim ports and a 1-queue port, queue $lease_q steered"
		read -r lease_tx lease_rx lease_oneq </run/lease-ifaces
		lease_t0=$(date +%s)
		# ip netns exec hides /sys/kernel/debug (its own sysfs on /sys):
		# lease_rx reaches netdevsim's queue_reset through this mount.
		mkdir -p /run/lease-debugfs
		mountpoint -q /run/lease-debugfs || mount -t debugfs debugfs /run/lease-debugfs
		out=$(NSIM_DEBUGFS=/run/lease-debugfs ip netns exec nsim-lrx \
			"$build/test/kernel/lease_rx" "$lease_rx" $lease_q \
			$lease_port /run/netns/nsim-ltx "$lease_tx" "$lease_oneq" 2>&1)
		fold_tap "lease_rx" $? <<<"$out"
		echo "# lease_rx took $(($(date +%s) - lease_t0)) s"
		w=$(dmesg | tail -n +"$lease_dmesg0" | grep -E 'WARNING:|BUG:|Oops|page_pool.*stalled')
		if [ -z "$w" ]; then
			pass "lease: no WARNING, BUG or Oops in dmesg during the lease cases"
		else
			fail "lease: no WARNING, BUG or Oops in dmesg during the lease cases"
			printf '%s\n' "$w" | comment
		fi
	fi
	for d in 17 16 15; do echo $d >/sys/bus/netdevsim/del_device 2>/dev/null; done
	check "lease: rmmod netdevsim once the lease files are closed" nsim_rmmod
	;;
esac
