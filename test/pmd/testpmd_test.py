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
import shutil
import struct
import sys
import tempfile

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
        # optional fields (RSS hash, VLAN tci) may sit between nb_segs and hw ptype
        m = re.search(r'length=(\d+) - nb_segs=(\d+) - (?:.*? - )?hw ptype: ([^-]*)-'
                      r'.*Receive queue=0x([0-9a-fA-F]+)', line)
        if m:
            pkts.append((int(m.group(4), 16), int(m.group(2)), int(m.group(1)), m.group(3).split()))
    return pkts


RUN = [['set verbose 1', 'start'], ['stop', 'show port stats 0', 'show port xstats 0']]
QUIET = [['start'], ['stop', 'show port stats 0', 'show port xstats 0']]

# --- gen backend ------------------------------------------------------------


def case_protocol_split_devmem():
    out = testpmd('net_hsplit0,backend=gen,count=64,dmabuf=memfd:size=16M',
                  SPLIT + [PROTO_TCP4], RUN, frames=64)
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
    out = testpmd('net_hsplit0,backend=gen,count=32', SPLIT + ['--rxpkts=100,2048'], RUN, frames=32)
    x = xstats(out)
    expect(x.get('rx_q0_split_packets') == 32, '32 packets split', out)
    expect(verbose_packets(out) and all(p[1] == 2 for p in verbose_packets(out)),
           'two segments each', out)
    expect(x.get('rx_q0_split_header_bytes') == 32 * 100, 'segment 0 holds 100 bytes', out)


def case_linear_for_icmp():
    out = testpmd('net_hsplit0,backend=gen,count=20,proto=icmp,size=200,dmabuf=memfd:size=4M',
                  SPLIT + [PROTO_TCP4], RUN, frames=20)
    x = xstats(out)
    expect(x.get('rx_q0_linear_packets') == 20, 'all 20 ICMP frames LINEAR', out)
    expect(x.get('rx_q0_devmem_payload_bytes') == 0, 'nothing in the dmabuf', out)
    expect(verbose_packets(out) and all(p[2] == 200 for p in verbose_packets(out)),
           'whole frames delivered', out)


def case_xstats_match_traffic():
    out = testpmd('net_hsplit0,backend=gen,count=1000,flows=8,dmabuf=memfd:size=16M',
                  SPLIT + [PROTO_TCP4], QUIET, frames=1000)
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
                  [[rule, 'set verbose 1', 'start'], RUN[1]], frames=200)
    x = xstats(out)
    expect('Flow rule #0 created' in out, 'rule created', out)
    expect(x.get('rx_q1_packets') == 200 and x.get('rx_q0_packets') == 0, 'all to queue 1', out)
    expect(all(p[0] == 1 for p in verbose_packets(out)), 'testpmd saw them on queue 1', out)
    rule = 'flow create 0 ingress pattern eth / ipv4 / tcp src is 10001 / end actions queue index 1 / end'
    # RSS off: what no rule takes goes to queue 0
    out = testpmd('net_hsplit0,backend=gen,count=200,flows=4',
                  SPLIT + [PROTO_TCP4, '--rxq=2', '--txq=2', '--disable-rss'], [[rule, 'start'], QUIET[1]],
                  frames=200)
    x = xstats(out)
    expect(x.get('rx_q1_packets') == 50 and x.get('rx_q0_packets') == 150, 'one flow of 4 steered', out)


def case_isolate():
    rule = 'flow create 0 ingress pattern eth / ipv4 / tcp src is 10001 / end actions queue index 0 / end'
    out = testpmd('net_hsplit0,backend=gen,count=200,flows=4', SPLIT + [PROTO_TCP4, '--flow-isolate-all'],
                  [[rule, 'start'], QUIET[1]], frames=200)
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

# --- pcap backend: a capture of every frame type, every split ---------------


def _csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


PORT_MAC = bytes.fromhex('026873000000')   # net_hsplit's MAC for port 0 (pick_mac)
SRC_MAC = bytes.fromhex('020000000099')
SRC6, DST6 = bytes.fromhex('fd00' + '00' * 13 + '01'), bytes.fromhex('fd00' + '00' * 13 + '02')


def _l4(proto, payload, pseudo):
    """TCP (20 bytes, ACK) or UDP header + payload with the checksum over pseudo + segment."""
    if proto == 6:
        seg = struct.pack('!HHIIBBHHH', 1000, 5201, 1, 0, 5 << 4, 0x10, 65535, 0, 0) + payload
        off = 16
    else:
        seg = struct.pack('!HHHH', 1000, 5201, 8 + len(payload), 0) + payload
        off = 6
    c = _csum(pseudo(len(seg)) + seg)
    return seg[:off] + struct.pack('!H', c) + seg[off + 2:]


def _ipv4(proto, payload, frag=0):
    l4 = _l4(proto, payload, lambda n: b'\x0a\0\0\x01\x0a\0\0\x02' + struct.pack('!BBH', 0, proto, n))
    if frag:
        l4 = l4[:8]
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, frag, 64, proto, 0,
                      bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    hdr = hdr[:10] + struct.pack('!H', _csum(hdr)) + hdr[12:]
    return 0x0800, hdr + l4


