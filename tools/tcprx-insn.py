#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per in-order segment in lib/tcprx, from callgrind (load-independent).

usage: tools/tcprx-insn.py [--build DIR] [--polls N] [--out DIR] CONNS...

Runs hsplit-tcprx-bench under callgrind with --polls N (a fixed number of loop
rounds per window: warm-up, untimed, timed), collecting only inside tb_loop_for,
and splits the instructions as the bench splits its cycles:
  poll = tcprx_poll - hsplit_rx_burst - hsplit_tx_burst (the emulated device) - mark_ready
  app  = everything else in the loop (tcprx_recv, tcprx_dontneed, readiness)
each divided by the segments delivered in those loops (the bench prints them).
"""
import argparse
import re
import subprocess
import sys


def inclusive(annotate_out, fn):
    best = 0
    pat = re.compile(r'^\s*([\d,]+) \([^)]*\)\s+\S*:' + re.escape(fn) + r'(\.[\w.]+)? \[')
    for line in annotate_out.splitlines():
        m = pat.match(line)
        if m:
            best = max(best, int(m.group(1).replace(',', '')))
    return best


def run(build, conns, polls, out):
    cg = f'{out}/callgrind.{conns}.out'
    cmd = ['valgrind', '--tool=callgrind', f'--callgrind-out-file={cg}',
           '--toggle-collect=tb_loop_for', f'{build}/app/hsplit-tcprx-bench',
           '--no-huge', '-m', '1024', '--no-pci', '--no-shconf', '-l', '0-1', '--',
           '--conns', str(conns), '--reps', '1', '--polls', str(polls)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    m = re.search(r'segments delivered in tb_loop_for, \d+ conns: (\d+)', res.stdout)
    if res.returncode != 0 or not m:
        sys.stderr.write(res.stdout[-3000:] + res.stderr[-3000:])
        raise SystemExit(f'tcprx-insn: the bench failed at {conns} connections')
    segs = int(m.group(1))
    ann = subprocess.run(['callgrind_annotate', '--inclusive=yes', '--threshold=100', cg],
                         capture_output=True, text=True).stdout
    total = inclusive(ann, 'tb_loop_for')
    poll = inclusive(ann, 'tcprx_poll')
    dev = inclusive(ann, 'hsplit_rx_burst') + inclusive(ann, 'hsplit_tx_burst')
    ready = inclusive(ann, 'mark_ready')
    stack = poll - dev - ready
    app = total - poll + ready
    return segs, stack / segs, app / segs, dev / segs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--build', default='build')
    ap.add_argument('--polls', type=int, default=640)
    ap.add_argument('--out', default='/tmp')
    ap.add_argument('conns', nargs='+', type=int)
    a = ap.parse_args()
    print(f'{"conns":>6} {"segments":>9} {"tcprx poll":>11} {"tcprx app":>10} '
          f'{"tcprx both":>11} {"device":>8}   (instructions per segment)')
    for c in a.conns:
        segs, stack, app, dev = run(a.build, c, a.polls, a.out)
        print(f'{c:>6} {segs:>9} {stack:>11.0f} {app:>10.0f} {stack + app:>11.0f} {dev:>8.0f}',
              flush=True)


if __name__ == '__main__':
    main()
