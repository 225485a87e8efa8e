# SPDX-License-Identifier: BSD-3-Clause
# Sourced by guest-tests.sh: Soft-RoCE (rdma_rxe) over a veth pair, then
# rxe_probe asks it to register each dmabuf exporter with
# ibv_reg_dmabuf_mr. Uses pass/fail/skip/check/kmod/run_tap from there.

rxe_setup() {
	# Older kernels need crc32_generic before rdma_rxe; 7.x computes the ICRC
	# with the crc32 library and has no such module: load it only if present.
	if modprobe -d "$modbase" -S "$kver" -n crc32_generic 2>/dev/null; then
		kmod crc32_generic || return 1
	fi
	kmod rdma_rxe && kmod ib_uverbs && kmod veth || return 1
	ip link add rxv0 type veth peer name rxv1 && ip link set rxv0 up && ip link set rxv1 up ||
		return 1
	rdma link add rxe0 type rxe netdev rxv0 || return 1
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -e /sys/class/infiniband/rxe0 ] && ls /dev/infiniband/uverbs* >/dev/null 2>&1 &&
			return 0
		sleep 0.2
	done
	echo "rxe0 or /dev/infiniband/uverbs* did not appear"
	return 1
}

if [ ! -x "$build/test/kernel/rxe_probe" ]; then
	skip "rxe_probe" "not built (libibverbs-dev was missing when $build was configured)"
elif ! out=$(rxe_setup 2>&1); then
	fail "rdma_rxe: Soft-RoCE device rxe0 over veth"
	printf '%s\n' "$out" | comment
else
	pass "rdma_rxe: Soft-RoCE device rxe0 over veth"
	rdma link show 2>&1 | comment
	run_tap rxe_probe "$build/test/kernel/rxe_probe" rxe0 udmabuf:size=4M heap:system:size=4M \
		drm:/dev/dri/card0:size=4M
fi
