#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed inputs of the parser and device targets into test/fuzz/corpus/<target>/.

fuzz_tcprx's seeds come from make_corpus.py. Each seed here is a well-formed
input the target's parser accepts (or a frame the device splits), so the
fuzzer starts from the accepted grammar instead of discovering it.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def tcp4(payload, dst=b'\x02\x68\x73\x00\x00\x01', opts=b''):
    """Ethernet / IPv4 / TCP with correct checksums."""
    tcp_len = 20 + len(opts)
    th = struct.pack('!HHIIBBHHH', 40000, 80, 1, 0, (tcp_len // 4) << 4, 0x18, 65535, 0, 0) + opts
    src, dst4 = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])
    ph = src + dst4 + struct.pack('!BBH', 0, 6, tcp_len + len(payload))
    c = csum(ph + th + payload)
    th = th[:16] + struct.pack('!H', c) + th[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + tcp_len + len(payload), 0, 0x4000, 64, 6,
                     0, src, dst4)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    eth = dst + b'\x02\x00\x00\x00\x00\x99' + b'\x08\x00'
    return eth + ip + th + payload


def udp6(payload):
    src, dst = b'\xfd' + b'\0' * 14 + b'\x02', b'\xfd' + b'\0' * 14 + b'\x01'
    uh = struct.pack('!HHHH', 7, 9, 8 + len(payload), 0)
    ph = src + dst + struct.pack('!I3xB', 8 + len(payload), 17)
    uh = uh[:6] + struct.pack('!H', csum(ph + uh + payload))
    ip = struct.pack('!IHBB16s16s', 6 << 28, 8 + len(payload), 17, 64, src, dst)
    return b'\x02\x68\x73\x00\x00\x01\x02\x00\x00\x00\x00\x99\x86\xdd' + ip + uh + payload


def device_input(queues, port, frames):
    """fuzz_device: queue count, per queue a b c hdr16 pay16 chunk nchunks, port byte, frames."""
    out = bytes([len(queues) - 1])
    for q in queues:
        out += bytes(q[:3]) + struct.pack('!HH', q[3], q[4]) + bytes(q[5:7])
    out += bytes([port])
    for ctl, f in frames:
        out += bytes([ctl]) + struct.pack('!H', len(f)) + f
    return out


def seeds():
    pay = bytes(range(256)) * 6
    l4 = 3 << 2 | 2  # protocol split, split_protos[3] (IPv4 TCP)
    yield 'device', 'seed-l4-split-host', device_input(
        [(l4, 0, 0, 256, 2048, 0, 0)], 8, [(0x80, tcp4(pay[:1000])), (0x80, tcp4(b''))])
    yield 'device', 'seed-l4-split-devmem-pack', device_input(
        [(l4, 2, 0x40, 256, 2048, 6, 4)], 8,
        [(0, tcp4(pay[:700])), (0, tcp4(pay[:300])), (0x80, tcp4(pay[:1400]))])
    yield 'device', 'seed-linear-ipv6-on-ipv4-split', device_input(
        [(l4, 4, 0x40, 256, 2048, 4, 0)], 8, [(0x80, udp6(pay[:200])), (0x80, tcp4(pay[:900]))])
    yield 'device', 'seed-rss-4-queues', device_input(
        [(l4, 0, 0, 256, 2048, 0, 0)] * 4, 0,
        [(0, tcp4(pay[:i * 50])) for i in range(1, 12)] + [(0x81, udp6(pay[:64]))])
    yield 'device', 'seed-length-split', device_input(
        [(1, 16, 0, 512, 2048, 0, 0)], 9, [(0x80, tcp4(pay[:500], opts=b'\x01' * 12))])

    yield 'devargs', 'seed-common', (b'\x00backend=gen,size=256,flows=4,max_queues=2,'
                                     b'mac=02:00:00:00:00:01,dmabuf=[memfd:size=64M,strict=1],'
                                     b'dmabuf_queues=[0,2-3],chunk=64K,placement=single,'
                                     b'on_empty=copy')
    yield 'devargs', 'seed-gen', b'\x01size=128,flows=2,rate=0,count=10,proto=udp,l3=ipv6,dport=9,handshake=1,rto=50'
    yield 'devargs', 'seed-peer', b'\x02peer=net_hsplit1'
    yield 'devargs', 'seed-ethdev', b'\x03port=net_ring0'
    yield 'devargs', 'seed-pcap', b'\x04rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap,loop=1'
    yield 'devargs', 'seed-afxdp', b'\x06iface=veth0,queue=3'
    yield 'devargs', 'seed-afpacket-common', b'\x00backend=afpacket,iface=veth0,max_queues=1'

    for name, spec in (('memfd', b'memfd:size=64K,strict=0'), ('memfd-huge', b'memfd:size=2M,hugetlb=1'),
                       ('udmabuf', b'udmabuf:size=64M,strict=1'), ('heap', b'heap:system:size=64M'),
                       ('drm', b'drm:/dev/dri/card0:size=16M,strict=0'), ('fd', b'fd:7,strict=1'),
                       ('cap', b'memfd:size=65G')):
        yield 'dmabuf_spec', 'seed-' + name, spec

    yield 'hrx_config', 'seed-file', (b'# hsplit-rx settings\nlisten = 10.99.0.2:5201\n'
                                      b'backend = afpacket\niface = veth0\nchunk = 16K\n'
                                      b'rcv-chunks = 64\nno-sack = yes\nseconds = 2.5\n'
                                      b'stall-after = 1M\nstall-ms = 40\ndmabuf = memfd:size=64M\n')
    yield 'hrx_config', 'seed-file-and-args', (b'listen = [fd00::2]:5201\nvdev = net_hsplit0,backend=gen\n'
                                               b'\0--burst=32\0--verify\0--json=no\0--wscale\0007')


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'corpus')
    for target, name, data in seeds():
        os.makedirs(os.path.join(root, target), exist_ok=True)
        with open(os.path.join(root, target, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
