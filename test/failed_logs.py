#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print the end of the output of every test that failed, from meson's
testlog.json files, so that a CI log which keeps only its tail still says
why a run went red. Usage: failed_logs.py BUILD_DIR... [--lines N]"""
import json
import re
import sys


def is_failed_case(line):
    """A TAP "not ok" that is not a skip."""
    return line.startswith('not ok') and not re.search(r'#\s*SKIP', line, re.IGNORECASE)


def print_failed_cases(out, context=20):
    """Each TAP "not ok" line with the comment lines that follow it."""
    for i, line in enumerate(out):
        if not is_failed_case(line):
            continue
        print('----- failed case -----')
        print(line)
        for follow in out[i + 1:i + 1 + context]:
            if not follow.startswith('#'):
                break
            print(follow)


def main(args):
    lines = 60
    if '--lines' in args:
        i = args.index('--lines')
        lines = int(args[i + 1])
        del args[i:i + 2]
    for d in args:
        try:
            log = open('%s/meson-logs/testlog.json' % d).read().splitlines()
        except OSError:
            print('failed_logs: %s has no test log' % d)
            continue
        for raw in log:
            if not raw.strip():
                continue
            t = json.loads(raw)
            out = (t.get('stdout') or '') + (t.get('stderr') or '')
            bad = t['result'] in ('FAIL', 'TIMEOUT', 'ERROR') or \
                any(is_failed_case(l) for l in out.splitlines())
            if not bad:
                continue
            print('===== %s: %s (%s), last %d lines =====' % (d, t['name'], t['result'], lines))
            tail = out.splitlines()[-lines:]
            print('\n'.join(tail))
            print_failed_cases(out.splitlines())
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
