#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send hsplit-rx's test pattern over kernel TCP: byte k of every stream is k % 251.

The same pattern the net_hsplit gen backend writes (rte_pmd_hsplit_gen_byte),
so `hsplit-rx --verify` checks every received byte through the device view.
Each connection sends --bytes, shuts down its sending side and then waits
for the receiver's FIN: a clean end means the receiver consumed the stream
to its end and closed. Prints one JSON object; exit 0 when every connection
ended cleanly.

With --msg SIZE the stream goes out as SIZE-byte messages, each its own
send() with TCP_NODELAY, --gap-ms apart: the latency workload.

usage: pattern_send.py HOST PORT [--bytes N] [--conns N] [--timeout S] [--msg SIZE --gap-ms MS]
"""
import argparse
import json
import socket
import sys
import threading
import time

PERIOD = 251
BLOCK = PERIOD * 1024                  # bytes per send() call
PATTERN = bytes(range(PERIOD)) * (BLOCK // PERIOD + 1)


def parse_size(text):
    mult = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
    text = text.strip()
    if text and text[-1].upper() in mult:
        return int(text[:-1]) * mult[text[-1].upper()]
    return int(text)


def send_paced(s, nbytes, msg, gap, result):
    """Messages of msg bytes, one send() each, every gap seconds (absolute schedule)."""
    off, due = 0, time.monotonic()
    while off < nbytes:
        n = min(msg, nbytes - off)
        start = off % PERIOD
        s.sendall(PATTERN[start:start + n])
        off += n
        result['bytes'] = off
        due += gap
        time.sleep(max(0.0, due - time.monotonic()))


def send_stream(host, port, nbytes, timeout, result, msg=0, gap=0.0):
    t0 = time.monotonic()
    result.update(bytes=0, fin=False, error=None)
    try:
        fam = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((host, port))
        result['connect_seconds'] = time.monotonic() - t0
        mv = memoryview(PATTERN)
        off = 0
        if msg:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            send_paced(s, nbytes, msg, gap, result)
            off = nbytes
        while off < nbytes:
            start = off % PERIOD
            off += s.send(mv[start:start + min(BLOCK, nbytes - off)])
            result['bytes'] = off
        s.shutdown(socket.SHUT_WR)
        # The receiver closes once it has read our FIN: its FIN ends the stream.
        while True:
            data = s.recv(4096)
            if not data:
                result['fin'] = True
                break
            result['error'] = 'receiver sent %d bytes' % len(data)
        s.close()
    except OSError as e:
        result['error'] = '%s: %s' % (type(e).__name__, e)
    result['seconds'] = time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('host')
    ap.add_argument('port', type=int)
    ap.add_argument('--bytes', type=parse_size, default=1 << 20, help='per connection (K/M/G)')
    ap.add_argument('--conns', type=int, default=1, help='parallel connections')
    ap.add_argument('--timeout', type=float, default=30.0, help='socket timeout in seconds')
    ap.add_argument('--msg', type=parse_size, default=0, help='message size (0: bulk)')
    ap.add_argument('--gap-ms', type=float, default=1.0, help='between messages with --msg')
    a = ap.parse_args()
    if a.msg > BLOCK:
        ap.error('--msg is at most %d' % BLOCK)
    results = [dict() for _ in range(a.conns)]
    threads = [threading.Thread(target=send_stream, args=(a.host, a.port, a.bytes, a.timeout, r,
                                                          a.msg, a.gap_ms / 1000.0))
               for r in results]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    total = sum(r['bytes'] for r in results)
    ok = all(r['fin'] and r['error'] is None and r['bytes'] == a.bytes for r in results)
    print(json.dumps({'ok': ok, 'bytes': total, 'seconds': elapsed,
                      'gbps': total * 8 / elapsed / 1e9 if elapsed else 0, 'conns': results}))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
