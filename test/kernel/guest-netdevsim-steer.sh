# SPDX-License-Identifier: BSD-3-Clause
# Sourced by guest-tests.sh after guest-netdevsim.sh: receive steering in the
# patched netdevsim (kernel-patches/netdevsim/ 0007-0008). Two 4-queue ports
# across nsim-stx / nsim-srx, IPv6 off and static neighbours, so that every
# frame the receiver gets is one the case sent. Cases: ethtool -N rules
# steering a TCP flow to one queue (only that queue's qstats grow), the
# flow back on the queue RSS predicts once the rule is gone, RSS spreading
# 64 flows exactly as a Toeplitz hash in Python over ethtool -x's key and
# table predicts (default table, then a zero weight), drop rules, every
# refusal with its errno, rules across ifdown/ifup and channel changes,
# del_device with rules installed. Uses pass/fail/check/comment.

st_rx_ip=192.168.79.2
st_tx_ip=192.168.79.1
st_ksrc=$(cd "$(dirname "$netdevsim")/../.." 2>/dev/null && pwd)/src/linux-source-7.2
st_probe=$here/nsim_probe.py

st_setup() {
	local a b
	echo "15 1 4" >/sys/bus/netdevsim/new_device || return 1
	echo "16 1 4" >/sys/bus/netdevsim/new_device || return 1
	udevadm settle 2>/dev/null || sleep 0.5
	a=$(ls /sys/bus/netdevsim/devices/netdevsim15/net/)
	b=$(ls /sys/bus/netdevsim/devices/netdevsim16/net/)
	[ -n "$a" ] && [ -n "$b" ] || { echo "netdevsim ports did not appear"; return 1; }
	ip netns add nsim-stx && ip netns add nsim-srx || return 1
	ip link set "$a" netns nsim-stx && ip link set "$b" netns nsim-srx || return 1
	ip netns exec nsim-stx sysctl -qw net.ipv6.conf."$a".disable_ipv6=1 &&
		ip netns exec nsim-srx sysctl -qw net.ipv6.conf."$b".disable_ipv6=1 || return 1
	ip -n nsim-stx addr add $st_tx_ip/24 dev "$a" &&
		ip -n nsim-srx addr add $st_rx_ip/24 dev "$b" || return 1
	ip -n nsim-stx link set "$a" up && ip -n nsim-srx link set "$b" up &&
		ip -n nsim-stx link set lo up && ip -n nsim-srx link set lo up || return 1
	nsim_link nsim-stx "$a" nsim-srx "$b" || return 1
	echo "$a $b" >/run/st-ifaces
	st_tx=$a st_rx=$b st_neigh
}

# Static neighbours both ways, so that no ARP frame lands on a queue.
st_neigh() {
	ip -n nsim-stx neigh replace $st_rx_ip dev "$st_tx" nud permanent lladdr \
		"$(ip netns exec nsim-srx cat /sys/class/net/"$st_rx"/address)" &&
		ip -n nsim-srx neigh replace $st_tx_ip dev "$st_rx" nud permanent lladdr \
		"$(ip netns exec nsim-stx cat /sys/class/net/"$st_tx"/address)"
}

st_rx_ethtool() { ip netns exec nsim-srx ethtool "$@"; }
# Per-queue RX packets of the receiving port, "q0 q1 q2 q3", from ethtool -S
# (rx-N.packets; the netdev qstats hold the same counters, checked once).
st_qpackets() {
	ip netns exec nsim-srx ethtool -S "$st_rx" |
		awk -F': *' '/rx-[0-9]+\.packets/ { printf "%s%s", sep, $2; sep = " " } END { print "" }'
}
st_qdelta() { # before after -> per-queue differences
	local -a b=($1) a=($2)
	local i out=()
	for i in "${!a[@]}"; do out+=($((a[i] - b[i]))); done
	echo "${out[*]}"
}
# st_has TEXT LINE...: every LINE occurs in TEXT.
st_has() {
	local text=$1 l
	shift
	for l in "$@"; do
		grep -qF -- "$l" <<<"$text" || { echo "missing: $l"; return 1; }
	done
}
st_rx_dropped() { ip netns exec nsim-srx cat /sys/class/net/"$st_rx"/statistics/rx_dropped; }

