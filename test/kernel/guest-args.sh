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
