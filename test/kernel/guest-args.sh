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

check() { # name, command...: pass when the command succeeds
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name"
	fi
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	return 0
}
comment() { sed 's/^/# /'; }

# The guest's modules are the extracted Debian tree, not the host's.
kmod() { modprobe -d "$modbase" -S "$kver" "$@"; }

# Run a cmocka (TAP) program and fold its cases into our stream as
# "<prefix>: <case>". Cases listed in `must_run` may not skip here: in the
# guest their device exists, so a skip means the test did not test.
declare -A must_run=()
run_tap() { # prefix, command...
	local prefix=$1 rc out
	shift
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$@" 2>&1)
	rc=$?
	fold_tap "$prefix" "$rc" <<<"$out"
}

fold_tap() { # prefix, exit status; TAP on stdin
	local prefix=$1 rc=$2 line name reason="" plan=0 seen=0 failed0=$failed
	while IFS= read -r line; do
		case $line in
		1..*) plan=${line#1..} ;;
		"ok "[0-9]*" # SKIP "*|"not ok "[0-9]*" # SKIP "*)
			seen=$((seen + 1))
			name=${line##*# SKIP }
			if [ -n "${must_run[$name]:-}" ]; then
				fail "$prefix: $name (skipped in the guest, where it must run: ${reason:-no reason given})"
			else
				skip "$prefix: $name" "${reason:-skipped}"
			fi
			reason="" ;;
		"ok "[0-9]*" - "*)
			seen=$((seen + 1)); pass "$prefix: ${line#ok * - }"; reason="" ;;
		"not ok "[0-9]*" - "*)
			seen=$((seen + 1)); fail "$prefix: ${line#not ok * - }"; reason="" ;;
		"# SKIP: "*)
			reason=${line#\# SKIP: }; echo "$line" ;;
		\#*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done
	if [ "$seen" -lt "$plan" ]; then
		fail "$prefix: only $seen of $plan cases reported (exit status $rc)"
	elif [ "$seen" = 0 ]; then
		fail "$prefix: reported no case at all (exit status $rc)"
	elif [ "$rc" != 0 ] && [ "$failed" = "$failed0" ]; then
		fail "$prefix: exited with status $rc although no case failed"
	fi
}

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
