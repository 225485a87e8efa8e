#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed inputs of test/fuzz/corpus/tcprx/ in fuzz_tcprx's byte format.

The format (fuzz_tcprx.c, fuzz_frames.c): 5 bytes of stack setup, then steps.
A step's first byte picks: 0-4 a burst of frames, 5 a clock step + timers,
6 accept + recv, 7 dontneed / close. Seeds: a clean transfer with FIN, out of
order and duplicate data over IPv6 with two payload segments, LINEAR frames
with software checksums, and a mix of resets, ARP, raw bytes and bad checksums.
Run it again after changing the format; reproducers of found bugs (crash-*)
are kept next to the seeds and never rewritten.
"""
import os
import struct
import sys

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
SEQ_REL, ACK_REL = 0x08, 0x10


def setup(mss=1460, wscale=7, sw=0, no_sack=False, no_ts=False):
    b = 0x7f | (0x80 if no_sack else 0)
    c = 0x7f | (0x80 if no_ts else 0)
    return bytes([b, c, sw, (mss - 536) // 4, wscale])


def ts(val, ecr=0):
    return bytes([1, 1, 8, 10]) + struct.pack('>II', val, ecr)


SYN_OPTS = bytes([2, 4, 0x05, 0xb4, 4, 2]) + ts(1)[2:] + bytes([1, 3, 3, 7])


def tcp(kind=0, csum=0, npay=0, peer=0, sel=SEQ_REL | ACK_REL, seq=0, ack=0, flags=ACK,
        win=65535, opts=b'', pay=0, frag=False):
    """One frame of a burst: seq is an int16 offset when sel has SEQ_REL, ack an int8 with ACK_REL."""
    b0 = kind | csum << 2 | npay << 4 | (0x80 if frag else 0)
    seq_b = struct.pack('>i', seq) if sel & SEQ_REL else struct.pack('>I', seq & 0xffffffff)
    ack_b = struct.pack('>i', ack) if sel & ACK_REL else struct.pack('>I', ack & 0xffffffff)
    return (bytes([b0, sel | peer]) + seq_b + ack_b + bytes([flags]) + struct.pack('>H', win) +
            bytes([len(opts)]) + opts + struct.pack('>H', pay))


def burst(*frames):
    return bytes([0, len(frames) - 1]) + b''.join(frames)


def handshake(peer=0, v6=False, isn=1000):
    kind = 1 if v6 else 0
    return (burst(tcp(kind, peer=peer, sel=0, seq=isn, flags=SYN, opts=SYN_OPTS)) +
            burst(tcp(kind, peer=peer, seq=0, ack=0, flags=ACK, opts=ts(2))))


def data(k, peer=0, v6=False, npay=1, csum=0, size=1448, flags=ACK | PSH, tsval=None, frag=False):
    return tcp(1 if v6 else 0, csum, npay, peer, seq=k * size, flags=flags,
               opts=ts(tsval if tsval is not None else 3 + k), pay=size, frag=frag)


def recv(idx=0, want=16):
    return bytes([6, idx, want - 1])


def give_back(idx=0, n=4):
    return bytes([7, (n - 1) & 3, idx]) + b''.join(bytes([1 | (i % 3) << 1, i]) for i in range(n))


def close(idx=0):
    return bytes([7, 0x80, idx])


def clock(ms):
    return bytes([5]) + struct.pack('>H', ms)


def seed_in_order():
    s = setup() + handshake()
    for k in range(0, 20, 4):
        s += burst(*(data(k + i) for i in range(4))) + recv() + give_back()
    s += burst(tcp(seq=20 * 1448, flags=FIN | ACK, opts=ts(30)))
    return s + recv() + clock(250) + close() + clock(3000)


def seed_ooo_v6():
    s = setup(wscale=2) + handshake(v6=True, isn=0xfffff000)
    s += burst(data(2, v6=True, npay=2), data(4, v6=True), data(1, v6=True, npay=2))
    s += burst(data(1, v6=True), data(0, v6=True), data(3, v6=True), data(3, v6=True))
    s += recv(want=8) + give_back(n=3) + clock(5) + recv()
    return s + burst(tcp(1, seq=5 * 1448, flags=RST, opts=b'')) + recv() + close()


def seed_linear_sw():
    s = setup(sw=1, no_sack=True) + handshake(peer=1)
    s += burst(data(0, peer=1, npay=3, csum=2, size=500), data(1, peer=1, npay=3, csum=3, size=500),
               data(2, peer=1, npay=0, size=0, flags=ACK))
    s += recv() + give_back() + burst(data(1, peer=1, csum=1, size=500))
    return s + clock(1200) + clock(3000) + recv()


def seed_mixed():
    s = setup(mss=536, no_ts=True) + handshake(peer=2) + handshake(peer=3)
    s += burst(bytes([2, 0, 0]), bytes([2, 1, 0]))                       # ARP request, reply
    s += burst(bytes([3, 40]) + bytes(range(54)))                       # raw bytes
    s += burst(tcp(peer=2, seq=0, flags=RST, opts=b''),                  # in-window RST: challenge
               tcp(peer=3, seq=100, flags=SYN | ACK, opts=b''),          # SYN: challenge ACK
               tcp(peer=2, sel=ACK_REL | 4, seq=0, flags=SYN, opts=b''), # closed port
               data(0, peer=3, frag=True, tsval=0),                      # IP fragment
               tcp(peer=3, seq=-5000, ack=200, flags=ACK, opts=b''))     # old, bad ack
    for n in range(6):                                                  # SYN flood
        s += burst(tcp(peer=n % 4, sel=0, seq=7 + n, flags=SYN, opts=SYN_OPTS))
    return s + clock(1000) + clock(2000) + clock(3999) + recv(1) + give_back(1, 2)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus', 'tcprx')
    os.makedirs(out, exist_ok=True)
    for name, fn in [('seed-in-order', seed_in_order), ('seed-ooo-v6', seed_ooo_v6),
                     ('seed-linear-sw', seed_linear_sw), ('seed-mixed', seed_mixed)]:
        with open(os.path.join(out, name), 'wb') as f:
            f.write(fn())


if __name__ == '__main__':
    main()
