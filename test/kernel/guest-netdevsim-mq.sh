# SPDX-License-Identifier: BSD-3-Clause
# Sourced by guest-tests.sh after guest-netdevsim.sh: the patched netdevsim
# with four queues per port. The sender's flows are steered to a receive
# queue by an ntuple rule on the receiving port (ethtool -N, patch 0008);
# one queue is bound to a udmabuf. Cases: steering to the bound queue and to another one,
# CHECKSUM_NONE frames (tx checksum offload off, AF_PACKET), a corrupted
# checksum, queue resets in every netdevsim mode, ifdown and del_device
# while bound, then a clean rmmod. Uses pass/fail/check/kmod/fold_tap.

mq_bound=2                      # the queue bound to the udmabuf
mq_other=1                      # an unbound queue
mq_bytes=$((8 << 20))
mq_rx_ip=192.168.78.2
mq_dfs=/sys/kernel/debug/netdevsim/netdevsim14/ports/0
mq_ksrc=$(cd "$(dirname "$netdevsim")/../.." 2>/dev/null && pwd)/src/linux-source-7.2
mq_probe=$here/nsim_probe.py
mq_devmem=$build/test/kernel/devmem_rx

# Two 4-queue ports linked across nsim-mtx / nsim-mrx.
mq_setup() {
	local a b
	echo "13 1 4" >/sys/bus/netdevsim/new_device || return 1
	echo "14 1 4" >/sys/bus/netdevsim/new_device || return 1
	udevadm settle 2>/dev/null || sleep 0.5
	a=$(ls /sys/bus/netdevsim/devices/netdevsim13/net/)
	b=$(ls /sys/bus/netdevsim/devices/netdevsim14/net/)
	[ -n "$a" ] && [ -n "$b" ] || { echo "netdevsim ports did not appear"; return 1; }
	ip netns add nsim-mtx && ip netns add nsim-mrx || return 1
	ip link set "$a" netns nsim-mtx && ip link set "$b" netns nsim-mrx || return 1
	ip -n nsim-mtx addr add 192.168.78.1/24 dev "$a" &&
		ip -n nsim-mrx addr add $mq_rx_ip/24 dev "$b" || return 1
	ip -n nsim-mtx link set "$a" up && ip -n nsim-mrx link set "$b" up &&
		ip -n nsim-mtx link set lo up && ip -n nsim-mrx link set lo up || return 1
	nsim_link nsim-mtx "$a" nsim-mrx "$b" || return 1
	echo "$a $b" >/run/mq-ifaces
}

# steer PORT QUEUE: TCP/IPv4 frames to PORT (streams and AF_PACKET frames
# alike) arrive on the receiver's RX queue QUEUE. Judged by ethtool's
# message, not its status (nsim_steer): ethtool 6.1 exits 0 on a refusal.
steer() {
	nsim_steer nsim-mrx "$mq_rx" "$1" "$2"
}

