#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke tests of hsplit-bench itself (meson suite 'hsplit-bench').

    test_bench.py run BUILD       --quick over every design: every design
                                  that can run here gives non-zero goodput
                                  and CPU, latency where it measures it; the
                                  kernel designs that cannot run say why;
                                  kernel-busypoll busy-polled packets; every
                                  design is in the table, JSON, CSV and plots,
                                  which are well formed; the targets compare
                                  hsplit with the best kernel design
    test_bench.py latency BUILD   the stable latency format, line by line,
                                  with its latency target line
    test_bench.py native BUILD    the optional hsplit-afxdp-native design
                                  (--designs names it): it runs every cell,
                                  notes the share busy-polled, and its
                                  receiver reports the socket's NAPI id
    test_bench.py cli BUILD       bad command lines, an unavailable netem, and
                                  --rps (receive processing on the receiver's
                                  cpu) with one kernel and one hsplit design

No timing is asserted: the figures must only be sane (non-zero, finite,
bytes the same on both ends). Exit 77 (skip) when not root.
"""
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile

from hsplit_tools.netns import kernel_before

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, 'hsplit-bench')
KERNEL = ('kernel-recv', 'kernel-zerocopy', 'kernel-busypoll')
HSPLIT_WIRE = ('hsplit-afxdp', 'hsplit-afpacket')
OPTIONAL = ('hsplit-afxdp-native',)   # not in the default run
RUNNABLE = KERNEL + HSPLIT_WIRE + ('hsplit-gen',)
PROBED = ('kernel-devmem', 'kernel-zcrx')
NEEDS_BACKEND = ('hsplit-kq',)
WIRE_LATENCY = KERNEL + HSPLIT_WIRE + OPTIONAL

failures = []


def check(cond, what):
    print('%s - %s' % ('ok' if cond else 'not ok', what))
    if not cond:
        failures.append(what)
    return cond


def bench(build, *args, timeout=900):
    return subprocess.run([sys.executable, BENCH] + list(args) + ['--build', build],
                          capture_output=True, text=True, timeout=timeout)


def positive(spread):
    return bool(spread) and spread['median'] > 0 and math.isfinite(spread['median'])


def check_design(d, doc):
    name, cell_defs = d['name'], doc['cell_defs']
    # the sender's TSval counted milliseconds (a kernel before 6.7): hsplit's
    # latencies are whole milliseconds, and a fast message measures 0
    ms_latency = 'hsplit latency has 1 ms resolution' in doc['wire']
    if name in PROBED:
        check(str(d.get('unsupported', '')).startswith('unsupported on '),
              '%s: says why it cannot run: %r' % (name, d.get('unsupported')))
        return
    if name in NEEDS_BACKEND:
        check(str(d.get('unsupported', '')).startswith('needs '),
              '%s: says what it needs: %r' % (name, d.get('unsupported')))
        return
    if name in ('kernel-zerocopy', 'kernel-busypoll') and d.get('unsupported'):
        # epoll's EPIOCSPARAMS came in Linux 6.9; TCP_ZEROCOPY_RECEIVE long before
        # any kernel this runs on, so a refusal of it is a failure anywhere
        may_lack = name == 'kernel-busypoll' and kernel_before(6, 9)
        check(may_lack and d['unsupported'].startswith('not supported here'),
              '%s: unsupported only where the kernel lacks it: %r' % (name, d['unsupported']))
        return
    check(not d.get('unsupported'), '%s: runs here' % name)
    for cid, cell in cell_defs.items():
        if cell['workload'] == 'latency' and name not in WIRE_LATENCY:
            check(cid not in d['cells'], '%s: no latency cell (it has no sender clock)' % name)
            continue
        c = d['cells'].get(cid)
        if not check(c is not None and c['failed'] == 0,
                     '%s %s: every run completed %s' % (name, cid, c and c['errors'])):
            continue
        check(positive(c['gbps']), '%s %s: goodput > 0' % (name, cid))
        check(positive(c['rx_cpu_per_gb']), '%s %s: receiver CPU per GB > 0' % (name, cid))
        if name in HSPLIT_WIRE + OPTIONAL:
            check(positive(c.get('driver_cycles_pkt')) and positive(c.get('device_cycles_pkt')),
                  '%s %s: net_hsplit timed its driver half and its device (cycle_stats=1)'
                  % (name, cid))
        if cell['workload'] == 'latency':
            p50_ok = positive(c.get('p50_ns')) or (
                ms_latency and name in HSPLIT_WIRE + OPTIONAL and c.get('p50_ns') and
                c['p50_ns']['median'] == 0)
            check(c.get('samples', 0) > 0 and p50_ok and
                  c['p50_ns']['median'] <= c['p99_ns']['median'] <= c['p999_ns']['median'],
                  '%s latency: samples and ordered percentiles' % name)
        for r in d['runs'][cid]:
            snd = r.get('sender')
            if snd is not None:
                check(snd.get('bytes') == r.get('bytes'),
                      '%s %s: receiver got what the sender sent (%s/%s)'
                      % (name, cid, r.get('bytes'), snd.get('bytes')))
            if cell['workload'] == 'latency' and snd is not None and r.get('latency'):
                check_latency_clock(name, r, snd)


def run_json(build, out, what, *args):
    """hsplit-bench with args, writing into out: (its result, results.json), or
    (77, None) when it skips, (1, None) when it failed."""
    r = bench(build, *(args + ('--out', out)))
    if r.returncode == 77:
        print('# skip: ' + r.stderr.strip()[-300:])
        return 77, None
    if not check(r.returncode == 0, '%s exits 0 (%d): %s'
                 % (what, r.returncode, r.stderr.strip()[-1500:])):
        return 1, None
    with open(os.path.join(out, 'results.json')) as f:
        return r, json.load(f)


def check_latency_clock(name, run, snd):
    """No message can take longer than the whole run: a latency beyond it means the
    receiver read the sender's clock in the wrong unit (a millisecond TSval taken for
    microseconds, say), not that the wire was slow."""
    bound_ns = (run.get('seconds', 0) + snd.get('seconds', 0) + 1) * 1e9
    check(run['latency']['max_ns'] <= bound_ns,
          '%s latency: every sample within the run (max %.0f us, run %.1f s)'
          % (name, run['latency']['max_ns'] / 1e3, bound_ns / 1e9))


def test_run(build):
    with tempfile.TemporaryDirectory() as out:
        r, doc = run_json(build, out, 'hsplit-bench --quick', '--quick')
        if doc is None:
            return r
        check(doc.get('format') == 'hsplit-bench/1', 'results.json has the format tag')
        names = [d['name'] for d in doc['designs']]
        check(names == list(KERNEL + PROBED + HSPLIT_WIRE + ('hsplit-gen',) + NEEDS_BACKEND),
              'all nine designs: %s' % names)
        for d in doc['designs']:
            check_design(d, doc)
        busy = [d for d in doc['designs'] if d['name'] == 'kernel-busypoll'][0]
        if not busy.get('unsupported'):
            check_busy_poll(busy, doc)
        check_outputs(r.stdout, doc, out)
        check_targets(r.stdout, doc)
    return 1 if failures else 0


def check_busy_poll(d, doc):
    """It polled: the receiver namespace's BusyPollRxPackets moved in the bulk cells."""
    bulk = [r for cid, runs in d['runs'].items() for r in runs
            if doc['cell_defs'][cid]['workload'] == 'bulk']
    check(bulk and all(r.get('rx_packets', 0) > 0 and r.get('busy_polled') is not None
                       for r in bulk), 'kernel-busypoll: NAPI counters in every bulk run')
    check(sum(r.get('busy_polled') or 0 for r in bulk) > 0,
          'kernel-busypoll: a busy poll took packets (%s)'
          % [(r.get('busy_polled'), r.get('rx_packets')) for r in bulk])
    check(all('busy-polled' in ' '.join(c['notes']) for c in d['cells'].values()),
          'kernel-busypoll: every cell notes the share busy-polled')
    check('EPIOCSPARAMS' in doc.get('busy_poll', ''), 'results.json says how it busy-polled')


