#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""hsplit-rx --samples and --random-app, on the gen backend (no root needed).

The soak (doc/soak.md) relies on both: --samples writes one JSON line per
interval whose counters must add up at every line, and whose last line,
written after every connection was let go, holds nothing; --random-app
makes each connection hold its tokens and stall at random, again and again,
so a run of 8 connections stalls many more than 8 times, and still every
byte is verified and every token comes back.

usage: app_sample_test.py HSPLIT_RX
"""
import json
import os
import subprocess
import sys
import tempfile

EAL = ['--no-huge', '-m', '512', '--no-pci', '--no-shconf', '-l', '0',
       '--file-prefix', 'hrxsample%d' % os.getpid(), '--log-level', 'lib.eal:error']
FLOWS = 8
KEYS = ('t', 'bytes', 'conns_live', 'chunks_held', 'app_tokens_held', 'binding_chunks_out',
        'hdr_mbufs_in_use', 'pay_mbufs_in_use', 'tokens_granted', 'tokens_returned',
        'tokens_dropped', 'final')


def main():
    exe = sys.argv[1]
    fails = []

    def check(cond, what):
        if not cond:
            fails.append(what)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'samples.jsonl')
        args = ['--listen', '10.2.0.1:5201', '--backend', 'gen',
                '--devargs', 'handshake=1,flows=%d' % FLOWS, '--verify', '--json', '--quiet',
                '--seconds', '3', '--interval', '0.5', '--samples', path, '--random-app', '7',
                '--hold-ms', '10', '--stall-after', '256K', '--stall-ms', '100']
        r = subprocess.run([exe] + EAL + ['--'] + args, capture_output=True, text=True, timeout=120)
        try:
            res = json.loads(r.stdout)
        except ValueError:
            print('FAIL hsplit-rx exit %d printed no JSON:\n%s' % (r.returncode, r.stderr[-2000:]))
            return 1
        with open(path) as f:
            lines = [json.loads(line) for line in f]
    check(r.returncode == 0, 'exit status %d' % r.returncode)
    check(res['bytes'] > 0 and res['bytes_verified'] == res['bytes'] and not res['verify_errors'],
          'verified %d of %d bytes' % (res['bytes_verified'], res['bytes']))
    check(res['teardown_clean'], 'teardown not clean')
    # repeated stalls: the fixed --stall-after mode stalls at most once per connection
    check(res['stalls'] > FLOWS, '%d stalls over %d connections: not repeated' % (res['stalls'], FLOWS))
    tcp = res['tcp']
    check(tcp['tokens_granted'] == tcp['tokens_returned'] + res['tokens_dropped_at_reset'],
          'tokens: %d granted, %d returned, %d dropped' % (tcp['tokens_granted'],
                                                           tcp['tokens_returned'],
                                                           res['tokens_dropped_at_reset']))
    check(len(lines) >= 4, '%d sample lines in a 3 s run at 0.5 s' % len(lines))
    for s in lines:
        missing = [k for k in KEYS if k not in s]
        check(not missing, 'sample at %s lacks %s' % (s.get('t'), missing))
        if missing:
            break
        check(s['tokens_granted'] == s['tokens_returned'] + s['tokens_dropped'] + s['app_tokens_held'],
              'sample at %.1f s: tokens do not add up: %s' % (s['t'], s))
    check(any(s['app_tokens_held'] > 0 for s in lines), 'no sample saw the application hold a token')
    last = lines[-1] if lines else {}
    check(last.get('final') is True and sum(s.get('final', False) for s in lines) == 1,
          'the last sample (and only it) is final')
    check(last.get('conns_live') == 0 and last.get('chunks_held') == 0 and
          last.get('app_tokens_held') == 0, 'the final sample still holds something: %s' % last)
    check(last.get('bytes') == res['bytes'], 'final sample bytes %s, report %d'
          % (last.get('bytes'), res['bytes']))
    for f in fails:
        print('FAIL ' + f)
    print('%d bytes verified, %d stalls, %d samples; %d failed checks'
          % (res['bytes_verified'], res['stalls'], len(lines), len(fails)))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
