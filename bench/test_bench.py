#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke tests of hsplit-bench itself (meson suite 'hsplit-bench').

    test_bench.py run BUILD       --quick over every design: every design
                                  that can run here gives non-zero goodput
                                  and CPU, latency where it measures it; the
                                  kernel designs that cannot run say why; the
                                  table, JSON, CSV and plots are well formed
    test_bench.py latency BUILD   the stable latency format, line by line
    test_bench.py cli BUILD       bad command lines and an unavailable netem

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

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, 'hsplit-bench')
RUNNABLE = ('kernel-recv', 'kernel-zerocopy', 'hsplit-afxdp', 'hsplit-afpacket', 'hsplit-gen')
PROBED = ('kernel-devmem', 'kernel-zcrx')
WIRE_LATENCY = ('kernel-recv', 'kernel-zerocopy', 'hsplit-afxdp', 'hsplit-afpacket')

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


def check_design(d, cell_defs):
    name = d['name']
    if name in PROBED:
        check(str(d.get('unsupported', '')).startswith('unsupported on '),
              '%s: says why it cannot run: %r' % (name, d.get('unsupported')))
        return
    if name == 'kernel-zerocopy' and d.get('unsupported'):
        check(d['unsupported'].startswith('not supported here'),
              'kernel-zerocopy: unsupported with an errno: %r' % d['unsupported'])
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
        if cell['workload'] == 'latency':
            check(c.get('samples', 0) > 0 and positive(c.get('p50_ns')) and
                  c['p50_ns']['median'] <= c['p99_ns']['median'] <= c['p999_ns']['median'],
                  '%s latency: samples and ordered percentiles' % name)
        for r in d['runs'][cid]:
            snd = r.get('sender')
            if snd is not None:
                check(snd.get('bytes') == r.get('bytes'),
                      '%s %s: receiver got what the sender sent (%s/%s)'
                      % (name, cid, r.get('bytes'), snd.get('bytes')))


def test_run(build):
    with tempfile.TemporaryDirectory() as out:
        r = bench(build, '--quick', '--out', out)
        if r.returncode == 77:
            print('# skip: ' + r.stderr.strip()[-300:])
            return 77
        check(r.returncode == 0, 'hsplit-bench --quick exits 0 (%d): %s'
              % (r.returncode, r.stderr.strip()[-1500:]))
        with open(os.path.join(out, 'results.json')) as f:
            doc = json.load(f)
        check(doc.get('format') == 'hsplit-bench/1', 'results.json has the format tag')
        names = [d['name'] for d in doc['designs']]
        check(names == list(RUNNABLE[:2] + PROBED + RUNNABLE[2:]), 'all seven designs: %s' % names)
        for d in doc['designs']:
            check_design(d, doc['cell_defs'])
        table = r.stdout
        check(all(n in table for n in names), 'the table names every design')
        check('pinning: ' in table and 'cpu' in table, 'the table says how it pinned')
        with open(os.path.join(out, 'results.csv')) as f:
            rows = list(csv.DictReader(f))
        want = sum(len(runs) for d in doc['designs'] for runs in d.get('runs', {}).values())
        check(len(rows) == want and want > 0, 'CSV has a row per run (%d/%d)' % (len(rows), want))
        for ext in ('png', 'svg'):
            for stem in ('throughput', 'latency-cdf'):
                p = os.path.join(out, '%s.%s' % (stem, ext))
                check(os.path.exists(p) and os.path.getsize(p) > 1000, 'plot %s.%s' % (stem, ext))
    return 1 if failures else 0


LINE = {
    'setup': re.compile(r'^setup msg_bytes=\d+ interval_us=\d+ count=\d+ reps=\d+ '
                        r'sender_cpu=\d+ receiver_cpu=\d+$'),
    'ok': re.compile(r'^design (\S+) status=ok samples=(\d+) p50_us=([\d.]+) p90_us=([\d.]+) '
                     r'p99_us=([\d.]+) p999_us=([\d.]+) max_us=([\d.]+) reps_p99_us=[\d.,]+$'),
    'unsupported': re.compile(r'^design (\S+) status=unsupported reason="[^"]+"$'),
    'bucket': re.compile(r'^bucket (\S+) le_us=([\d.]+) count=(\d+) cum_pct=([\d.]+)$'),
}


def test_latency(build):
    with tempfile.TemporaryDirectory() as out:
        r = bench(build, 'latency', '--designs', 'kernel-recv,kernel-devmem,hsplit-afxdp',
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
        seen, cum = {}, {}
        for line in lines[3:-1]:
            m = LINE['ok'].match(line)
            if m:
                p = [float(x) for x in m.groups()[2:7]]
                seen[m.group(1)] = int(m.group(2))
                check(0 < p[0] <= p[1] <= p[2] <= p[3] <= p[4] + 0.05,
                      '%s: ordered percentiles %s' % (m.group(1), p))
                continue
            if LINE['unsupported'].match(line):
                seen[line.split()[1]] = 'unsupported'
                continue
            m = LINE['bucket'].match(line)
            if check(m is not None, 'line has the documented grammar: %r' % line):
                cum[m.group(1)] = float(m.group(4))
        check(seen.get('kernel-recv') == 600 and seen.get('hsplit-afxdp') == 600,
              'both measured designs: 2 x 300 samples (%s)' % seen)
        check(seen.get('kernel-devmem') == 'unsupported', 'devmem reported unsupported')
        check(all(abs(v - 100.0) < 0.01 for v in cum.values()) and len(cum) == 2,
              'each histogram ends at 100%% (%s)' % cum)
        check(os.path.exists(os.path.join(out, 'latency.txt')), 'latency.txt written')
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
    return 1 if failures else 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('run', 'latency', 'cli'):
        print('usage: test_bench.py run|latency|cli BUILD', file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print('# skip: needs root')
        return 77
    return {'run': test_run, 'latency': test_latency, 'cli': test_cli}[sys.argv[1]](sys.argv[2])


if __name__ == '__main__':
    sys.exit(main())
