# SPDX-License-Identifier: BSD-3-Clause
# Sourced by guest-tests.sh after guest-netdevsim-lease.sh (or alone with
# --only kq): net_hsplit's backend=kq on a leased netdevsim queue. Two
# 2-queue ports linked across nsim-kqtx / nsim-kqrx; an ntuple rule on the
# receiver steers TCP to port 5501 to queue 1. hsplit-rx (backend kq, its own
# udmabuf, strict, --verify through the device view) receives 64 MiB from
# the kernel's TCP in nsim-kqtx, once with TSO on and once with it off; then
# the queue is the kernel's again and a kernel listener receives through it.
# Uses pass/fail/check/kmod/comment from guest-tests.sh.

kq_q=1
kq_port=5501
kq_rx_ip=192.168.81.2
kq_bytes=$((64 << 20))

kq_setup() {
	local a b ns
	kmod psample || return 1
	grep -q '^netdevsim ' /proc/modules || insmod "$netdevsim" || return 1
	echo "25 1 2" >/sys/bus/netdevsim/new_device && echo "26 1 2" >/sys/bus/netdevsim/new_device ||
		return 1
	udevadm settle 2>/dev/null || sleep 0.5
	a=$(ls /sys/bus/netdevsim/devices/netdevsim25/net/)
	b=$(ls /sys/bus/netdevsim/devices/netdevsim26/net/)
	[ -n "$a" ] && [ -n "$b" ] || { echo "netdevsim ports did not appear"; return 1; }
	ip netns add nsim-kqtx && ip netns add nsim-kqrx || return 1
	for ns in nsim-kqtx nsim-kqrx; do     # no IPv6 chatter on the leased queue
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	ip link set "$a" netns nsim-kqtx && ip link set "$b" netns nsim-kqrx || return 1
	ip -n nsim-kqtx addr add 192.168.81.1/24 dev "$a" &&
		ip -n nsim-kqrx addr add $kq_rx_ip/24 dev "$b" || return 1
	ip -n nsim-kqtx link set "$a" up && ip -n nsim-kqrx link set "$b" up || return 1
	nsim_link nsim-kqtx "$a" nsim-kqrx "$b" || return 1
	nsim_steer nsim-kqrx "$b" $kq_port $kq_q || return 1
	[ -c /dev/netdevsim_lease ] || { echo "/dev/netdevsim_lease did not appear"; return 1; }
	# No help for the lease's checksums: the sender keeps TX checksum offload
	# on, so every frame arrives CHECKSUM_PARTIAL; the lease completes the
	# checksum of frames it hands over whole (SYN, FIN, pure ACKs) and gives
	# its verdict for the frames it splits.
	echo "$a $b" >/run/kq-ifaces
}

# A JSON field of hsplit-rx's report (numbers and booleans only).
kq_field() { # file, name
	grep -o "\"$2\": *[a-z0-9.]*" "$1" | head -n 1 | sed 's/.*: *//'
}

# What the kernel saw, when a transfer failed.
kq_diagnose() {
	{
		echo "receiver $kq_rx:"
		ip netns exec nsim-kqrx ethtool -S "$kq_rx" 2>&1 | grep -v ': 0$'
		ip netns exec nsim-kqrx nstat -az 2>&1 | grep -E 'TcpIn|TcpOutRst|TcpExtListen|IpInRec' |
			grep -v ' 0 '
		echo "sender $kq_tx:"
		ip netns exec nsim-kqtx ethtool -S "$kq_tx" 2>&1 | grep -v ': 0$'
		ip netns exec nsim-kqtx nstat -az 2>&1 | grep -E 'TcpOut|TcpRetrans|TcpIn|TcpAttempt' |
			grep -v ' 0 '
		ip -n nsim-kqtx neigh
	} | comment
}

