#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Paired wall-clock runs of hsplit-tcprx-bench from two or more build trees.

usage: tools/tcprx-bench-ab.py [--conns LIST] [--rounds N] [--out FILE] BUILD...

On a shared VM one run of one build moves by a third at 10,000 connections,
and the same binary measured from one directory differed from a copy of it
in another by up to 60 ns per segment in the application half
(doc/performance.md). So each build's bench and the libraries it loads are
copied the same way into a fresh directory (t0, t1, ... side by side), the
builds take turns (--rounds times, each run --reps 3 --seconds 0.5) under a
fixed environment, and the table gives the medians of the per-run medians,
ns per in-order segment.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

FILES = ['app/hsplit-tcprx-bench', 'lib/tcprx', 'lib/devmem', 'drivers/net/hsplit']
ENV = {'PATH': '/usr/bin:/bin', 'HOME': '/root'}


def stage(build, dest):
    """The bench and the shared objects its RUNPATH ($ORIGIN/..) names, nothing else."""
    for rel in FILES:
        src = os.path.join(build, rel)
        if not os.path.exists(src):
            raise SystemExit(f'tcprx-bench-ab: {src} is missing: build it first '
                             f'(ninja -C {build} app/hsplit-tcprx-bench)')
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, dst, symlinks=True,
                            ignore=lambda d, names: [n for n in names if n.endswith('.p')])
        else:
            shutil.copy2(src, dst)


def run_once(tree, conns):
    res = subprocess.run([f'{tree}/app/hsplit-tcprx-bench', '--', '--conns', conns, '--reps', '3',
                          '--seconds', '0.5', '--json'], capture_output=True, text=True,
                         env=ENV, cwd=os.path.dirname(tree))
    if res.returncode != 0:
        sys.stderr.write(res.stderr[-2000:])
        raise SystemExit(f'tcprx-bench-ab: the bench failed in {tree}')
    return json.loads(res.stdout)['cells']


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--conns', default='1,100,1000,10000')
    ap.add_argument('--rounds', type=int, default=8)
    ap.add_argument('--out', help='every run\'s cells, one JSON line each')
    ap.add_argument('builds', nargs='+')
    a = ap.parse_args()
    top = tempfile.mkdtemp(prefix='tcprx-ab.')
    trees = []
    try:
        for i, b in enumerate(a.builds):
            trees.append(os.path.join(top, f't{i}'))
            stage(os.path.abspath(b), trees[-1])
        cells = {}
        log = open(a.out, 'w') if a.out else None
        for r in range(a.rounds):
            for i, t in enumerate(trees):
                for c in run_once(t, a.conns):
                    cells.setdefault((c['conns'], i), []).append(c)
                    if log:
                        log.write(json.dumps({'build': a.builds[i], 'round': r, 'cell': c}) + '\n')
        print(f'{"conns":>6}  {"build":<30} {"poll":>7} {"app":>7} {"tcprx":>7}  '
              f'(ns per segment, medians of {a.rounds} runs)')
        for (conns, i) in sorted(cells):
            v = cells[(conns, i)]
            med = [statistics.median(c[k]['median'] for c in v)
                   for k in ('tcprx_poll_ns', 'tcprx_app_ns', 'tcprx_ns')]
            print(f'{conns:>6}  {a.builds[i]:<30} {med[0]:>7.1f} {med[1]:>7.1f} {med[2]:>7.1f}')
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == '__main__':
    main()
