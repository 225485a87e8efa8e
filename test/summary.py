#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count test cases from meson's testlog.json files and print one summary line.

TAP tests (the cmocka suites) are counted case by case; a test program that
died before reporting its whole plan has its missing cases counted as failed.
Other tests count as one case each. Exit status 1 if anything failed or no
test ran at all.
"""
import json
import re
import sys

TAP_RESULT = re.compile(r'^(not ok|ok)\b\s*\d*\s*(?:-\s*)?([^#]*)(#\s*(\w+))?')
# Any line: cmocka >= 1.1.7 prints "TAP version 13" before the plan.
TAP_PLAN = re.compile(r'^1\.\.(\d+)', re.MULTILINE)


def count_tap(stdout):
    passed = failed = skipped = 0
    planned = None
    failures = []
    for line in stdout.splitlines():
        m = TAP_PLAN.match(line)
        if m:
            planned = int(m.group(1))
            continue
        m = TAP_RESULT.match(line)
        if not m:
            continue
        directive = (m.group(4) or '').upper()
        if directive == 'SKIP':
            skipped += 1
        elif m.group(1) == 'ok':
            passed += 1
        else:
            failed += 1
            failures.append(m.group(2).strip())
    if planned is not None and passed + failed + skipped < planned:
        missing = planned - (passed + failed + skipped)
        failed += missing
        failures.append('%d case(s) never reported' % missing)
    return passed, failed, skipped, failures


def main(build_dirs):
    total = [0, 0, 0]
    ran = False
    for d in build_dirs:
        try:
            lines = open('%s/meson-logs/testlog.json' % d).read().splitlines()
        except OSError:
            print('summary: %s has no test log' % d)
            total[1] += 1
            continue
        for line in lines:
            if not line.strip():
                continue
            t = json.loads(line)
            ran = True
            if t.get('protocol') == 'tap' or TAP_PLAN.search(t.get('stdout') or ''):
                p, f, s, why = count_tap(t.get('stdout') or '')
                if t['result'] in ('FAIL', 'TIMEOUT', 'ERROR') and f == 0:
                    f, why = 1, ['%s (%s)' % (t['result'], t.get('returncode'))]
            else:
                p, f, s, why = {'OK': (1, 0, 0, []), 'SKIP': (0, 0, 1, []),
                                'EXPECTEDFAIL': (1, 0, 0, [])}.get(t['result'], (0, 1, 0, [t['result']]))
            print('%-14s %-28s %3d passed, %d failed, %d skipped%s' % (
                d, t['name'], p, f, s, ('   <- ' + '; '.join(why)) if why else ''))
            for i, v in enumerate((p, f, s)):
                total[i] += v
    if not ran:
        total[1] += 1
        print('summary: no test ran')
    line = '%d passed, %d failed' % (total[0], total[1])
    if total[2]:
        line += ', %d skipped' % total[2]
    print(line)
    return 1 if total[1] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:] or ['build']))
