#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""hsplit-rx settings: bad options and config lines are refused with exit 2
and a message naming them; a config file's values apply and the command line
overrides them (run briefly on the gen backend, no root needed).

usage: options_test.py HSPLIT_RX
"""
import json
import os
import subprocess
import sys
import tempfile

EAL = ['--no-huge', '-m', '256', '--no-pci', '--no-shconf', '-l', '0',
       '--file-prefix', 'hrxopt%d' % os.getpid()]
BASE = ['--listen', '10.0.0.1:80', '--backend', 'gen']

BAD = [
    (['--listen', '1.2.3.4', '--backend', 'gen'], "--listen '1.2.3.4': expected IP:PORT"),
    (['--listen', '10.0.0.1:65536', '--backend', 'gen'], "--listen '10.0.0.1:65536'"),
    (['--backend', 'gen'], '--listen IP:PORT is required'),
    (['--listen', '10.0.0.1:80'], 'give --backend'),
    (BASE[:2] + ['--backend', 'foo'], "--backend 'foo': expected afxdp"),
    (BASE[:2] + ['--backend', 'afxdp'], '--backend afxdp needs --iface'),
    (BASE + ['--chunk', '3000'], "--chunk '3000': expected a power of two"),
    (BASE + ['--chunk', '4M'], "--chunk '4M'"),
    (BASE + ['--verify=maybe'], "--verify 'maybe': expected yes or no"),
    (BASE + ['--batch', '0'], "--batch '0'"),
    (BASE + ['--batch', '-1'], "--batch '-1'"),
    (BASE + ['--bytes', '5Q'], "--bytes '5Q'"),
    (BASE + ['--seconds', 'soon'], "--seconds 'soon'"),
    (BASE + ['--stall-ms', '5'], '--stall-after and --stall-ms go together'),
    (BASE + ['--random-app', 'x'], "--random-app 'x': expected a seed"),
    (BASE + ['--samples', '/tmp/s.jsonl', '--interval', '0'], '--samples needs an --interval'),
    (BASE + ['--devargs', 'dmabuf=memfd:size=1M'], 'binds its own dmabuf'),
    (['--listen', '10.0.0.1:80', '--vdev', 'net_hsplit0', '--backend', 'gen'], 'already names the device'),
    (['--listen', '10.0.0.1:80', '--vdev', 'net_null0'], 'expected net_hsplitN'),
    (BASE + ['--bogus'], "unknown option '--bogus'"),
    (BASE + ['--ring'], "needs a value"),
    (BASE + ['stray'], "unexpected argument 'stray'"),
    (BASE + ['--config', '/nonexistent/hrx.conf'], '/nonexistent/hrx.conf'),
    (BASE + ['--mtu', '40'], '--mtu 40: expected 0 or an MTU from 68'),
    (BASE + ['--mtu', '9000'], '--mtu 9000 with --chunk 4096: a chunk must hold a whole frame'),
    (BASE + ['--mss', '1461'], '--mss 1461 with MTU 1500'),
    (BASE + ['--mss', '4000', '--mtu', '4000', '--chunk', '8K'], '--mss 4000 with MTU 4000'),
]
BAD_FILES = [
    ('batch = 0\n', ":1: batch = '0': expected a token count"),
    ('listen 10.0.0.1:80\n', ":1: expected 'key = value'"),
    ('# comment\n\nlisen = 1\n', ":3: unknown setting 'lisen'"),
    ('verify = perhaps\n', ":1: verify = 'perhaps': expected yes or no"),
]


def run(exe, args, timeout=60):
    return subprocess.run([exe] + EAL + ['--'] + args, capture_output=True, text=True, timeout=timeout)


def main():
    exe = sys.argv[1]
    fails = []
    for args, want in BAD:
        r = run(exe, args)
        if r.returncode != 2 or want not in r.stderr:
            fails.append('%s: exit %d, stderr %r (want exit 2 and %r)' % (args, r.returncode, r.stderr[:300], want))
    with tempfile.TemporaryDirectory() as d:
        for text, want in BAD_FILES:
            path = os.path.join(d, 'bad.conf')
            with open(path, 'w') as f:
                f.write(text)
            r = run(exe, BASE + ['--config', path])
            if r.returncode != 2 or want not in r.stderr:
                fails.append('config %r: exit %d, stderr %r (want %r)' % (text, r.returncode, r.stderr[:300], want))
        # the file's values apply; the command line overrides them
        path = os.path.join(d, 'good.conf')
        with open(path, 'w') as f:
            f.write('# test\nlisten = 10.0.0.7:81   # inline comment\nbackend = gen\nverify = yes\n'
                    'seconds = 600\ninterval = 0\nrcv-chunks = 32\n')
        r = run(exe, ['--config', path, '--seconds', '0.3', '--verify=no', '--json'])
        try:
            res = json.loads(r.stdout)
        except ValueError:
            res = None
        if r.returncode != 0 or res is None:
            fails.append('good config: exit %d, stdout %r stderr %r' % (r.returncode, r.stdout[:300], r.stderr[-600:]))
        else:
            want = {'listen': '10.0.0.7:81', 'exit_reason': 'seconds', 'verify': False, 'teardown_clean': True}
            got = {k: res.get(k) for k in want}
            if got != want:
                fails.append('good config: got %s, want %s' % (got, want))
            if res['elapsed_seconds'] > 30:
                fails.append('--seconds 0.3 did not override seconds = 600: ran %.1f s'
                             % res['elapsed_seconds'])
        # --mtu sets the port's MTU (gen carries jumbo frames)
        r = run(exe, BASE + ['--mtu', '9000', '--chunk', '16K', '--seconds', '0.3', '--interval', '0',
                             '--json'])
        try:
            res = json.loads(r.stdout)
        except ValueError:
            res = None
        if r.returncode != 0 or res is None or res.get('mtu') != 9000:
            fails.append('--mtu 9000: exit %d, mtu %s, stderr %r' % (
                r.returncode, res.get('mtu') if res else None, r.stderr[-600:]))
    for f in fails:
        print('FAIL ' + f)
    print('%d checks, %d failed' % (len(BAD) + len(BAD_FILES) + 2, len(fails)))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