def check_outputs(table, doc, out):
    """Every design that ran is in the summary, the per-cell table, the CSV and the plots."""
    names = [d['name'] for d in doc['designs']]
    check(all(n in table for n in names), 'the table names every design')
    check('pinning: ' in table and 'cpu' in table, 'the table says how it pinned')
    if any(d['name'] in HSPLIT_WIRE and d.get('cells') for d in doc['designs']):
        check('net_hsplit per received packet' in table,
              'the table has the driver half and device rows of net_hsplit')
    ran = [d for d in doc['designs'] if d.get('cells')]
    every = table.split('\nevery cell\n')[-1].split('\ntargets')[0]
    for d in ran:
        got = sum(1 for line in every.splitlines() if line.startswith(d['name'] + ' '))
        check(got == len(d['cells']), '%s: a per-cell row per cell (%d/%d)'
              % (d['name'], got, len(d['cells'])))
    with open(os.path.join(out, 'results.csv')) as f:
        rows = list(csv.DictReader(f))
    want = sum(len(runs) for d in doc['designs'] for runs in d.get('runs', {}).values())
    check(len(rows) == want and want > 0, 'CSV has a row per run (%d/%d)' % (len(rows), want))
    check({r['design'] for r in rows} == {d['name'] for d in ran}, 'CSV has every design that ran')
    for ext in ('png', 'svg'):
        for stem in ('throughput', 'latency-cdf'):
            p = os.path.join(out, '%s.%s' % (stem, ext))
            check(os.path.exists(p) and os.path.getsize(p) > 1000, 'plot %s.%s' % (stem, ext))
    for d in ran:
        sweep = any(doc['cell_defs'][c].get('sweep') for c in d['cells'])
        for stem, present in (('throughput', sweep), ('latency', 'latency' in d['cells'])):
            if present:
                dat = os.path.join(out, '%s-%s.dat' % (stem, d['name']))
                check(os.path.exists(dat), '%s plot data for %s' % (stem, d['name']))
    for stem in ('throughput', 'latency-cdf'):
        with open(os.path.join(out, stem + '.svg')) as f:
            svg = f.read()
        check(all(d['name'] in svg for d in ran if d['name'] in WIRE_LATENCY),
              '%s.svg has a line for every wire design' % stem)


