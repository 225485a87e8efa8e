# SPDX-License-Identifier: BSD-3-Clause
# The one Debian kernel the QEMU tier and kernel-patches/ build against.
# Sourced by run-guest.sh and kernel-patches/build-netdevsim.sh. Debian's
# trixie-backports rotates point releases; when this one disappears the
# scripts stop with a message naming it. To move on, change these three
# lines together (and re-run: the cache is keyed by KVER).
KVER=7.2.12+deb13-amd64          # uname -r of the guest kernel
KPKG_VERSION=7.2.12-1~bpo13+1    # Debian version of every package below
KSUITE=trixie-backports
KMIRROR=http://deb.debian.org/debian
KABI=${KVER%-amd64}              # 7.2.12+deb13, names linux-kbuild-*, -common
KPKGS="linux-binary-$KVER linux-modules-$KVER"   # what run-guest.sh boots from
KMODREL=usr                      # the modules sit in <root>/$KMODREL/lib/modules/$KVER
KIMAGE=usr/lib/modules/$KVER/vmlinuz

# HSPLIT_GUEST_KERNEL=debian12 boots Debian 12's own kernel instead, for the
# part of the tier that checks what changed across 6.13 (run-guest.sh only;
# kernel-patches/ builds against the pinned kernel alone). Same rule: when
# bookworm drops this ABI, change the version here.
case ${HSPLIT_GUEST_KERNEL:-pinned} in
pinned) ;;
debian12)
	KVER=6.1.0-50-amd64
	KPKG_VERSION=6.1.176-1
	KSUITE=bookworm
	KABI=${KVER%-amd64}
	KPKGS="linux-image-$KVER-unsigned"
	KMODREL=
	KIMAGE=boot/vmlinuz-$KVER ;;
*)
	printf 'pin.sh: HSPLIT_GUEST_KERNEL=%s is not a kernel this tier knows (pinned, debian12)\n' \
		"$HSPLIT_GUEST_KERNEL" >&2
	exit 2 ;;
esac
