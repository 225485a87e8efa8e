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