def check_targets(table, doc):
    """A met / not met row per target, cell and hsplit wire design, against the best kernel."""
    rows = doc.get('targets', [])
    bulk = [c for c, v in doc['cell_defs'].items() if v['workload'] == 'bulk']
    ran = [d['name'] for d in doc['designs'] if d['name'] in HSPLIT_WIRE and d.get('cells')]
    want = (2 * len(bulk) + 1) * len(ran)
    check(len(rows) == want, 'a target row per bulk cell x 2 + latency, per hsplit wire design '
          '(%d/%d)' % (len(rows), want))
    kernel = {d['name']: d for d in doc['designs'] if d['name'] in KERNEL and d.get('cells')}
    for r in rows:
        what = '%s %s %s' % (r['target'], r['cell'], r['design'])
        check(r['met'] in (True, False) and r['best_kernel'] in kernel,
              '%s: %s against %s' % (what, r['met'], r['best_kernel']))
        if r['target'] != 'latency_p99' or r['best_kernel'] not in kernel:
            continue
        p99 = p99s(kernel)
        check(r['best_kernel_value'] == min(p99.values()),
              '%s: the best kernel is the lowest p99 of all kernel designs %s' % (what, p99))
        check(r['met'] == (r['value'] <= 0.5 * r['best_kernel_value']),
              '%s: met means p99 <= 0.5 x best kernel' % what)
    verdicts = [line for line in table.split('\ntargets')[-1].splitlines()
                if line.rstrip().endswith(('met', 'NOT met'))]
    check(len(verdicts) == len(rows), 'the table prints met / NOT met per target row (%d/%d)'
          % (len(verdicts), len(rows)))


