# SPDX-License-Identifier: BSD-3-Clause
# Helpers shared by run-guest.sh and kernel-patches/build-netdevsim.sh:
# a private apt configuration for the pinned kernel's suite, downloads into
# the cache, and extraction. Sourced; expects `top` (the repository) and
# prints errors prefixed with $prog.
#
# The apt configuration under $kcache/apt has its own sources list, lists,
# package cache and an empty dpkg status: the host's apt never sees
# trixie-backports, so nothing on the host can be upgraded from it.

# shellcheck source=pin.sh
. "$top/test/kernel/pin.sh"

kcache=${HSPLIT_KERNEL_CACHE:-$top/.cache/kernel}

die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$prog" "$*" >&2; }

need_tool() { # tool, package
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install Debian package '$2' (config/setup-host.sh does)"
}

kapt_opts() {
	local a=$kcache/apt
	printf '%s\n' -o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/none" \
		-o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" \
		-o "Dir::State::status=$a/status" -o "APT::Sandbox::User=root" \
		-o "Debug::NoLocking=1"
}

kapt() { # apt-get|apt-cache args...
	local tool=$1 opts
	shift
	mapfile -t opts < <(kapt_opts)
	"$tool" "${opts[@]}" "$@"
}

kapt_update() {
	local a=$kcache/apt
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/none"
	: >"$a/status"
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$KMIRROR" "$KSUITE" >"$a/sources.list"
	[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] ||
		die "Debian's archive keyring is missing: install 'debian-archive-keyring'"
	kapt apt-get -q update >"$a/update.log" 2>&1 ||
		die "apt-get update of $KSUITE ($KMIRROR) failed; see $a/update.log"
}

# Download the pinned version of each package into $kcache/debs (once).
kfetch() { # packages...
	local p missing=() have
	mkdir -p "$kcache/debs"
	for p in "$@"; do
		compgen -G "$kcache/debs/${p}_${KPKG_VERSION//\~/?}_*.deb" >/dev/null || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	kapt_update
	for p in "${missing[@]}"; do
		have=$(kapt apt-cache madison "$p" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | paste -sd' ')
		case " $have " in
		*" $KPKG_VERSION "*) ;;
		*) die "$KSUITE no longer carries $p version $KPKG_VERSION (the pinned kernel, Linux $KVER;" \
			"available: ${have:-none}). Pick a version that exists and update test/kernel/pin.sh." ;;
		esac
	done
	note "downloading ${missing[*]} ($KPKG_VERSION) from $KSUITE"
	(cd "$kcache/debs" && kapt apt-get -q download "${missing[@]/%/=$KPKG_VERSION}" \
		>"$kcache/apt/download.log" 2>&1) ||
		die "apt-get download failed; see $kcache/apt/download.log"
}

kdeb() { # package -> path of its cached .deb
	local f
	f=$(compgen -G "$kcache/debs/${1}_${KPKG_VERSION//\~/?}_*.deb" | head -n1)
	[ -n "$f" ] || die "$1 $KPKG_VERSION is not in $kcache/debs"
	printf '%s\n' "$f"
}