# hsplit-rx on the leased queue, the kernel's TCP sending 64 MiB; tso on|off.
kq_receive() {
	local tso=$1 log=/run/kq-hrx-$1.json err=/run/kq-hrx-$1.err pid i rc sent
	# read back: an "off" case that ran with TSO on would repeat the "on" case
	check "kq: the sender's TSO is $tso" bash -c "ip netns exec nsim-kqtx ethtool -K $kq_tx tso $tso &&
		ip netns exec nsim-kqtx ethtool -k $kq_tx | grep -x 'tcp-segmentation-offload: $tso'"
	ip netns exec nsim-kqrx "$build/app/hsplit-rx" --no-huge -m 512 --no-pci -l 0 \
		--file-prefix "hsplit-kq-$tso" -- --listen $kq_rx_ip:$kq_port --backend kq \
		--iface "$kq_rx" --queue $kq_q --dmabuf udmabuf:size=16M --chunk 4K --verify \
		--conns 1 --seconds 900 --interval 5 --json >"$log" 2>"$err" &
	pid=$!
	for i in $(seq 1 600); do
		grep -q 'listening on' "$err" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q 'listening on' "$err"; then
		wait $pid
		fail "kq tso $tso: hsplit-rx --backend kq starts on $kq_rx queue $kq_q"
		comment <"$err"
		return
	fi
	pass "kq tso $tso: hsplit-rx --backend kq starts on $kq_rx queue $kq_q"
	grep -E 'backend=kq|listening on' "$err" | comment
	sent=$(ip netns exec nsim-kqtx python3 "$build/../tools/hsplit_tools/pattern_send.py" \
		$kq_rx_ip $kq_port --bytes $kq_bytes --timeout 120 2>&1)
	# hsplit-rx ends with the connection; if the sender gave up, stop it (SIGINT: its report)
	for i in $(seq 1 600); do
		kill -0 $pid 2>/dev/null || break
		[ "$i" = 300 ] && kill -INT $pid
		sleep 0.1
	done
	kill -0 $pid 2>/dev/null && kill -KILL $pid
	wait $pid
	rc=$?
	printf '%s\n' "$sent" | comment
	if grep -q '"fin": *true' <<<"$sent" && [ "$rc" = 0 ] &&
	   [ "$(kq_field "$log" bytes_verified)" = "$kq_bytes" ] &&
	   [ "$(kq_field "$log" verify_errors)" = 0 ] &&
	   [ "$(kq_field "$log" teardown_clean)" = true ]; then
		pass "kq tso $tso: 64 MiB from the kernel's TCP through the leased queue, every byte" \
			"verified through the device view (strict udmabuf), clean teardown"
	else
		fail "kq tso $tso: 64 MiB from the kernel's TCP through the leased queue, every byte" \
			"verified through the device view (strict udmabuf), clean teardown (exit $rc)"
		tail -n 20 "$err" | comment
		kq_diagnose
	fi
	grep -o '"backend_kq_[a-z_0-9]*": *[0-9]*\|"rx_q0_presplit_[a-z_]*": *[0-9]*' "$log" |
		tr '\n' ' ' | comment
	echo | comment
	grep -o '"elapsed_seconds": *[0-9.]*\|"gbps": *[0-9.]*\|"csum_bad": *[0-9]*' "$log" |
		tr '\n' ' ' | comment
	echo | comment
}

