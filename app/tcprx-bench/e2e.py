#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end goodput over veth: Linux TCP sender -> hsplit-rx (lib/tcprx on
net_hsplit) next to Linux TCP sender -> a plain kernel recv() loop, same run,
same wire.

    sender ns:   vs  10.98.0.1/24   (tx checksum, TSO and GSO off: frames <= MTU,
                                     complete checksums, as the afpacket/afxdp
                                     backends need)
    receiver ns: vr  10.98.0.3/24   the kernel's address: the recv() receiver
                     10.98.0.2      not the kernel's: hsplit-rx owns it and answers ARP

The two receivers take turns (kernel, hsplit, kernel, hsplit, ...), each
transfer --mbytes of the gen pattern (byte k = k mod 251) on one connection.
Goodput is payload bytes / seconds from connect() until the receiver's FIN
reached the sender (it consumed everything), measured on the sender for both;
the receivers' own figures are printed too. Medians over --reps.

usage: e2e.py [--rx-bin build/app/hsplit-rx] [--backend afpacket|afxdp]
              [--mbytes 256] [--reps 3] [--mtu 1500] [--verify] [--json]
Root only (network namespaces). Exit 0 when every transfer completed (and,
with --verify, every byte matched on both receivers); 77 = skipped.
`meson test tcprx_e2e_smoke` runs it with 16 MiB, one repetition, --verify.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PORT = 5201
TX_IP, HSPLIT_IP, KERNEL_IP = '10.98.0.1', '10.98.0.2', '10.98.0.3'
PERIOD = 251
BLOCK = PERIOD * 1024
PATTERN = bytes(range(PERIOD)) * (BLOCK // PERIOD + 1)


class Skip(Exception):
    pass


def sh(*cmd, ns=None, check=True):
    full = (['ip', 'netns', 'exec', ns] if ns else []) + [str(c) for c in cmd]
    r = subprocess.run(full, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(full), r.returncode, r.stderr.strip()))
    return r


# ---------------------------------------------------------------- in a namespace

def do_send(host, nbytes, timeout):
    """Sender side: connect, send the pattern, shut down, wait for the receiver's FIN."""
    t0 = time.monotonic()
    s = socket.create_connection((host, PORT), timeout=timeout)
    sent = 0
    view = memoryview(PATTERN)
    while sent < nbytes:
        off = sent % PERIOD
        n = min(BLOCK, nbytes - sent)
        s.sendall(view[off:off + n])
        sent += n
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    dt = time.monotonic() - t0
    s.close()
    print(json.dumps({'bytes': sent, 'seconds': dt, 'gbps': sent * 8 / dt / 1e9}))


def do_recv(host, verify):
    """Kernel receiver: one connection, recv_into until EOF, then close."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, PORT))
    ls.listen(1)
    print('listening', flush=True)
    c, _ = ls.accept()
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    total, bad, t0 = 0, 0, None
    while True:
        n = c.recv_into(view)
        if n == 0:
            break
        if t0 is None:
            t0 = time.monotonic()
        if verify:
            off = total % PERIOD
            want = (PATTERN * (n // len(PATTERN) + 2))[off:off + n]
            bad += view[:n] != want
        total += n
    dt = time.monotonic() - (t0 or time.monotonic())
    c.close()
    ls.close()
    print(json.dumps({'bytes': total, 'seconds': dt, 'gbps': total * 8 / dt / 1e9 if dt else 0,
                      'verify_errors': bad}))


# ---------------------------------------------------------------- the harness

class Wire:
    def __init__(self, mtu):
        if os.geteuid() != 0:
            raise Skip('needs root (network namespaces, veth)')
        for tool in ('ip', 'ethtool'):
            if shutil.which(tool) is None:
                raise Skip('needs ' + tool)
        tag = str(os.getpid() % 100000)
        self.tx, self.rx = 'tbs' + tag, 'tbr' + tag
        self.tx_if, self.rx_if = 'vs' + tag, 'vr' + tag
        self.mtu = mtu
        self.made = []

    def __enter__(self):
        try:
            for ns in (self.tx, self.rx):
                sh('ip', 'netns', 'add', ns)
                self.made.append(ns)
                sh('ip', 'link', 'set', 'lo', 'up', ns=ns)
                sh('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', ns=ns, check=False)
            sh('ip', 'link', 'add', self.tx_if, 'netns', self.tx, 'type', 'veth',
               'peer', 'name', self.rx_if, 'netns', self.rx)
            for ns, dev, addr in ((self.tx, self.tx_if, TX_IP), (self.rx, self.rx_if, KERNEL_IP)):
                sh('ip', 'link', 'set', dev, 'mtu', self.mtu, 'up', ns=ns)
                sh('ip', 'addr', 'add', addr + '/24', 'dev', dev, ns=ns)
                sh('ethtool', '-K', dev, 'tx', 'off', 'tso', 'off', 'gso', 'off', ns=ns)
            self.wait_carrier()
        except BaseException:
            self.__exit__()
            raise
        return self

    def wait_carrier(self):
        end = time.monotonic() + 5
        for ns, dev in ((self.tx, self.tx_if), (self.rx, self.rx_if)):
            while sh('cat', '/sys/class/net/%s/operstate' % dev, ns=ns).stdout.strip() != 'up':
                if time.monotonic() > end:
                    raise RuntimeError(dev + ' has no carrier')
                time.sleep(0.05)

    def __exit__(self, *exc):
        for ns in reversed(self.made):
            sh('ip', 'netns', 'del', ns, check=False)
        self.made = []

    def send(self, host, nbytes, timeout=300):
        r = sh(sys.executable, __file__, '--send', host, '--bytes', nbytes, '--timeout', timeout,
               ns=self.tx, check=False)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return {'error': 'sender exit %d: %s' % (r.returncode, r.stderr.strip()[-400:])}


def wait_line(p, word, timeout):
    """Read p's stream until a line containing word; (found, lines)."""
    lines, found = [], threading.Event()

    def reader():
        for line in iter(p.readline, ''):
            lines.append(line)
            if word in line:
                found.set()
        found.set()
    threading.Thread(target=reader, daemon=True).start()
    found.wait(timeout)
    return lines


