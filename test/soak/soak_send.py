#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The soak's sender: connections opening and closing without a pause.

Runs in the sender namespace with the kernel's TCP. --conns slots each
loop: open a connection, send byte k = k % 251 (hsplit-rx --verify checks
every one), shut the sending side and wait for the receiver's FIN, close,
and start the next. Each connection draws what it does (seeded, so a run
repeats):

    empty   --empty-pct   connect, shut down, wait for the FIN: no payload
    short   the rest      1 byte .. --short-max, log-uniform
    long    --long-pct    --long-min .. --long-max, log-uniform
    abort   --abort-pct   (of short and long) send part of it, then close with
                          SO_LINGER 0: an RST instead of a FIN

After --seconds no slot opens a new connection and the open ones finish.
SIGTERM ends the run at once: every connection still open is reset
(SO_LINGER 0) and reported as unfinished. A socket call that waits longer
than --timeout resets its connection too (timeout). Prints one JSON object:
counts per outcome and one [local port, bytes sent, outcome, kind,
seconds] per connection, where outcome is ok (every byte sent and the
receiver's FIN seen), aborted (reset on purpose), timeout, unfinished, or
an error message. Exit 0 when no connection ended in an error.

usage: soak_send.py HOST PORT [--conns N] [--seconds S] [--seed N] [...]
"""
import argparse
import json
import math
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

from hsplit_tools.pattern_send import BLOCK, PATTERN, PERIOD, parse_size

stop = threading.Event()
hard_stop = threading.Event()
open_conns = {}     # slot -> [socket, local port, progress, kind, t0]: for SIGTERM


def log_uniform(rng, lo, hi):
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def draw(rng, a):
    """(kind, bytes to send, byte count after which to reset or None)."""
    r = rng.uniform(0, 100)
    if r < a.empty_pct:
        return 'empty', 0, None
    if r < a.empty_pct + a.long_pct:
        kind, size = 'long', log_uniform(rng, a.long_min, a.long_max)
    else:
        kind, size = 'short', log_uniform(rng, 1, a.short_max)
    abort = int(rng.uniform(0, size)) if rng.uniform(0, 100) < a.abort_pct else None
    return kind, size, abort


def send_pattern(s, upto, progress):
    """Send the pattern up to byte `upto`; progress[0] follows (it survives a timeout)."""
    mv = memoryview(PATTERN)
    while progress[0] < upto:
        start = progress[0] % PERIOD
        progress[0] += s.send(mv[start:start + min(BLOCK, upto - progress[0])])
    return progress[0]


LINGER_RST = struct.pack('ii', 1, 0)   # SO_LINGER {on, 0}: close() sends an RST


def one_connection(slot_id, host, port, kind, size, abort, timeout):
    """[local port, bytes sent, outcome, kind, seconds]."""
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    t0 = time.monotonic()
    entry = open_conns[slot_id] = [s, 0, [0], kind, t0]
    progress = entry[2]

    def result(outcome):
        return [entry[1], progress[0], outcome, kind, round(time.monotonic() - t0, 3)]
    try:
        s.settimeout(timeout)
        s.connect((host, port))
        entry[1] = s.getsockname()[1]
        if abort is not None:
            send_pattern(s, abort, progress)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
            return result('aborted')
        send_pattern(s, size, progress)
        s.shutdown(socket.SHUT_WR)
        # hsplit-rx closes once it has consumed everything up to our FIN
        data = s.recv(4096)
        return result('ok' if not data else 'error: the receiver sent %d bytes' % len(data))
    except socket.timeout:
        # no progress for --timeout s: give up with an RST, as 'unfinished' does
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        return result('timeout')
    except OSError as e:
        return result('error: %s: %s' % (type(e).__name__, e))
    finally:
        del open_conns[slot_id]
        s.close()


def slot(i, a, results, end, lock):
    rng = random.Random(a.seed * 1000003 + i)
    stop.wait(rng.uniform(0, a.ramp))  # the slots start spread out, not as one SYN burst
    while not stop.is_set() and time.monotonic() < end:
        kind, size, abort = draw(rng, a)
        r = one_connection(i, a.host, a.port, kind, size, abort, a.timeout)
        with lock:
            if not hard_stop.is_set():
                results.append(r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('host')
    ap.add_argument('port', type=int)
    ap.add_argument('--conns', type=int, default=64, help='connections open at once (64)')
    ap.add_argument('--seconds', type=float, default=60, help='open new connections this long')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=300,
                    help='longest wait in one socket call, seconds (300)')
    ap.add_argument('--ramp', type=float, default=2.0, help='slots start within this many s')
    ap.add_argument('--empty-pct', type=float, default=2)
    ap.add_argument('--long-pct', type=float, default=10)
    ap.add_argument('--abort-pct', type=float, default=2)
    ap.add_argument('--short-max', type=parse_size, default=1 << 20)
    ap.add_argument('--long-min', type=parse_size, default=4 << 20)
    ap.add_argument('--long-max', type=parse_size, default=32 << 20)
    a = ap.parse_args()
    results, lock = [], threading.Lock()
    t0 = time.monotonic()

    def on_term(sig, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    threads = [threading.Thread(target=slot, args=(i, a, results, t0 + a.seconds, lock), daemon=True)
               for i in range(a.conns)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) and not stop.is_set():
        time.sleep(0.2)
    if stop.is_set():
        # the run is over: whatever is still open is reset and reported unfinished
        with lock:
            hard_stop.set()
            for s, lport, progress, kind, t_open in list(open_conns.values()):
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
                except OSError:
                    pass
                results.append([lport, progress[0], 'unfinished', kind,
                                round(time.monotonic() - t_open, 3)])
    elapsed = time.monotonic() - t0
    outcomes = {}
    for r in results:
        key = r[2] if not r[2].startswith('error') else 'error'
        outcomes[key] = outcomes.get(key, 0) + 1
    errors = [r for r in results if r[2] not in ('ok', 'aborted', 'timeout', 'unfinished')]
    took = sorted(r[4] for r in results if r[2] == 'ok')

    def pct(q):
        return took[min(len(took) - 1, int(q * len(took)))] if took else 0
    print(json.dumps({'ok': not errors, 'seconds': elapsed, 'connections': len(results),
                      'outcomes': outcomes,
                      'conn_seconds': {'p50': pct(0.5), 'p99': pct(0.99), 'max': pct(1),
                                       'over_60s': sum(1 for t in took if t > 60)},
                      'bytes_ok': sum(r[1] for r in results if r[2] == 'ok'),
                      'bytes_aborted': sum(r[1] for r in results if r[2] == 'aborted'),
                      'errors': errors[:20], 'conns': results}))
    sys.stdout.flush()
    # daemon threads may still sit in a socket call: leave without waiting (the
    # kernel closes the sockets, with an RST where SO_LINGER 0 was set)
    os._exit(0 if not errors else 1)


if __name__ == '__main__':
    sys.exit(main())