# hsplit-rx refused at probe or start, with the driver's message; args: what, message, hsplit-rx options.
kq_refused() {
	local what=$1 want=$2 out rc
	shift 2
	out=$(ip netns exec nsim-kqrx "$build/app/hsplit-rx" --no-huge -m 256 --no-pci -l 0 \
		--file-prefix hsplit-kq-refused -- --listen $kq_rx_ip:$kq_port --backend kq \
		--iface "$kq_rx" --dmabuf udmabuf:size=4M --seconds 20 --interval 0 "$@" 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && grep -qF -- "$want" <<<"$out"; then
		pass "kq refused: $what (exit $rc)"
	else
		fail "kq refused: $what (exit $rc)"
		printf '%s\n' "$out" | tail -n 8 | comment
	fi
	grep -F -- "$want" <<<"$out" | head -n 1 | comment
}

kq_refusals() {
	kq_refused "a binding of 8 KiB chunks (the kernel's buffers are pages)" \
		"the binding's chunk size is 8192; the kernel's payload buffers are 4096 bytes" \
		--queue $kq_q --chunk 8K
	kq_refused "a queue the port does not have (bind-rx: EINVAL)" \
		"netdev bind-rx of the dma-buf to queue 7" --queue 7
	kq_refused "a refill ring smaller than the dma-buf's 1024 buffers (a token could be lost)" \
		"rq_size=512 is smaller than the dma-buf's 1024 payload buffers" \
		--queue $kq_q --devargs rq_size=512
	ip -n nsim-kqrx link set dev "$kq_rx" mtu 4000
	kq_refused "an MTU larger than a header slot" \
		"the MTU of $kq_rx (4000) does not fit a 2048-byte header slot" --queue $kq_q
	ip -n nsim-kqrx link set dev "$kq_rx" mtu 1500
}

# Given back: the kernel's own TCP listener receives through queue 1 again.
kq_kernel_again() {
	local got sent
	ip netns exec nsim-kqrx python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(120)
c, _ = s.accept(); c.settimeout(120); n = bad = 0
while True:
    d = c.recv(65536)
    if not d: break
    bad += sum(1 for i, x in enumerate(d) if x != (n + i) % 251); n += len(d)
c.close(); print(n, bad)' $kq_rx_ip $kq_port >/run/kq-kernel.out 2>&1 &
	local pid=$! q0 q1
	sleep 1
	q0=$(ip netns exec nsim-kqrx ethtool -S "$kq_rx" 2>/dev/null | grep -i "rx.*$kq_q.*packets\|rx-$kq_q" | head -n 1)
	sent=$(ip netns exec nsim-kqtx python3 "$build/../tools/hsplit_tools/pattern_send.py" \
		$kq_rx_ip $kq_port --bytes 8M --timeout 120 2>&1)
	wait $pid
	got=$(cat /run/kq-kernel.out)
	q1=$(ip netns exec nsim-kqrx ethtool -S "$kq_rx" 2>/dev/null | grep -i "rx.*$kq_q.*packets\|rx-$kq_q" | head -n 1)
	if [ "$got" = "$((8 << 20)) 0" ]; then
		pass "kq: the queue given back, a kernel listener on port $kq_port receives 8 MiB" \
			"through it again, pattern intact"
	else
		fail "kq: the queue given back, a kernel listener on port $kq_port receives 8 MiB" \
			"through it again, pattern intact (got: $got)"
		printf '%s\n' "$sent" | comment
	fi
	[ -n "$q0$q1" ] && echo "queue $kq_q counter before: $q0; after: $q1" | comment
}

case $netdevsim in
''|error:*) ;;                  # guest-netdevsim.sh reported it
*)
	kq_dmesg0=$(($(dmesg | wc -l) + 1))
	if ! out=$(kq_setup 2>&1); then
		fail "kq: two 2-queue netdevsim ports, TCP to $kq_port steered to queue $kq_q"
		printf '%s\n' "$out" | comment
	else
		pass "kq: two 2-queue netdevsim ports, TCP to $kq_port steered to queue $kq_q"
		read -r kq_tx kq_rx </run/kq-ifaces
		kq_t0=$(date +%s)
		kq_refusals
		kq_receive on
		kq_receive off
		kq_kernel_again
		echo "# backend=kq cases took $(($(date +%s) - kq_t0)) s"
		w=$(dmesg | tail -n +"$kq_dmesg0" | grep -E 'WARNING:|BUG:|Oops|page_pool.*stalled')
		if [ -z "$w" ]; then
			pass "kq: no WARNING, BUG or Oops in dmesg during the backend=kq cases"
		else
			fail "kq: no WARNING, BUG or Oops in dmesg during the backend=kq cases"
			printf '%s\n' "$w" | comment
		fi
	fi
	ip netns del nsim-kqtx 2>/dev/null
	ip netns del nsim-kqrx 2>/dev/null
	for d in 26 25; do echo $d >/sys/bus/netdevsim/del_device 2>/dev/null; done
	check "kq: rmmod netdevsim after the backend=kq cases" nsim_rmmod
	;;
esac