def p99s(kernel):
    """Each kernel design's p99 of all repetitions, as hsb_report.merged_p99_ns computes it."""
    out = {}
    for n, k in kernel.items():
        c = k['cells'].get('latency')
        if not c or not c.get('buckets'):
            continue
        total = sum(cnt for _, cnt in c['buckets'])
        want, seen = max(1, -(-total * 99 // 100)), 0
        for bound, cnt in c['buckets']:
            seen += cnt
            if seen >= want:
                out[n] = min(bound, c['max_ns'])
                break
    return out


LINE = {
    'setup': re.compile(r'^setup msg_bytes=\d+ interval_us=\d+ count=\d+ reps=\d+ '
                        r'sender_cpu=\d+ receiver_cpu=\d+$'),
    'ok': re.compile(r'^design (\S+) status=ok samples=(\d+) p50_us=([\d.]+) p90_us=([\d.]+) '
                     r'p99_us=([\d.]+) p999_us=([\d.]+) max_us=([\d.]+) reps_p99_us=[\d.,]+$'),
    'unsupported': re.compile(r'^design (\S+) status=unsupported reason="[^"]+"$'),
    'bucket': re.compile(r'^bucket (\S+) le_us=([\d.]+) count=(\d+) cum_pct=([\d.]+)$'),
    'target': re.compile(r'^target latency_p99 design=(\S+) p99_us=([\d.]+) best_kernel=(\S+) '
                         r'best_kernel_p99_us=([\d.]+) ratio=([\d.]+) limit=0\.5 '
                         r'status=(met|not_met)$'),
}


def check_latency_targets(targets, p99):
    """One target line per hsplit design measured, against the lowest kernel p99."""
    kernel = {n: v for n, v in p99.items() if n.startswith('kernel-')}
    check(set(targets) == {n for n in p99 if n.startswith('hsplit-')},
          'a target line per measured hsplit design (%s)' % sorted(targets))
    for name, (mine, best_name, best, ratio, status) in targets.items():
        # Two kernel designs can share the lowest p99 (the same histogram
        # bucket); either is the best, so check the value, not the name.
        check(kernel and best_name in kernel and best == kernel[best_name] and
              best == min(kernel.values()),
              '%s: best kernel %s at %.1f us is the lowest kernel p99 of %s'
              % (name, best_name, best, kernel))
        check(mine == p99.get(name) and abs(ratio - mine / best) <= 0.005 * mine / best + 0.001 and
              status == ('met' if ratio <= 0.5 else 'not_met'),
              '%s: p99 %.1f us, ratio %.3f, %s' % (name, mine, ratio, status))


def test_latency(build):
    with tempfile.TemporaryDirectory() as out:
        r = bench(build, 'latency', '--designs',
                  'kernel-recv,kernel-busypoll,kernel-devmem,hsplit-afxdp',
                  '--reps', '2', '--lat-count', '300', '--no-plots', '--out', out)
        if r.returncode == 77:
            print('# skip: ' + r.stderr.strip()[-300:])
            return 77
        check(r.returncode == 0, 'latency mode exits 0: %s' % r.stderr.strip()[-800:])
        lines = r.stdout.splitlines()
        check(lines[:1] == ['hsplit-bench-latency/1'], 'first line is the format version')
        check(len(lines) > 3 and lines[1].startswith('machine ') and LINE['setup'].match(lines[2]),
              'machine and setup lines')
        check(lines[-1:] == ['end'], 'last line is end')
        seen, cum, p99, targets, late = {}, {}, {}, {}, []
        for line in lines[3:-1]:
            m = LINE['target'].match(line)
            if m:
                targets[m.group(1)] = (float(m.group(2)), m.group(3), float(m.group(4)),
                                       float(m.group(5)), m.group(6))
                continue
            if targets:
                late.append(line)
            m = LINE['ok'].match(line)
            if m:
                p = [float(x) for x in m.groups()[2:7]]
                seen[m.group(1)] = int(m.group(2))
                p99[m.group(1)] = p[2]
                check(0 < p[0] <= p[1] <= p[2] <= p[3] <= p[4] + 0.05,
                      '%s: ordered percentiles %s' % (m.group(1), p))
                continue
            if LINE['unsupported'].match(line):
                seen[line.split()[1]] = 'unsupported'
                continue
            m = LINE['bucket'].match(line)
            if check(m is not None, 'line has the documented grammar: %r' % line):
                cum[m.group(1)] = float(m.group(4))
        check(all(seen.get(n) == 600 for n in ('kernel-recv', 'kernel-busypoll', 'hsplit-afxdp')),
              'every measured design, busy polling included: 2 x 300 samples (%s)' % seen)
        check(seen.get('kernel-devmem') == 'unsupported', 'devmem reported unsupported')
        check(all(abs(v - 100.0) < 0.01 for v in cum.values()) and len(cum) == 3,
              'each histogram ends at 100%% (%s)' % cum)
        check(not late, 'target lines come last, before end (%s)' % late[:2])
        check_latency_targets(targets, p99)
        check(os.path.exists(os.path.join(out, 'latency.txt')), 'latency.txt written')
    return 1 if failures else 0


def test_native(build):
    with tempfile.TemporaryDirectory() as out:
        r, doc = run_json(build, out, 'hsplit-bench --designs hsplit-afxdp-native', '--quick',
                          '--no-plots', '--designs', 'hsplit-afxdp-native')
        if doc is None:
            return r
        names = [d['name'] for d in doc['designs']]
        check(names == ['hsplit-afxdp-native'], 'the one design asked for: %s' % names)
        d = doc['designs'][0]
        check_design(d, doc)
        check(all('busy-polled' in ' '.join(c['notes']) for c in d['cells'].values()),
              'hsplit-afxdp-native: every cell notes the share busy-polled')
        for cid, runs in d['runs'].items():
            for run in runs:
                # hsplit-rx reports the non-zero xstats: no NAPI id is no key
                xs = (run.get('receiver') or {}).get('xstats') or {}
                napi = xs.get('backend_afxdp_napi_id', 0)
                check(xs.get('backend_afxdp_busy_polls', 0) > 0 and
                      run.get('busy_polled') is not None,
                      '%s: net_hsplit busy-polled and the namespace\'s count was read (%s, %s)'
                      % (cid, xs.get('backend_afxdp_busy_polls'), run.get('busy_polled')))
                if kernel_before(6, 13):
                    # a native-mode socket is marked with veth's NAPI id there
                    check(napi != 0 and (run.get('busy_polled') or 0) > 0,
                          '%s: Linux before 6.13: a NAPI id (%s) and packets busy-polled (%s)'
                          % (cid, napi, run.get('busy_polled')))
                elif napi == 0:
                    check(run.get('busy_polled') == 0,
                          '%s: no NAPI id for the socket, no packet busy-polled (%s)'
                          % (cid, run.get('busy_polled')))
    return 1 if failures else 0


def test_cli(build):
    for args, what in ((['--reps', '0'], '--reps 0'), (['--designs', 'nope'], 'unknown design'),
                       (['--sizes', '12'], 'a size below 16'), (['--cpus', 'x'], '--cpus x'),
                       (['--bogus'], 'unknown option')):
        r = bench(build, *args, timeout=60)
        check(r.returncode == 2 and 'error' in r.stderr, 'refuses %s with exit 2' % what)
    r = bench(build, '--netem', 'delay 1ms', '--designs', 'kernel-recv', '--workloads',
              'latency', '--quick', '--no-plots', '--out', tempfile.gettempdir() + '/hsb-netem')
    if r.returncode == 77 and 'netem' not in r.stderr:
        print('# skip: ' + r.stderr.strip()[-300:])
        return 77
    check(r.returncode == 0 or (r.returncode == 77 and 'netem' in r.stderr),
          'netem either works or is refused naming netem: %d %s' % (r.returncode,
                                                                    r.stderr.strip()[-300:]))
    with tempfile.TemporaryDirectory() as out:
        r, doc = run_json(build, out, 'hsplit-bench --rps', '--rps', '--quick', '--no-plots',
                          '--designs', 'kernel-recv,hsplit-afxdp', '--workloads', 'sizes',
                          '--sizes', '64K')
        check(r != 77, '--rps runs where the rest of hsplit-bench does')
        if doc is not None:
            want = 'on cpu %d (rps_cpus read back: %x)' % (doc['cpus'][1], 1 << doc['cpus'][1])
            check(want in doc['wire'], '--rps: the kernel took the receiver\'s cpu mask: %s'
                  % doc['wire'])
            for d in doc['designs']:
                check_design(d, doc)
    return 1 if failures else 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('run', 'latency', 'native', 'cli'):
        print('usage: test_bench.py run|latency|native|cli BUILD', file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print('# skip: needs root')
        return 77
    return {'run': test_run, 'latency': test_latency, 'native': test_native,
            'cli': test_cli}[sys.argv[1]](sys.argv[2])


if __name__ == '__main__':
    sys.exit(main())