# st_refused WHAT ERRNO_TEXT ethtool-args...: ethtool reports the errno's
# text. (ethtool 6.1 exits 0 when the kernel refuses an ntuple rule, so
# the message is what tells.)
st_refused() {
	local what=$1 want=$2 out
	shift 2
	out=$(st_rx_ethtool "$@" 2>&1)
	if grep -q "$want" <<<"$out"; then
		pass "$what refused: $want"
	else
		fail "$what refused with '$want'"
	fi
	printf '%s\n' "$out" | comment
}

# st_flow NAME PORT SPORT: one 1 MiB TCP stream from SPORT to PORT; sets
# st_d to the per-queue packet deltas of the receiving port.
st_flow() {
	local name=$1 port=$2 sport=$3 q0 q1 pid i
	q0=$(st_qpackets)
	timeout 400 ip netns exec nsim-srx python3 "$st_probe" sink $st_rx_ip "$port" \
		>/run/st_"$name".out 2>&1 &
	pid=$!
	for i in $(seq 100); do
		grep -q '^# listening' /run/st_"$name".out 2>/dev/null && break
		sleep 0.1
	done
	timeout 300 ip netns exec nsim-stx python3 "$st_probe" send $st_rx_ip "$port" $((1 << 20)) "$sport" \
		>/run/st_"$name"_tx.out 2>&1 || comment </run/st_"$name"_tx.out
	wait $pid
	sleep 0.2
	q1=$(st_qpackets)
	echo "# $name: sink received $(tail -n1 /run/st_"$name".out) bytes;" \
		"per-queue packets $q0 -> $q1"
	st_d=$(st_qdelta "$q0" "$q1")
}

# only_queue DELTAS Q: Q grew, every other queue did not.
only_queue() {
	local -a d=($1)
	local i
	[ "${d[$2]}" -gt 0 ] || return 1
	for i in "${!d[@]}"; do
		[ "$i" = "$2" ] || [ "${d[$i]}" = 0 ] || return 1
	done
}

st_spray() { # dport sport0 count
	local mac
	mac=$(ip netns exec nsim-srx cat /sys/class/net/"$st_rx"/address)
	timeout 300 ip netns exec nsim-stx python3 "$st_probe" spray "$st_tx" "$mac" $st_tx_ip \
		$st_rx_ip "$1" "$2" "$3" 2>&1 | comment
	sleep 0.3
}

# st_rss_case WHAT: 64 flows sprayed land exactly where the Toeplitz hash
# over ethtool -x's key and table puts them.
st_rss_case() {
	local what=$1 want got
	want=$(st_rx_ethtool -x "$st_rx" | python3 "$st_probe" rss $st_tx_ip $st_rx_ip 5400 20000 64)
	st_q0=$(st_qpackets)
	st_spray 5400 20000 64
	st_q1=$(st_qpackets)
	got=$(st_qdelta "$st_q0" "$st_q1")
	echo "# $what: predicted per queue: $want; received: $got"
	check "$what: 64 flows land on the queues the Toeplitz hash predicts" test "$got" = "$want"
}