# mq_listen NAME PORT BYTES WHERE: start devmem_rx stream on the bound queue
# in the background and wait until it is bound and listening.
mq_listen() {
	local name=$1 port=$2 bytes=$3 where=$4 i
	ip netns exec nsim-mrx "$mq_devmem" stream "$mq_rx" $mq_rx_ip "$port" "$bytes" \
		$mq_bound "$where" >/run/mq_${name}_rx.out 2>&1 &
	mq_rxpid=$!
	for i in $(seq 100); do
		grep -q '^# listening' /run/mq_${name}_rx.out 2>/dev/null && return 0
		kill -0 $mq_rxpid 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

mq_send_bg() { # name, port, bytes
	ip netns exec nsim-mtx "$mq_devmem" send $mq_rx_ip "$2" "$3" >/run/mq_${1}_tx.out 2>&1 &
	mq_txpid=$!
}

# mq_finish NAME WHAT: wait for both ends, fold the receiver's TAP.
# A stream that stalls is killed after 180 s and fails its case, so one
# stuck flow cannot hold the whole tier until QEMU's timeout.
mq_finish() {
	local name=$1 what=$2 rxrc txrc i
	for i in $(seq 1800); do
		kill -0 $mq_rxpid 2>/dev/null || kill -0 $mq_txpid 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 $mq_rxpid 2>/dev/null || kill -0 $mq_txpid 2>/dev/null; then
		fail "devmem_rx stream ($what): still running after 180 s, killed"
		kill $mq_txpid $mq_rxpid 2>/dev/null
	fi
	wait $mq_txpid
	txrc=$?
	wait $mq_rxpid
	rxrc=$?
	fold_tap "devmem_rx stream ($what)" "$rxrc" </run/mq_${name}_rx.out
	[ $txrc = 0 ] || { fail "sender for $what (exit $txrc)"; comment </run/mq_${name}_tx.out; }
}

# mq_stream NAME PORT QUEUE WHERE WHAT: steer PORT to QUEUE, one stream.
mq_stream() {
	steer "$2" "$3" || { fail "$5: ntuple rule steering port $2 to queue $3"; return; }
	if ! mq_listen "$1" "$2" $mq_bytes "$4"; then
		fail "$5: devmem_rx stream did not start listening"
		comment </run/mq_${1}_rx.out
		kill $mq_rxpid 2>/dev/null; wait $mq_rxpid 2>/dev/null
		return
	fi
	mq_send_bg "$1" "$2" $mq_bytes
	mq_finish "$1" "$5"
}

# pace_sender on|off: a token bucket (80 Mbit/s) on the sender's port for
# the two mid-stream cases. Unpaced, a quiet host moved the whole stream
# in less time than the few `ip netns exec` samples below take under TCG,
# so the receiver had finished before the event "mid-stream" happened.
pace_sender() {
	if [ "$1" = on ]; then
		kmod sch_tbf &&
			ip netns exec nsim-mtx tc qdisc replace dev "$mq_tx" root tbf \
				rate 80mbit burst 256kb latency 200ms
	else
		ip netns exec nsim-mtx tc qdisc del dev "$mq_tx" root 2>/dev/null || true
	fi
}

# wait_mid_stream WHAT: wait until 2 MiB more have reached the receiving
# port, then pass only if the receiver is still reading (the event that
# follows really happens mid-stream; the sender may already have handed
# everything to its socket and exited).
wait_mid_stream() {
	local f=/sys/class/net/$mq_rx/statistics/rx_bytes b0 b i
	b0=$(ip netns exec nsim-mrx cat "$f")
	for i in $(seq 600); do
		b=$(ip netns exec nsim-mrx cat "$f")
		[ $((b - b0)) -ge $((2 << 20)) ] && break
		sleep 0.1
	done
	if kill -0 "$mq_rxpid" 2>/dev/null && [ $((b - b0)) -ge $((2 << 20)) ]; then
		pass "$1: receiver still mid-stream after $((b - b0)) bytes arrived"
	else
		fail "$1: not mid-stream ($((b - b0)) bytes arrived, receiver done or stuck)"
	fi
}

qstat() { ip netns exec nsim-mrx python3 "$mq_probe" qstat "$mq_ksrc" "$mq_rx" "$1"; }
qfield() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
csum_errors() {
	ip netns exec nsim-mrx awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["InCsumErrors"] }' /proc/net/snmp
}

# The checksum cases: frames injected with AF_PACKET (CHECKSUM_NONE) while
# the queue is bound: a good one is verified and split, a bad one is
# flagged, delivered readable and counted by TCP (no WARN, no stall).
mq_csum_inject() {
	local mac q0 q1 e0 e1 port=5399
	mac=$(ip netns exec nsim-mrx cat /sys/class/net/"$mq_rx"/address)
	steer $port $mq_bound || { fail "ntuple rule steering port $port"; return; }
	q0=$(qstat $mq_bound) e0=$(csum_errors)
	ip netns exec nsim-mtx python3 "$mq_probe" inject "$mq_tx" "$mac" 192.168.78.1 \
		$mq_rx_ip $port bad | comment
	ip netns exec nsim-mtx python3 "$mq_probe" inject "$mq_tx" "$mac" 192.168.78.1 \
		$mq_rx_ip $port good | comment
	sleep 0.5
	q1=$(qstat $mq_bound) e1=$(csum_errors)
	echo "# queue $mq_bound before: $q0; after: $q1; TcpInCsumErrors $e0 -> $e1"
	check "corrupted checksum (AF_PACKET, CHECKSUM_NONE) flagged by the device: rx-csum-bad +1" \
		test "$(( $(qfield csum-bad <<<"$q1") - $(qfield csum-bad <<<"$q0") ))" = 1
	check "corrupted checksum delivered readable and counted by TCP: TcpInCsumErrors +1" \
		test "$((e1 - e0))" = 1
	check "good checksum (AF_PACKET, CHECKSUM_NONE) verified and split: rx-csum-unnecessary +1" \
		test "$(( $(qfield csum-unnecessary <<<"$q1") - \
			$(qfield csum-unnecessary <<<"$q0") ))" = 1
}

# Queue resets (netdevsim's debugfs queue_reset, modes 0-3) of the bound
# queue while bound, then the stream must still land in the dmabuf.
mq_qreset() {
	local m port=5305
	steer $port $mq_bound || { fail "ntuple rule steering port $port"; return; }
	mq_listen qreset $port $mq_bytes dmabuf || { fail "qreset: receiver did not start"; return; }
	for m in 0 1 2 3; do
		if echo "$mq_bound $m" >"$mq_dfs/queue_reset"; then
			pass "queue reset of bound queue $mq_bound in mode $m"
		else
			fail "queue reset of bound queue $mq_bound in mode $m"
		fi
	done
	mq_send_bg qreset $port $mq_bytes
	mq_finish qreset "after queue resets"
}

