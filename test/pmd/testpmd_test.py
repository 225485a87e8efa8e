#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""net_hsplit under stock dpdk-testpmd, driven the way a user drives it.

Each case starts dpdk-testpmd with the PMD loaded by -d, feeds commands on
stdin (interactive mode), optionally makes traffic while forwarding runs,
and parses what testpmd prints: per-packet verbose lines, NIC statistics and
`show port xstats`. The veth cases run testpmd inside a network namespace
with the Linux kernel sending from a second one. Strict mode (PROT_NONE host
view) is on wherever a dmabuf is bound. Prints TAP; exit 1 on any failure.

usage: testpmd_test.py <path to librte_net_hsplit.so> [case-name-substring]
"""
import os
import re
import sys

import hsplit_tools.testpmd as hsplit_testpmd
from hsplit_tools.netns import sh
from hsplit_tools.testpmd import TESTPMD, Skip, Veth, xstats

PMD = None
PROTO_TCP4 = '--rxhdrs=ipv4-tcp'
SPLIT = ['--mbuf-size=256,2048', '--rx-offloads=0x100000']


def testpmd(vdev, args, commands, **kw):
    return hsplit_testpmd.testpmd(PMD, vdev, args, commands, **kw)


def expect(cond, what, out=''):
    if not cond:
        raise AssertionError(what + ('\n--- testpmd output (tail) ---\n' + out[-2500:] if out else ''))


def verbose_packets(out):
    """(queue, nb_segs, length, hw ptype) of each packet testpmd printed."""
    pkts = []
    for line in out.splitlines():
        m = re.search(r'length=(\d+) - nb_segs=(\d+) - hw ptype: ([^-]*)-.*Receive queue=0x([0-9a-fA-F]+)',
                      line)
        if m:
            pkts.append((int(m.group(4), 16), int(m.group(2)), int(m.group(1)), m.group(3).split()))
    return pkts


RUN = [['set verbose 1', 'start'], ['stop', 'show port stats 0', 'show port xstats 0']]
QUIET = [['start'], ['stop', 'show port stats 0', 'show port xstats 0']]

# --- gen backend ------------------------------------------------------------


def case_protocol_split_devmem():
    out = testpmd('net_hsplit0,backend=gen,count=64,dmabuf=memfd:size=16M',
                  SPLIT + [PROTO_TCP4], RUN)
    pk = verbose_packets(out)
    x = xstats(out)
    # verbose lines can interleave with the prompt: counts come from the xstats
    expect(len(pk) > 0, 'testpmd printed the packets', out)
    expect(all(p[1] == 2 and p[2] == 1514 and 'L4_TCP' in p[3] for p in pk),
           'every packet: 2 segments, 1514 bytes, L4_TCP', out)
    expect(x.get('rx_q0_split_packets') == 64, 'xstat split_packets == 64', out)
    # the header segment is exactly Ethernet + IPv4 + TCP
    expect(x.get('rx_q0_split_header_bytes') == 64 * 54, 'header bytes == 64 x 54', out)
    expect(x.get('rx_q0_devmem_payload_bytes') == 64 * 1460, 'payload bytes in the dmabuf', out)
    expect('RTE_MBUF_F_RX_L4_CKSUM_GOOD' in out, 'checksum flags reported', out)


def case_length_split():
    out = testpmd('net_hsplit0,backend=gen,count=32', SPLIT + ['--rxpkts=100,2048'], RUN)
    x = xstats(out)
    expect(x.get('rx_q0_split_packets') == 32, '32 packets split', out)
    expect(verbose_packets(out) and all(p[1] == 2 for p in verbose_packets(out)),
           'two segments each', out)
    expect(x.get('rx_q0_split_header_bytes') == 32 * 100, 'segment 0 holds 100 bytes', out)


def case_linear_for_icmp():
    out = testpmd('net_hsplit0,backend=gen,count=20,proto=icmp,size=200,dmabuf=memfd:size=4M',
                  SPLIT + [PROTO_TCP4], RUN)
    x = xstats(out)
    expect(x.get('rx_q0_linear_packets') == 20, 'all 20 ICMP frames LINEAR', out)
    expect(x.get('rx_q0_devmem_payload_bytes') == 0, 'nothing in the dmabuf', out)
    expect(verbose_packets(out) and all(p[2] == 200 for p in verbose_packets(out)),
           'whole frames delivered', out)


def case_xstats_match_traffic():
    out = testpmd('net_hsplit0,backend=gen,count=1000,flows=8,dmabuf=memfd:size=16M',
                  SPLIT + [PROTO_TCP4], QUIET)
    x = xstats(out)
    m = re.search(r'NIC statistics for port 0.*?RX-packets:\s+(\d+).*?RX-bytes:\s+(\d+)', out, re.S)
    expect(m and int(m.group(1)) == 1000 and int(m.group(2)) == 1514000, 'ipackets/ibytes', out)
    expect(x.get('rx_backend_frames') == 1000, 'backend frames == 1000', out)
    expect(x.get('rx_q0_packets') == 1000 and x.get('rx_good_packets') == 1000, 'per-queue', out)
    expect(x.get('rx_q0_no_desc_drops') == 0 and x.get('rx_q0_payload_pool_empty_drops') == 0,
           'no drops', out)


def case_flow_steering():
    rule = 'flow create 0 ingress pattern eth / ipv4 / tcp dst is 5201 / end actions queue index 1 / end'
    out = testpmd('net_hsplit0,backend=gen,count=200,flows=4', SPLIT + [PROTO_TCP4, '--rxq=2', '--txq=2'],
                  [[rule, 'set verbose 1', 'start'], RUN[1]])
    x = xstats(out)
    expect('Flow rule #0 created' in out, 'rule created', out)
    expect(x.get('rx_q1_packets') == 200 and x.get('rx_q0_packets') == 0, 'all to queue 1', out)
    expect(all(p[0] == 1 for p in verbose_packets(out)), 'testpmd saw them on queue 1', out)
    rule = 'flow create 0 ingress pattern eth / ipv4 / tcp src is 10001 / end actions queue index 1 / end'
    # RSS off: what no rule takes goes to queue 0
    out = testpmd('net_hsplit0,backend=gen,count=200,flows=4',
                  SPLIT + [PROTO_TCP4, '--rxq=2', '--txq=2', '--disable-rss'], [[rule, 'start'], QUIET[1]])
    x = xstats(out)
    expect(x.get('rx_q1_packets') == 50 and x.get('rx_q0_packets') == 150, 'one flow of 4 steered', out)


def case_isolate():
    rule = 'flow create 0 ingress pattern eth / ipv4 / tcp src is 10001 / end actions queue index 0 / end'
    out = testpmd('net_hsplit0,backend=gen,count=200,flows=4', SPLIT + [PROTO_TCP4, '--flow-isolate-all'],
                  [[rule, 'start'], QUIET[1]])
    x = xstats(out)
    expect(x.get('rx_q0_packets') == 50, 'only the matching flow delivered', out)
    expect(x.get('rx_isolated_drops') == 150, 'the rest counted as isolated drops', out)


def case_bad_devargs():
    for devargs, word in [('net_hsplit0,backend=nic', 'backend=nic'),
                          ('net_hsplit0,chunk=3000', 'chunk=3000'),
                          ('net_hsplit0,dmabuf=udmabuf:size=1G,nope=1', "unknown devarg 'nope'"),
                          ('net_hsplit0,backend=afxdp', 'needs iface'),
                          ('net_hsplit0,backend=afpacket,iface=nosuch0', 'nosuch0')]:
        out = testpmd(devargs, [], [[], []], wait=0.1)
        expect(word in out and 'probe failed' in out, 'devargs %s: error names %r' % (devargs, word), out)

# --- veth: the Linux kernel sends ---------------------------------------------


def case_veth_afpacket_tcp_udp():
    with Veth() as v:
        out = testpmd('net_hsplit0,backend=afpacket,iface=%s,dmabuf=memfd:size=16M' % v.rx_if,
                      SPLIT + [PROTO_TCP4], QUIET, netns=v.rx,
                      traffic=lambda: (v.send_tcp_stream(1 << 20), v.send_udp(100, 1000)))
        x = xstats(out)
        # ~1 MiB over MSS 1448: at least 700 data segments split with payload in the dmabuf
        expect(x.get('rx_q0_devmem_payload_bytes', 0) >= 1 << 20, 'the TCP stream payload in the dmabuf', out)
        expect(x.get('rx_q0_split_packets', 0) >= 700, 'TCP segments split', out)
        # UDP does not match an ipv4-tcp split: delivered whole, LINEAR
        expect(x.get('rx_q0_linear_packets', 0) >= 100, 'UDP frames LINEAR under ipv4-tcp', out)
        expect(x.get('backend_errors') == 0, 'no backend errors', out)
        expect(x.get('rx_q0_csum_bad_packets') == 0, 'kernel checksums verified good', out)


def case_veth_afxdp_udp():
    with Veth() as v:
        out = testpmd('net_hsplit0,backend=afxdp,iface=%s,queue=0,dmabuf=memfd:size=16M' % v.rx_if,
                      SPLIT + ['--rxhdrs=ipv4-udp'], QUIET, netns=v.rx,
                      traffic=lambda: (v.send_udp(200, 1000), v.send_tcp_syns()))
        x = xstats(out)
        expect(x.get('rx_q0_split_packets', 0) >= 200, '200 UDP datagrams split', out)
        expect(x.get('rx_q0_split_header_bytes', 0) >= 200 * 42, 'UDP headers of 42 bytes', out)
        expect(x.get('rx_q0_devmem_payload_bytes', 0) >= 200 * 1000, 'UDP payload in the dmabuf', out)
        expect(x.get('rx_q0_linear_packets', 0) >= 1, 'TCP SYNs LINEAR under ipv4-udp', out)


def case_veth_vanishes():
    with Veth() as v:
        out = testpmd('net_hsplit0,backend=afpacket,iface=%s' % v.rx_if, [], QUIET, netns=v.rx,
                      traffic=lambda: sh('ip', 'link', 'del', v.rx_if, ns=v.rx))
        expect('Bye' in out, 'testpmd survived the interface going away', out)
        expect(xstats(out).get('backend_errors', 0) >= 1, 'the loss is counted', out)


CASES = [(n[5:], f) for n, f in sorted(globals().items()) if n.startswith('case_')]


def main():
    global PMD
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    PMD = os.path.abspath(sys.argv[1])
    only = sys.argv[2] if len(sys.argv) > 2 else ''
    cases = [(n, f) for n, f in CASES if only in n]
    print('1..%d' % len(cases))
    if TESTPMD is None:
        for i, (n, _) in enumerate(cases, 1):
            print('not ok %d - %s # dpdk-testpmd not found (Debian package dpdk-dev)' % (i, n))
        return 1
    failed = 0
    for i, (name, fn) in enumerate(cases, 1):
        try:
            fn()
            print('ok %d - %s' % (i, name))
        except Skip as e:
            print('ok %d - %s # SKIP %s' % (i, name, e))
        except AssertionError as e:
            failed += 1
            print('not ok %d - %s' % (i, name))
            print('\n'.join('# ' + l for l in str(e).splitlines()))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