def _ipv6(proto, payload, ext=b'', first_nh=None):
    l4 = _l4(proto, payload, lambda n: SRC6 + DST6 + struct.pack('!IxxxB', n, proto))
    hdr = struct.pack('!IHBB16s16s', 6 << 28, len(ext) + len(l4),
                      first_nh if first_nh is not None else proto, 64, SRC6, DST6)
    return 0x86dd, hdr + ext + l4


def _eth(l3, tags=(), dst=PORT_MAC, pad=60):
    etype, body = l3
    tagged = b''.join(struct.pack('!HH', tpid, 5) for tpid in tags)
    f = dst + SRC_MAC + tagged + struct.pack('!H', etype) + body
    return f + b'\0' * max(0, pad - len(f))


ARP = (0x0806, bytes.fromhex('0001080006040001') + SRC_MAC + bytes([10, 0, 0, 1]) + b'\0' * 6
       + bytes([10, 0, 0, 2]))
P200 = bytes(range(200))
# (name, frame, l2, l3, l4, family, L4 proto name or None, hw ptype names); l3 0 = not IP
CAPTURE = [
    ('ipv4-tcp', _eth(_ipv4(6, P200)), 14, 20, 20, 4, 'L4_TCP', 'L2_ETHER L3_IPV4 L4_TCP'),
    ('ipv4-udp', _eth(_ipv4(17, P200)), 14, 20, 8, 4, 'L4_UDP', 'L2_ETHER L3_IPV4 L4_UDP'),
    ('ipv4-frag', _eth(_ipv4(6, P200, frag=0x2000)), 14, 20, 0, 4, None, 'L2_ETHER L3_IPV4 L4_FRAG'),
    ('ipv6-tcp', _eth(_ipv6(6, P200)), 14, 40, 20, 6, 'L4_TCP', 'L2_ETHER L3_IPV6 L4_TCP'),
    ('ipv6-hbh-udp', _eth(_ipv6(17, P200, ext=bytes([17, 0, 1, 4, 0, 0, 0, 0]), first_nh=0)),
     14, 48, 8, 6, 'L4_UDP', 'L2_ETHER L3_IPV6_EXT L4_UDP'),
    ('ipv6-frag', _eth(_ipv6(6, P200, ext=bytes([6, 0, 0, 1, 0, 0, 0, 7]), first_nh=44)),
     14, 48, 0, 6, None, 'L2_ETHER L3_IPV6_EXT L4_FRAG'),
    ('vlan-ipv4-tcp', _eth(_ipv4(6, P200), tags=(0x8100,)), 18, 20, 20, 4, 'L4_TCP',
     'L2_ETHER_VLAN L3_IPV4 L4_TCP'),
    ('qinq-ipv4-tcp', _eth(_ipv4(6, P200), tags=(0x88a8, 0x8100)), 22, 20, 20, 4, 'L4_TCP',
     'L2_ETHER_QINQ L3_IPV4 L4_TCP'),
    ('dot1q-dot1q-ipv6-udp', _eth(_ipv6(17, P200), tags=(0x8100, 0x8100)), 22, 40, 8, 6, 'L4_UDP',
     'L2_ETHER_QINQ L3_IPV6 L4_UDP'),
    ('arp', _eth(ARP), 14, 0, 0, 0, None, 'L2_ETHER_ARP'),
    ('vlan-arp', _eth(ARP, tags=(0x8100,)), 18, 0, 0, 0, None, 'L2_ETHER_VLAN'),
]
RUNT = PORT_MAC + SRC_MAC + b'\x88\xb5' + b'\0' * 6          # 20 bytes
OVER_MTU = _eth(_ipv4(6, bytes(1746)))                          # 1800 bytes at MTU 1500
HDR_ROOM = 256 - 128   # --mbuf-size is the data room, RTE_PKTMBUF_HEADROOM included
RXHDRS = ['eth', 'ipv4', 'ipv6', 'ipv4-tcp', 'ipv4-udp', 'ipv6-tcp', 'ipv6-udp']


def write_pcap(path, frames):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(struct.pack('<IIII', 0, 0, len(fr), len(fr)) + fr)


def split_point(mode, fr):
    """Where DPDK's buffer-split definition splits this frame (0: not at all, LINEAR)."""
    name, frame, l2, l3, l4, fam, l4p = fr[:7]
    if mode.startswith('len'):
        return min(len(frame), 100)
    want = mode.split('-')
    if want[0] == 'eth':
        return l2
    if l3 == 0 or want[0] != 'ipv%d' % fam:
        return 0
    if len(want) == 1:
        return l2 + l3
    return l2 + l3 + l4 if l4p == 'L4_' + want[1].upper() else 0


