# SPDX-License-Identifier: BSD-3-Clause
# Sourced by guest-tests.sh (last, or alone with --only bench): hsplit-bench
# --guest on two linked ports of the patched netdevsim, the kernel's receive
# designs against one kernel TCP sender (bench/hsb_wire.NetdevsimWire sets the
# ports up: two RX queues, an ntuple rule steering port 5201 to queue 1).
# One case per design: it produced a result whose every run completed with
# the sender's byte count (and, for the bulk cells, every byte verified), or
# it said why it cannot run; the designs this guest exists for (every
# design --guest runs: the kernel's five and hsplit-kq) may not say that
# here. No timing is asserted: under TCG only the
# ratios in the printed table mean anything (doc/hsplit-bench.md).
# Uses pass/fail/check/kmod/comment from guest-tests.sh.

gb_out=/tmp/hsplit-bench-guest

# One TAP case per design of results.json.
gb_cases() {
	python3 - "$gb_out/results.json" <<'EOF'
import json, sys
MUST_RUN = ('kernel-recv', 'kernel-zerocopy', 'kernel-busypoll', 'kernel-devmem',
            'kernel-zcrx', 'hsplit-kq')
doc = json.load(open(sys.argv[1]))
for d in doc['designs']:
    name = d['name']
    if d.get('unsupported'):
        print('%s - %s: says why it cannot run: %s'
              % ('not ok' if name in MUST_RUN else 'ok', name, d['unsupported']))
        continue
    cells = d.get('cells', {})
    bad = ['%s: %s' % (cid, '; '.join(c['errors'])[:300]) for cid, c in cells.items()
           if c['failed']]
    unverified = [cid for cid, runs in d.get('runs', {}).items()
                  if doc['cell_defs'][cid]['workload'] == 'bulk' and d['kind'] == 'kernel'
                  and not all(r.get('verified') for r in runs)]
    if not cells:
        print('not ok - %s: neither a result nor a reason' % name)
    elif bad:
        print('not ok - %s: runs failed: %s' % (name, ' | '.join(bad)))
    elif unverified:
        print('not ok - %s: bulk cells not verified byte for byte: %s'
              % (name, ', '.join(unverified)))
    else:
        print('ok - %s: %d cells, every run complete%s' % (
            name, len(cells), ', bulk payload verified' if d['kind'] == 'kernel' else ''))
EOF
}

case $netdevsim in
''|error:*) ;;                  # guest-netdevsim.sh reported it
*)
	gb_dmesg0=$(($(dmesg | wc -l) + 1))
	gb_loaded=0
	if ! grep -q '^netdevsim ' /proc/modules; then
		kmod psample && insmod "$netdevsim" && gb_loaded=1
	fi
	gb_t0=$(date +%s)
	rm -rf "$gb_out"
	out=$(cd "$here/../.." && PYTHONPATH=$PWD/tools python3 bench/hsplit-bench --guest \
		--build "$build" --out "$gb_out" --no-plots 2>&1)
	gb_rc=$?
	printf '%s\n' "$out" | comment
	echo "# hsplit-bench --guest took $(($(date +%s) - gb_t0)) s (exit $gb_rc)"
	if [ -r "$gb_out/results.json" ]; then
		if [ "$gb_rc" = 0 ]; then
			pass "bench: hsplit-bench --guest wrote results.json and exited 0"
		else
			fail "bench: hsplit-bench --guest wrote results.json and exited 0 (exit $gb_rc)"
		fi
		gb_cases >"$gb_out/cases" 2>&1   # no /dev/fd in the guest: no <(...)
		while IFS= read -r line; do
			case $line in
			"ok - "*) pass "bench: ${line#ok - }" ;;
			*) fail "bench: ${line#not ok - }" ;;
			esac
		done <"$gb_out/cases"
	else
		fail "bench: hsplit-bench --guest wrote results.json and exited 0 (exit $gb_rc)"
	fi
	w=$(dmesg | tail -n +"$gb_dmesg0" | grep -E 'WARNING:|BUG:|Oops|page_pool.*stalled')
	if [ -z "$w" ]; then
		pass "bench: no WARNING, BUG or Oops in dmesg during the benchmark"
	else
		fail "bench: no WARNING, BUG or Oops in dmesg during the benchmark"
		printf '%s\n' "$w" | comment
	fi
	[ $gb_loaded = 1 ] && check "bench: rmmod netdevsim after the benchmark" nsim_rmmod
	;;
esac
