# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the guest scripts (guest-tests.sh, guest-upstream.sh) with
# their arguments: the options run-guest.sh passes and the TAP helpers.
# Sets build, modbase, kver, netdevsim and only; stops with "Bail out!" on
# an unknown option and when not inside the QEMU guest.
#
#   --build DIR --modbase DIR --kver VERSION [--netdevsim KO|"error:<why>"]
#   [--only WHAT]

build='' modbase='' kver='' netdevsim='' only=''
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--modbase) modbase=$2; shift 2 ;;
	--kver) kver=$2; shift 2 ;;
	--netdevsim) netdevsim=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) echo "Bail out! $(basename "$0"): unknown argument $1"; exit 1 ;;
	esac
done
if [ "${HSPLIT_GUEST:-}" != 1 ]; then
	echo "$(basename "$0") runs inside the QEMU guest; use test/kernel/run-guest.sh" >&2
	exit 2
fi

# TAP: one numbered line per case.
n=0 failed=0
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# netdevsim helpers shared by the guest scripts. Both return non-zero with
# the reason on stdout, for the caller's setup function to report.
#
# nsim_link NETNS_A IF_A NETNS_B IF_B: link two netdevsim ports as a wire
# (NETNS "" is this script's own namespace).
nsim_link() {
	local na=$1 a=$2 nb=$3 b=$4 ia ib fa fb pa pb
	pa=/proc/self/ns/net pb=/proc/self/ns/net
	[ -n "$na" ] && pa=/run/netns/$na
	[ -n "$nb" ] && pb=/run/netns/$nb
	ia=$(nsim_ifindex "$na" "$a") || return 1
	ib=$(nsim_ifindex "$nb" "$b") || return 1
	exec {fa}<"$pa" {fb}<"$pb"
	if ! echo "$fa:$ia $fb:$ib" >/sys/bus/netdevsim/link_device; then
		exec {fa}<&- {fb}<&-
		echo "link_device $a ($ia) - $b ($ib) refused"
		return 1
	fi
	exec {fa}<&- {fb}<&-
}

# The ifindex of IF in NETNS ("" = ours).
nsim_ifindex() {
	if [ -n "$1" ]; then
		ip netns exec "$1" cat /sys/class/net/"$2"/ifindex
	else
		cat /sys/class/net/"$2"/ifindex
	fi
}

# nsim_steer NETNS IF PORT QUEUE: an ntuple rule sending TCP to PORT to QUEUE.
# ethtool 6.1 exits 0 when the kernel refuses a rule: judge by its message.
nsim_steer() {
	local out
	out=$(ip netns exec "$1" ethtool -N "$2" flow-type tcp4 dst-port "$3" action "$4" 2>&1)
	grep -q 'Added rule' <<<"$out" || { echo "ethtool -N refused: $out"; return 1; }
}