def case_pcap_every_frame_every_split():
    d = tempfile.mkdtemp(prefix='hsplit-conf-')
    try:
        cap = os.path.join(d, 'every-type.pcap')
        write_pcap(cap, [f[1] for f in CAPTURE] + [RUNT, OVER_MTU])
        for mode in RXHDRS + ['len-100']:
            split = ['--rxhdrs=' + mode] if mode != 'len-100' else ['--rxpkts=100,2048']
            out = testpmd('net_hsplit0,backend=pcap,rx_pcap=' + cap, SPLIT + split, RUN,
                          frames=len(CAPTURE) + 2)
            pk, x = verbose_packets(out), xstats(out)
            expect(len(pk) == len(CAPTURE), '%s: %d frames delivered, want %d' %
                   (mode, len(pk), len(CAPTURE)), out)
            hdr_bytes = nsplit = nlinear = 0
            for fr, (q, segs, length, ptype) in zip(CAPTURE, pk):
                at = split_point(mode, fr)
                first = at if at else min(len(fr[1]), HDR_ROOM)
                want_segs = 2 if len(fr[1]) > first else 1
                expect((length, segs, ' '.join(ptype)) == (len(fr[1]), want_segs, fr[7]),
                       '%s %s: length/nb_segs/ptype %r, want %r' %
                       (mode, fr[0], (length, segs, ' '.join(ptype)),
                        (len(fr[1]), want_segs, fr[7])), out)
                hdr_bytes += at
                nsplit += at != 0
                nlinear += at == 0
            expect(x.get('rx_q0_split_packets') == nsplit and
                   x.get('rx_q0_linear_packets') == nlinear and
                   x.get('rx_q0_split_header_bytes') == hdr_bytes,
                   '%s: split %d / linear %d / header bytes %d' % (mode, nsplit, nlinear, hdr_bytes),
                   out)
            expect(x.get('rx_runt_drops') == 1 and x.get('rx_mtu_drops') == 1 and
                   x.get('rx_errors') == 2 and x.get('rx_missed_errors') == 0,
                   '%s: the runt and the 1800-byte frame: one counter each, both rx_errors' % mode,
                   out)
    finally:
        shutil.rmtree(d, True)

def case_pcap_vlan_and_multicast():
    """testpmd's own commands for VLAN strip/filter and the multicast list, promiscuous off."""
    group, other = bytes.fromhex('3333ff000002'), bytes.fromhex('3333ff000003')
    tagged = _eth(_ipv4(6, P200), tags=(0x8100,))                       # VID 5: kept, stripped
    frames = [tagged,
              _eth(_ipv4(6, P200), tags=(0x8100,)).replace(b'\x81\x00\x00\x05', b'\x81\x00\x00\x06', 1),
              _eth(_ipv6(17, P200), dst=group),
              _eth(_ipv6(17, P200), dst=other),
              _eth(_ipv4(6, P200), tags=(0x88a8, 0x8100))]                # S-tag: neither
    d = tempfile.mkdtemp(prefix='hsplit-vlan-')
    try:
        cap = os.path.join(d, 'vlan-mc.pcap')
        write_pcap(cap, frames)
        out = testpmd('net_hsplit0,backend=pcap,rx_pcap=' + cap, SPLIT + [PROTO_TCP4],
                      [['set promisc 0 off', 'vlan set strip on 0', 'vlan set filter on 0',
                        'rx_vlan add 5 0', 'mcast_addr add 0 33:33:ff:00:00:02',
                        'set verbose 1', 'start'], RUN[1]], frames=len(frames))
        pk, x = verbose_packets(out), xstats(out)
        expect([(p[2], ' '.join(p[3])) for p in pk] ==
               [(len(tagged) - 4, 'L2_ETHER L3_IPV4 L4_TCP'),
                (len(frames[2]), 'L2_ETHER L3_IPV6 L4_UDP'),
                (len(frames[4]), 'L2_ETHER_QINQ L3_IPV4 L4_TCP')],
               'the tagged frame stripped, the joined group, the S-tagged frame', out)
        expect(re.search(r'VLAN tci=0x5\b', out) is not None, 'vlan_tci 5 reported', out)
        expect(x.get('rx_vlan_filtered_drops') == 1 and x.get('rx_mac_filtered_drops') == 1,
               'VID 6 and the group not joined: one filter drop each', out)
        expect(x.get('rx_q0_split_header_bytes') == 54 + 62 and x.get('rx_q0_linear_packets') == 1,
               'split after TCP of the stripped frame (54) and of the QinQ one (62); IPv6 LINEAR',
               out)
    finally:
        shutil.rmtree(d, True)

# --- veth: the Linux kernel sends ---------------------------------------------


def case_veth_afpacket_tcp_udp():
    with Veth() as v:
        out = testpmd('net_hsplit0,backend=afpacket,iface=%s,dmabuf=memfd:size=16M' % v.rx_if,
                      SPLIT + [PROTO_TCP4], QUIET, netns=v.rx,
                      traffic=lambda: (v.send_tcp_stream(1 << 20), v.send_udp(100, 1000)),
                      frames=800)  # at least ~725 segments of 1448 bytes + 100 datagrams
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
                      traffic=lambda: (v.send_udp(200, 1000), v.send_tcp_syns()),
                      frames=201)
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