# ifdown / ifup of the receiving port in the middle of a bound stream.
mq_ifdown() {
	local port=5306
	steer $port $mq_bound || { fail "ntuple rule steering port $port"; return; }
	mq_listen ifdown $port $((3 * mq_bytes)) dmabuf ||
		{ fail "ifdown: receiver did not start"; return; }
	pace_sender on || comment <<<"no tbf: the ifdown case runs unpaced"
	mq_send_bg ifdown $port $((3 * mq_bytes))
	wait_mid_stream "ifdown"
	check "ifdown of the receiving port mid-stream while bound" \
		ip -n nsim-mrx link set "$mq_rx" down
	sleep 0.3
	check "ifup again" ip -n nsim-mrx link set "$mq_rx" up
	mq_finish ifdown "across ifdown/ifup"
	pace_sender off
}

# del_device of the receiving port in the middle of a bound stream: the
# device goes away without hanging, the receiver's process then exits.
mq_del_device() {
	local port=5307 rc
	steer $port $mq_bound || { fail "ntuple rule steering port $port"; return; }
	mq_listen deldev $port $((8 * mq_bytes)) any ||
		{ fail "del_device: receiver did not start"; return; }
	pace_sender on || comment <<<"no tbf: the del_device case runs unpaced"
	mq_send_bg deldev $port $((8 * mq_bytes))
	wait_mid_stream "del_device"
	timeout 30 sh -c 'echo 14 >/sys/bus/netdevsim/del_device'
	rc=$?
	if [ $rc = 0 ]; then
		pass "del_device of the receiving port mid-stream while bound returns"
	else
		fail "del_device of the receiving port mid-stream while bound (exit $rc)"
	fi
	# The receiver's binding outlives the device and still maps the
	# dma-buf through it: that mapping keeps netdevsim loaded (patch 1).
	if kill -0 $mq_rxpid 2>/dev/null; then
		if out=$(rmmod netdevsim 2>&1); then
			fail "rmmod refused while the deleted device's binding still maps the dma-buf"
		elif [[ $out == *"is in use"* ]]; then
			pass "rmmod refused while the deleted device's binding still maps the dma-buf"
		else
			fail "rmmod refused as in use while the deleted device's binding maps the dma-buf: $out"
		fi
	else
		fail "receiver still holding its binding after del_device (it had exited)"
	fi
	kill $mq_txpid $mq_rxpid 2>/dev/null
	wait $mq_txpid 2>/dev/null
	wait $mq_rxpid 2>/dev/null
	sed 's/^/# receiver: /' /run/mq_deldev_rx.out | grep -v '^# receiver: \(ok\|not ok\|1\.\.\)'
	pace_sender off
}

# The part's last rmmod. A page pool its device left behind with buffers
# in flight (detach-time set, inflight > 0) is named in the failure: with
# the defer lists flushed (nsim_rmmod), nothing may hold one any more.
mq_final_rmmod() {
	local name="rmmod netdevsim after every device is gone (no page pool left behind)"
	local out orphans
	if out=$(nsim_rmmod 2>&1); then
		pass "$name"
	else
		fail "$name"
		orphans=$(nsim_orphaned_pools)
		[ -n "$orphans" ] && printf '%s\n' "$orphans" | comment
	fi
	[ -n "$out" ] && printf '%s\n' "$out" | comment
}

mq_warnings() {
	dmesg | tail -n +"$mq_dmesg0" | grep -E 'WARNING:|BUG:|Oops|page_pool.*stalled' || true
}

case $netdevsim in
''|error:*) ;;                  # guest-netdevsim.sh reported it
*)
	mq_dmesg0=1             # since boot: both netdevsim parts
	if ! out=$(mq_setup 2>&1); then
		fail "two 4-queue netdevsim ports linked across two netns"
		printf '%s\n' "$out" | comment
	else
		pass "two 4-queue netdevsim ports linked across two netns"
		read -r mq_tx mq_rx </run/mq-ifaces
		mq_stream steered 5301 $mq_bound dmabuf "flow steered to bound queue $mq_bound"
		mq_stream other 5302 $mq_other linear "flow steered to unbound queue $mq_other"
		check "sender's tx checksum offload off (ethtool -K tx off)" \
			ip netns exec nsim-mtx ethtool -K "$mq_tx" tx off
		mq_stream csumnone 5303 $mq_bound dmabuf "CHECKSUM_NONE stream (tx offload off)"
		ip netns exec nsim-mtx ethtool -K "$mq_tx" tx on 2>&1 | comment
		if steer 5304 $mq_bound && mq_listen inject 5304 $mq_bytes dmabuf; then
			mq_csum_inject
			mq_send_bg inject 5304 $mq_bytes
			mq_finish inject "stream after the injected frames"
		else
			fail "checksum cases: receiver bound to queue $mq_bound did not start"
		fi
		mq_qreset
		mq_ifdown
		mq_del_device
		w=$(mq_warnings)
		if [ -z "$w" ]; then
			pass "no WARNING, BUG or Oops in dmesg since boot (every netdevsim case)"
		else
			fail "no WARNING, BUG or Oops in dmesg since boot (every netdevsim case)"
			printf '%s\n' "$w" | comment
		fi
		for d in 13 12 11; do echo $d >/sys/bus/netdevsim/del_device 2>/dev/null; done
		mq_final_rmmod
	fi
	;;
esac
