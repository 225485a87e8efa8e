#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build hsplit. Usage: config/build.sh [plain|asan|fuzz]...
# plain -> build/, asan -> build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer),
# fuzz -> build-fuzz/ (clang, libFuzzer + ASan + UBSan: the targets in test/fuzz).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sdk="$top/.cache/dpdk-sdk"

build_one() {
	local dir=$1; shift
	if [ ! -f "$top/$dir/build.ninja" ]; then
		meson setup "$top/$dir" "$top" -Ddpdk_sdk_dir="$sdk" "$@" >"$top/.cache/meson-setup-$dir.log" 2>&1 ||
			{ tail -n 30 "$top/.cache/meson-setup-$dir.log" >&2; exit 1; }
	fi
	ninja -C "$top/$dir" >"$top/.cache/ninja-$dir.log" 2>&1 ||
		{ grep -E 'error|FAILED' -A5 "$top/.cache/ninja-$dir.log" | head -n 60 >&2; exit 1; }
	printf 'build: %s ok\n' "$dir"
}

mkdir -p "$top/.cache"
for kind in "${@:-plain}"; do
	case $kind in
	plain) build_one build ;;
	asan) build_one build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug ;;
	fuzz) CC=clang build_one build-fuzz -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized ;;
	*) echo "build: unknown build kind '$kind' (plain, asan, fuzz)" >&2; exit 2 ;;
	esac
done
