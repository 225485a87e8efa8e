#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""hsplit-rx demo: the Linux kernel sends TCP, hsplit-rx receives it on the bypass stack.

Two network namespaces joined by a veth pair. In the receiving one,
hsplit-rx runs net_hsplit on the veth end (afxdp by default: the queue is
taken from the kernel, so lib/tcprx answers ARP and the handshake itself),
splits every frame after the TCP header, lands payloads in a strict memfd
dmabuf, and verifies every byte through the device view. The sending
namespace's kernel pushes the test pattern (byte k = k % 251) over --conns
connections. The demo prints hsplit-rx's progress lines and summary.

usage: hsplit_rx_demo.py <build dir> [--mbytes N] [--conns N] [--backend afxdp|afpacket]
"""
import argparse
import os
import sys
import time

try:
    from hsplit_tools.hsplit_rx import RX_IP, TX_IP, Receiver, Skip, Wire
except ImportError:
    sys.exit('hsplit_rx_demo.py: no hsplit_tools: run it through ./run-demo, '
             'or with PYTHONPATH=<checkout>/tools')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('build', help='meson build directory (has app/hsplit-rx)')
    ap.add_argument('--mbytes', type=int, default=256, help='MiB per connection (default 256)')
    ap.add_argument('--conns', type=int, default=1, help='parallel connections (default 1)')
    ap.add_argument('--backend', choices=['afxdp', 'afpacket'], default='afxdp')
    a = ap.parse_args()
    if a.mbytes < 1 or not 1 <= a.conns <= 64:
        ap.error('--mbytes must be at least 1 and --conns from 1 to 64')
    exe = os.path.join(a.build, 'app', 'hsplit-rx')
    if not os.access(exe, os.X_OK):
        print('demo: %s is missing: build first (config/build.sh plain)' % exe, file=sys.stderr)
        return 1
    try:
        with Wire() as v:
            args = ['--verify', '--conns', a.conns, '--seconds', 600]
            rx = Receiver(exe, v, a.backend, args, echo=True, capture=False)
            print('demo: ip netns exec %s %s -- %s' % (v.rx, exe, ' '.join(rx.cmd[rx.cmd.index('--') + 1:])))
            print('demo: sender %s (%s, kernel TCP, TSO/GSO/checksum offload off) -> %s over %s <-> %s'
                  % (v.tx, TX_IP, RX_IP, v.tx_if, v.rx_if))
            sys.stdout.flush()
            rx.wait_ready()
            t0 = time.monotonic()
            snd = v.send(a.mbytes << 20, a.conns, timeout=120)
            status, _ = rx.finish(timeout=600)
            print('demo: the kernel sent %d bytes over %d connection(s) in %.2f s: %s'
                  % (snd.get('bytes', 0), a.conns, time.monotonic() - t0,
                     'every connection ended with our FIN' if snd.get('ok') else 'FAILED %s' % snd))
    except Skip as e:
        print('demo: %s' % e, file=sys.stderr)
        return 77
    ok = status == 0 and snd.get('ok')
    print('demo: %s' % ('PASS' if ok else 'FAIL (hsplit-rx exit %s)' % status))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