st_cases() {
	local d out want q sport rules loc table

	# What ethtool shows before any configuration.
	out=$(st_rx_ethtool -n "$st_rx" 2>&1)
	printf '%s\n' "$out" | comment
	check "ethtool -n: 4 RX rings, no rules" \
		grep -q -e '4 RX rings available' <<<"$out"
	out=$(st_rx_ethtool -x "$st_rx" 2>&1)
	printf '%s\n' "$out" | head -n 4 | comment
	printf '%s\n' "$out" | tail -n 6 | comment
	check "ethtool -x: 128-entry table over 4 rings, 40-byte key, toeplitz" \
		test "$(grep -cE '^ +[0-9]+:' <<<"$out")" = 16 -a \
		"$(grep -A1 'RSS hash key' <<<"$out" | tail -n1 | tr ':' '\n' | wc -l)" = 40 -a \
		"$(grep -c 'toeplitz: on' <<<"$out")" = 1

	# A rule steers a TCP flow; only that queue's counters move.
	check "ethtool -N flow-type tcp4 dst-port 5201 action 3" \
		st_rx_ethtool -N "$st_rx" flow-type tcp4 dst-port 5201 action 3
	out=$(st_rx_ethtool -n "$st_rx" 2>&1)
	printf '%s\n' "$out" | comment
	check "ethtool -n lists the rule (1 rule, dst port 5201, queue 3)" \
		st_has "$out" "Total 1 rules" "Dest port: 5201 mask: 0x0" "Action: Direct to queue 3"
	st_flow rule 5201 30001
	check "rule: the TCP flow to port 5201 grew queue 3 alone ($st_d)" only_queue "$st_d" 3

	# Deleting the rule returns the flow to RSS: pick a source port the
	# table puts elsewhere than queue 3, predicted from ethtool -x.
	loc=$(sed -n 's/^Filter: \([0-9]*\).*/\1/p' <<<"$out" | head -n1)
	check "ethtool -N delete $loc" st_rx_ethtool -N "$st_rx" delete "$loc"
	for sport in $(seq 30002 30040); do
		want=$(st_rx_ethtool -x "$st_rx" |
			python3 "$st_probe" rss $st_tx_ip $st_rx_ip 5201 "$sport" 1)
		q=$(tr ' ' '\n' <<<"$want" | grep -n '^1$' | cut -d: -f1)
		q=$((q - 1))
		[ "$q" != 3 ] && break
	done
	st_flow norule 5201 "$sport"
	check "rule deleted: the flow from port $sport goes where RSS predicts, queue $q ($st_d)" \
		only_queue "$st_d" "$q"

	st_rss_case "RSS, default table (ethtool -X equal 4)"
	check "ethtool -X weight 1 1 0 1" st_rx_ethtool -X "$st_rx" weight 1 1 0 1
	st_rss_case "RSS, queue 2 weight 0"
	d=$(st_qdelta "$st_q0" "$st_q1")
	check "weight 0: queue 2 received none of the 64 flows ($d)" \
		test "$(cut -d' ' -f3 <<<"$d")" = 0

	d=$(st_qpackets)
	out=$(ip netns exec nsim-srx python3 "$st_probe" qpackets "$st_ksrc" "$st_rx")
	check "ethtool -S rx-N.packets and the netdev qstats agree ($d; $out)" test "$d" = "$out"

	# Drop rules.
	check "ethtool -N flow-type tcp4 dst-port 5999 action -1 (drop)" \
		st_rx_ethtool -N "$st_rx" flow-type tcp4 dst-port 5999 action -1
	d=$(st_rx_dropped)
	out=$(st_qpackets)
	st_spray 5999 21000 5
	d=$(( $(st_rx_dropped) - d ))
	out=$(st_qdelta "$out" "$(st_qpackets)")
	check "drop rule: 5 frames to port 5999 counted in rx_dropped ($d), on no queue ($out)" \
		test "$d" = 5 -a "$out" = "0 0 0 0"

	# Refusals, with the errno ethtool shows.
	st_refused "rule to queue 4 of 4" "Invalid argument" \
		-N "$st_rx" flow-type tcp4 dst-port 5202 action 4
	st_refused "sctp4 rule" "Operation not supported" \
		-N "$st_rx" flow-type sctp4 dst-port 5202 action 1
	st_refused "ether rule" "Operation not supported" \
		-N "$st_rx" flow-type ether proto 0x88b5 action 1
	st_refused "tcp4 rule matching TOS" "Operation not supported" \
		-N "$st_rx" flow-type tcp4 tos 4 action 1
	st_refused "deleting a rule that does not exist" "No such file or directory" \
		-N "$st_rx" delete 7
	st_refused "RSS hash function xor" "Operation not supported" \
		-X "$st_rx" hfunc xor
	check "ethtool -N flow-type tcp4 src-ip 192.168.79.1 dst-port 5203 action 1 loc 5" \
		st_rx_ethtool -N "$st_rx" flow-type tcp4 src-ip $st_tx_ip dst-port 5203 action 1 loc 5
	st_refused "1 channel while a rule points at queue 1 and the table at 3" \
		"Invalid argument" -L "$st_rx" combined 1

	# udp4, tcp6 and udp6 rules are taken and listed as given.
	check "udp4, tcp6 and udp6 rules inserted" sh -c "
		ip netns exec nsim-srx ethtool -N $st_rx flow-type udp4 dst-port 53 action 2 loc 10 &&
		ip netns exec nsim-srx ethtool -N $st_rx flow-type tcp6 dst-ip 2001:db8::1 dst-port 80 action 1 loc 11 &&
		ip netns exec nsim-srx ethtool -N $st_rx flow-type udp6 src-port 4789 action 0 loc 12"
	out=$(st_rx_ethtool -n "$st_rx" 2>&1)
	rules=$(grep -c '^Filter:' <<<"$out")
	check "ethtool -n lists 5 rules, the tcp6 one with its address ($rules rules)" \
		st_has "$out" "Total 5 rules" "Rule Type: TCP over IPv6" "Dest IP addr: 2001:db8::1 mask: ::"

	# ifdown/ifup keeps rules and table; the rule still steers.
	table=$(st_rx_ethtool -x "$st_rx" | grep -E '^ +[0-9]+:')
	ip -n nsim-srx link set "$st_rx" down && ip -n nsim-srx link set "$st_rx" up
	st_neigh   # ifdown flushed the static neighbour; no ARP on the queues
	out=$(st_rx_ethtool -n "$st_rx" 2>&1)
	check "ifdown/ifup: the 5 rules are still there" \
		test "$(grep -c '^Filter:' <<<"$out")" = 5
	check "ifdown/ifup: the weight-0 table is still there (no queue 2 in it)" \
		sh -c "test \"\$(ip netns exec nsim-srx ethtool -x $st_rx | grep -E '^ +[0-9]+:')\" = \"\$1\" &&
			! printf '%s\n' \"\$1\" | grep -qE ' 2( |\$)'" sh "$table"
	st_flow afterup 5203 30100
	check "ifdown/ifup: the src-ip/dst-port rule still steers to queue 1 ($st_d)" \
		only_queue "$st_d" 1

	# Channel changes: a default table follows the channel count.
	st_rx_ethtool -X "$st_rx" default 2>&1 | comment
	out=$(st_rx_ethtool -n "$st_rx" | sed -n 's/^Filter: \([0-9]*\).*/\1/p')
	for loc in $out; do st_rx_ethtool -N "$st_rx" delete "$loc" 2>&1 | comment; done
	check "ethtool -n: every rule deleted" \
		sh -c "ip netns exec nsim-srx ethtool -n $st_rx | grep -q 'Total 0 rules'"
	check "ethtool -L combined 2 with no rules and the default table" \
		st_rx_ethtool -L "$st_rx" combined 2
	check "ethtool -x: the default table spread again over 2 rings" \
		sh -c "ip netns exec nsim-srx ethtool -x $st_rx | grep -qE '^ +0: +0 +1 +0 +1 +0 +1 +0 +1'"
	check "ethtool -L combined 4 again" st_rx_ethtool -L "$st_rx" combined 4

	# del_device with rules installed frees them (no WARN; rmmod later).
	st_rx_ethtool -N "$st_rx" flow-type tcp4 dst-port 5301 action 2 2>&1 | comment
	st_rx_ethtool -N "$st_rx" flow-type udp4 dst-port 5302 action 1 2>&1 | comment
	check "del_device of a port with 2 rules and of its peer" \
		sh -c 'echo 16 >/sys/bus/netdevsim/del_device && echo 15 >/sys/bus/netdevsim/del_device'
	ip netns del nsim-stx 2>/dev/null
	ip netns del nsim-srx 2>/dev/null
}

case $netdevsim in
''|error:*) ;;                  # guest-netdevsim.sh reported it
*)
	st_dmesg0=$(dmesg | wc -l)
	if ! out=$(st_setup 2>&1); then
		fail "steering: two 4-queue netdevsim ports linked across two netns"
		printf '%s\n' "$out" | comment
	else
		pass "steering: two 4-queue netdevsim ports linked across two netns"
		read -r st_tx st_rx </run/st-ifaces
		st_cases
		w=$(dmesg | tail -n +"$((st_dmesg0 + 1))" | grep -E 'WARNING:|BUG:|Oops' || true)
		if [ -z "$w" ]; then
			pass "steering: no WARNING, BUG or Oops in dmesg"
		else
			fail "steering: no WARNING, BUG or Oops in dmesg"
			printf '%s\n' "$w" | comment
		fi
	fi
	;;
esac