def run_kernel(w, nbytes, verify):
    p = subprocess.Popen(['ip', 'netns', 'exec', w.rx, sys.executable, __file__, '--recv', KERNEL_IP]
                         + (['--verify'] if verify else []), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != 'listening':
        p.kill()
        raise RuntimeError('kernel receiver did not start: ' + p.stderr.read())
    snd = w.send(KERNEL_IP, nbytes)
    out, err = p.communicate(timeout=120)
    rcv = json.loads(out.strip().splitlines()[-1]) if p.returncode == 0 else {'error': err}
    return snd, rcv


def run_hsplit(w, exe, backend, nbytes, verify):
    eal = ['--no-huge', '-m', '512', '--no-pci', '--no-shconf', '-l', '0-1',
           '--file-prefix', 'tbe2e%d' % os.getpid(), '--log-level', 'lib.eal:error']
    args = ['--listen', '%s:%d' % (HSPLIT_IP, PORT), '--backend', backend, '--iface', w.rx_if,
            '--dmabuf', 'memfd:size=256M', '--conns', '1', '--json', '--interval', '0']
    if verify:
        args.append('--verify')
    p = subprocess.Popen(['ip', 'netns', 'exec', w.rx, exe] + eal + ['--'] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = wait_line(p.stderr, 'listening on', 60)
    if p.poll() is not None or not any('listening on' in l for l in lines):
        p.kill()
        raise RuntimeError('hsplit-rx did not start:\n' + ''.join(lines[-30:]))
    snd = w.send(HSPLIT_IP, nbytes)
    try:
        out = p.stdout.read()
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out = ''
    try:
        rcv = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        rcv = {'error': 'hsplit-rx exit %s: %s' % (p.returncode, ''.join(lines[-20:]))}
    return snd, rcv


def median(xs):
    return statistics.median(xs) if xs else float('nan')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--send'), ap.add_argument('--recv')
    ap.add_argument('--bytes', type=int), ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--rx-bin', default=os.path.join(TOP, 'build', 'app', 'hsplit-rx'))
    ap.add_argument('--backend', default='afpacket', choices=['afpacket', 'afxdp'])
    ap.add_argument('--mbytes', type=int, default=256)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--mtu', type=int, default=1500)
    ap.add_argument('--verify', action='store_true', help='check every byte on both receivers')
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    if a.send:
        return do_send(a.send, a.bytes, a.timeout)
    if a.recv:
        return do_recv(a.recv, a.verify)
    if not os.access(a.rx_bin, os.X_OK):
        print('e2e: %s not found: build app/hsplit-rx or pass --rx-bin' % a.rx_bin, file=sys.stderr)
        return 77
    nbytes = a.mbytes << 20
    res = {'kernel': [], 'hsplit': []}
    try:
        with Wire(a.mtu) as w:
            for _ in range(a.reps):
                res['kernel'].append(run_kernel(w, nbytes, a.verify))
                res['hsplit'].append(run_hsplit(w, a.rx_bin, a.backend, nbytes, a.verify))
    except Skip as e:
        print('e2e: skipped: %s' % e, file=sys.stderr)
        return 77
    return report(a, res, nbytes)


def report(a, res, nbytes):
    ok = all('error' not in s and 'error' not in r and r.get('bytes') == nbytes and
             not r.get('verify_errors') for runs in res.values() for s, r in runs)
    summary = {k: {'sender_gbps': median([s.get('gbps', 0) for s, _ in runs]),
                   'receiver_gbps': median([r.get('gbps', 0) for _, r in runs]),
                   'runs': [{'sender': s, 'receiver': {x: r.get(x) for x in
                             ('bytes', 'seconds', 'gbps', 'verify_errors', 'error')}}
                            for s, r in runs]}
               for k, runs in res.items()}
    if a.json:
        print(json.dumps({'bench': 'tcprx-e2e', 'backend': a.backend, 'mtu': a.mtu,
                          'bytes': nbytes, 'reps': a.reps, 'ok': ok, 'results': summary}))
    else:
        print('e2e goodput over veth, %d MiB per transfer, MTU %d, %d reps (median Gbit/s)'
              % (a.mbytes, a.mtu, a.reps))
        for k, label in (('kernel', 'kernel recv()'), ('hsplit', 'hsplit-rx (%s)' % a.backend)):
            g = [s.get('gbps', 0) for s, _ in res[k]]
            print('  %-22s sender %.3f (runs %s), receiver %.3f' % (
                label, summary[k]['sender_gbps'], ', '.join('%.3f' % x for x in g),
                summary[k]['receiver_gbps']))
        if not ok:
            for k, runs in res.items():
                for s, r in runs:
                    if ('error' in s or 'error' in r or r.get('bytes') != nbytes or
                            r.get('verify_errors')):
                        print('  %s failed: sender %s receiver %s' % (k, s, r))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
