#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""hsplit PMD demo: stock dpdk-testpmd receives kernel TCP and UDP over veth.

Two network namespaces joined by a veth pair. In the receiving one,
dpdk-testpmd runs net_hsplit on the veth end (afpacket by default: the kernel
keeps its own stack, so a real TCP connection to a kernel listener works and
the PMD sees every frame), with protocol split after TCP and payloads in a
strict memfd dmabuf. The sending namespace pushes a TCP stream and UDP
datagrams. The demo prints the testpmd command it ran and the split
statistics from `show port xstats`.

usage: hsplit_pmd_demo.py <librte_net_hsplit.so> [--mbytes N] [--udp N] [--backend afpacket|afxdp]
"""
import argparse
import sys
import time

try:
    from hsplit_tools.testpmd import TESTPMD, Skip, Veth, testpmd, xstats
except ImportError:
    sys.exit('hsplit_pmd_demo.py: no hsplit_tools: run it through ./run-demo --testpmd, '
             'or with PYTHONPATH=<checkout>/tools')


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('pmd', help='path to librte_net_hsplit.so')
    ap.add_argument('--mbytes', type=int, default=64, help='TCP stream size in MiB (default 64)')
    ap.add_argument('--udp', type=int, default=1000, help='UDP datagrams of 1000 bytes (default 1000)')
    ap.add_argument('--backend', choices=['afpacket', 'afxdp'], default='afpacket',
                    help='afpacket (default) taps the netdev; afxdp takes queue 0 from the '
                         'kernel, so only UDP gets through (no TCP handshake)')
    a = ap.parse_args()
    if a.mbytes < 0 or a.udp < 0:
        ap.error('--mbytes and --udp must not be negative')
    return a


def report(x, elapsed, tcp_bytes, udp):
    split, linear = x.get('rx_q0_split_packets', 0), x.get('rx_q0_linear_packets', 0)
    hdr = x.get('rx_q0_split_header_bytes', 0)
    rows = [
        ('frames from the wire (backend)', x.get('rx_backend_frames', 0)),
        ('delivered to testpmd', x.get('rx_good_packets', 0)),
        ('split: headers | payload', split),
        ('  mean header segment (bytes)', '%.1f' % (hdr / split) if split else '-'),
        ('  payload bytes in the dmabuf', x.get('rx_q0_devmem_payload_bytes', 0)),
        ('  payload fragments carved', x.get('rx_q0_pool_frag_allocs', 0)),
        ('LINEAR (not ipv4-tcp: whole frame in host memory)', linear),
        ('bad checksums flagged', x.get('rx_q0_csum_bad_packets', 0)),
        ('pool allocs fast | slow | empty', '%d | %d | %d' % (
            x.get('rx_q0_pool_alloc_fast', 0), x.get('rx_q0_pool_alloc_slow', 0),
            x.get('rx_q0_pool_alloc_empty', 0))),
        ('drops: no descriptor | pool empty | oversize',
         '%d | %d | %d' % (x.get('rx_q0_no_desc_drops', 0), x.get('rx_q0_payload_pool_empty_drops', 0),
                           x.get('rx_q0_oversize_drops', 0))),
        ('backend errors', x.get('backend_errors', 0)),
    ]
    print('\nsent by the kernel: TCP %d bytes, UDP %d x 1000 bytes, in %.1f s' % (tcp_bytes, udp, elapsed))
    for name, value in rows:
        print('  %-52s %s' % (name, value))


def main():
    a = parse_args()
    if TESTPMD is None:
        print('demo: dpdk-testpmd not found: install Debian package dpdk-dev '
              '(config/setup-host.sh does)', file=sys.stderr)
        return 1
    tcp_bytes = a.mbytes << 20 if a.backend == 'afpacket' else 0
    try:
        with Veth() as v:
            vdev = 'net_hsplit0,backend=%s,iface=%s,dmabuf=memfd:size=64M' % (a.backend, v.rx_if)
            args = ['--mbuf-size=256,2048', '--rxhdrs=ipv4-tcp', '--rx-offloads=0x100000']
            print('demo: ip netns exec %s dpdk-testpmd -l 0-1 --no-huge -m 512 --no-pci \\\n'
                  '        -d %s --vdev \'%s\' -- -i \\\n        %s --forward-mode=rxonly'
                  % (v.rx, a.pmd, vdev, ' '.join(args)))
            print('demo: sender %s (10.99.0.1) -> %s (10.99.0.2) over %s <-> %s, GSO/TSO off'
                  % (v.tx, v.rx, v.tx_if, v.rx_if))
            t0 = time.monotonic()

            def traffic():
                if tcp_bytes:
                    v.send_tcp_stream(tcp_bytes)
                v.send_udp(a.udp, 1000)
            out = testpmd(a.pmd, vdev, args, [['start'], ['stop', 'show port xstats 0']],
                          traffic=traffic, netns=v.rx, timeout=300)
            elapsed = time.monotonic() - t0
    except Skip as e:
        print('demo: %s' % e, file=sys.stderr)
        return 77  # meson's "skipped"; the machine cannot build the wire
    x = xstats(out)
    if 'rx_backend_frames' not in x:
        print(out[-3000:])
        print('demo: testpmd did not report xstats: see its output above', file=sys.stderr)
        return 1
    report(x, elapsed, tcp_bytes, a.udp)
    ok = (x.get('rx_q0_devmem_payload_bytes', 0) >= tcp_bytes and x.get('backend_errors', 0) == 0
          and x.get('rx_q0_csum_bad_packets', 0) == 0)
    print('  %-52s %s' % ('result', 'PASS' if ok else 'FAIL'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
