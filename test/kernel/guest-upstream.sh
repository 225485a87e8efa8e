#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The kernel's own Python selftests that apply to the patched netdevsim,
# run in the QEMU guest against it (not part of the default tier: they
# take minutes under TCG). From the host:
#
#   test/kernel/run-guest.sh --script test/kernel/guest-upstream.sh [-- --only NAME.py,...]
#
# Runs drivers/net/{queues,hds,stats}.py, net/nk_qlease.py, the netdevsim
# ethtool-*.sh scripts and the RSS/ntuple programs of drivers/net/hw from
# the pinned linux-source, and the series' own netdevsim/hds_devmem.py and
# queue_lease.py from the patched scratch tree build-netdevsim.sh leaves
# next to the module.
# The hw programs refuse the netdevsim pair they would build themselves
# (nsim_test=False), so they get one as a "real" device: NETIF in this
# namespace, its linked peer in the netns nsim-rem as the remote end.
# Each program's KTAP cases are folded into one TAP stream; a program that
# crashes or reports no case is a failure.
set -u

# shellcheck source=guest-args.sh
. "$(dirname "$0")/guest-args.sh"

case $netdevsim in
''|error:*) fail "patched netdevsim available (${netdevsim:-none passed})"; echo "1..$n"; exit 1 ;;
esac
kdir=$(cd "$(dirname "$netdevsim")/.." && pwd)
ksrc=$(cd "$kdir/../src/linux-source-7.2" && pwd)
kst=tools/testing/selftests

modprobe -d "$modbase" -S "$kver" psample && insmod "$netdevsim" ||
	{ fail "load the patched netdevsim"; echo "1..$n"; exit 1; }
pass "patched netdevsim loaded"

# The series' selftest sits in the patched copy of netdevsim's selftest
# directory; give it the stock drivers/net/lib next to it.
t=/tmp/upstream-ksft/$kst/drivers/net
mkdir -p "$t"
cp -r "$kdir/netdevsim-src/$kst/drivers/net/netdevsim" "$t/"
ln -s "$ksrc/$kst/drivers/net/lib" "$t/lib"

# run_ksft NAME PATH: fold its "ok N case" / "not ok N case" lines (a
# "# SKIP reason" suffix stays a TAP skip) into ours.
run_ksft() {
	local name=$1 prog=$2 out rc seen=0 line
	case ",${only:-$name}," in *",$name,"*) ;; *) return 0 ;; esac
	out=$(cd "$(dirname "$prog")" && timeout 900 python3 "$prog" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*" "*)
			seen=$((seen + 1)); pass "$name: ${line#ok * }" ;;
		"not ok "[0-9]*" "*)
			seen=$((seen + 1)); fail "$name: ${line#not ok * }" ;;
		*) echo "# $line" ;;
		esac
	done <<<"$out"
	[ $seen -gt 0 ] || fail "$name: reported no case (exit $rc)"
	[ $rc = 0 ] || [ $failed -gt 0 ] || fail "$name: exit status $rc without a failed case"
}

# run_sh NAME PATH: the netdevsim shell tests end with "PASSED all N
# checks" or "FAILED N/M checks"; one case each.
run_sh() {
	local name=$1 prog=$2 out rc
	case ",${only:-$name}," in *",$name,"*) ;; *) return 0 ;; esac
	out=$(cd "$(dirname "$prog")" && timeout 600 bash "$prog" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	if [ $rc = 0 ]; then
		pass "$name: $(tail -n1 <<<"$out")"
	else
		fail "$name: exit $rc: $(tail -n1 <<<"$out")"
	fi
}

# A netdevsim pair for the hw programs: 4 queues, NETIF here, the peer in
# nsim-rem, addresses from the selftests' own netdevsim prefixes.
hw_env() {
	local a b
	echo "21 1 4" >/sys/bus/netdevsim/new_device &&
		echo "22 1 4" >/sys/bus/netdevsim/new_device || return 1
	udevadm settle 2>/dev/null || sleep 0.5
	a=$(ls /sys/bus/netdevsim/devices/netdevsim21/net/)
	b=$(ls /sys/bus/netdevsim/devices/netdevsim22/net/)
	ip netns add nsim-rem && ip link set "$b" netns nsim-rem || return 1
	ip addr add 192.0.2.1/24 dev "$a" && ip addr add 2001:db8::1/64 dev "$a" nodad &&
		ip -n nsim-rem addr add 192.0.2.2/24 dev "$b" &&
		ip -n nsim-rem addr add 2001:db8::2/64 dev "$b" nodad || return 1
	ip link set "$a" up && ip -n nsim-rem link set "$b" up &&
		ip -n nsim-rem link set lo up || return 1
	nsim_link "" "$a" nsim-rem "$b" || return 1
	export NETIF=$a LOCAL_V4=192.0.2.1 REMOTE_V4=192.0.2.2 LOCAL_V6=2001:db8::1 \
		REMOTE_V6=2001:db8::2 REMOTE_TYPE=netns REMOTE_ARGS=nsim-rem
}

run_ksft hds_devmem.py "$t/netdevsim/hds_devmem.py"
run_ksft queue_lease.py "$t/netdevsim/queue_lease.py"
for p in queues hds stats; do
	run_ksft "$p.py" "$ksrc/$kst/drivers/net/$p.py"
done
for p in coalesce features fec pause; do
	run_sh "ethtool-$p.sh" "$ksrc/$kst/drivers/net/netdevsim/ethtool-$p.sh"
done
run_ksft rss_drv.py "$ksrc/$kst/drivers/net/hw/rss_drv.py"
hw_progs="ntuple rss_api rss_ctx rss_input_xfrm" hw_want=0
for p in $hw_progs; do
	case ",${only:-$p.py}," in *",$p.py,"*) hw_want=1 ;; esac
done
if [ $hw_want = 1 ] && ! hw_env >/run/hw_env.out 2>&1; then
	fail "a netdevsim pair for the hw programs"
	sed 's/^/# /' /run/hw_env.out
	hw_progs=""
fi
for p in $hw_progs; do
	run_ksft "$p.py" "$ksrc/$kst/drivers/net/hw/$p.py"
done
run_ksft nk_qlease.py "$ksrc/$kst/net/nk_qlease.py"
# Each report with its stack, to tell which test and object it was.
dmesg | grep -A40 -E 'WARNING:|BUG:|Oops' | head -n 200 | sed 's/^/# dmesg: /'
if dmesg | grep -qE 'WARNING:|BUG:|Oops'; then
	fail "no WARNING, BUG or Oops in dmesg"
else
	pass "no WARNING, BUG or Oops in dmesg"
fi
echo "1..$n"
[ $failed = 0 ]
