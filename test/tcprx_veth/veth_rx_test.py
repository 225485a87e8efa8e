#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""lib/tcprx against the Linux TCP sender over veth, through hsplit-rx.

usage: veth_rx_test.py HSPLIT_RX HRX_WIRE CASE

CASE is <backend>-<what>: afxdp or afpacket, then
  1M, 100M, 1G       one connection of that many bytes, every byte verified
  lossy-1M, lossy-100M, lossy-1G
                     the same through hrx-wire: 1% loss, 1% duplicates, 5% of
                     frames held back 1 ms (reordered); the kernel here has no
                     sch_netem
  conns32            32 parallel connections of 4 MiB
  hold               a slow application: every token is kept 40 ms with 16
                     chunks, so the window keeps closing and reopening and
                     the sender goes no faster than the application; nothing
                     is lost
  stall              the application stops returning tokens for 1.5 s after
                     2 MiB: the window closes to zero, the sender stalls and
                     probes, the transfer resumes, nothing is lost
  csum               afpacket only: the sender's tx checksum offload on, so
                     its frames cross the veth as CHECKSUM_PARTIAL skbs with
                     the checksum field unfinished; net_hsplit takes the
                     kernel's word for them (TP_STATUS_CSUMNOTREADY,
                     rx_csum_from_backend) and 4 MiB arrive verified, while
                     10 segments injected with AF_PACKET (CHECKSUM_NONE) with
                     a wrong TCP checksum are still summed and flagged bad
  latency            200 messages of 64 B, 1 ms apart (TCP_NODELAY) from a
                     sender stamping TSval in µs (tcp_timestamps=2 + a usec-TS
                     route): hsplit-rx --latency measures every one, and
                     reports the CPU it used
Exit 0 pass, 1 fail, 77 skip (not root / no veth).
"""
import json
import socket
import struct
import sys
import time

from hsplit_tools.hsplit_rx import PORT, Receiver, Skip, Wire, sh

MIB = 1 << 20
LOSSY = {'loss': 1, 'dup': 1, 'reorder': 5, 'delay-us': 1000, 'seed': 4242}

# what: (bytes per connection, connections, impairment, extra hsplit-rx args, time limit s)
WHATS = {
    '1M': (MIB, 1, None, [], 60),
    '100M': (100 * MIB, 1, None, [], 120),
    '1G': (1024 * MIB, 1, None, [], 300),
    'lossy-1M': (MIB, 1, LOSSY, [], 60),
    'lossy-100M': (100 * MIB, 1, LOSSY, [], 240),
    'lossy-1G': (1024 * MIB, 1, LOSSY, [], 600),
    'conns32': (4 * MIB, 32, None, [], 180),
    'stall': (16 * MIB, 1, None, ['--rcv-chunks', '64', '--stall-after', '2M', '--stall-ms', '1500'], 120),
    'hold': (4 * MIB, 1, None, ['--rcv-chunks', '16', '--hold-ms', '40'], 120),
    'latency': (200 * 64, 1, None, ['--latency', '--msg', '64'], 60),
    'csum': (4 * MIB, 1, None, [], 60),
}
CORRUPT_SEGS = 10
# sends each hex frame given with AF_PACKET on the interface given
INJECT = ('import socket, sys\n'
          's = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n'
          's.bind((sys.argv[1], 0))\n'
          'for f in sys.argv[2:]:\n'
          '    s.send(bytes.fromhex(f))\n')
# what: how the sender paces its messages (pattern_send.py --msg/--gap-ms)
PACED = {'latency': {'msg': 64, 'gap_ms': 1}}


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def assert_common(res, snd, per_conn, conns, ipv6=False, csum_bad=0):
    total = per_conn * conns
    check(snd.get('ok'), 'sender: every connection sent its bytes and saw our FIN: %s'
          % json.dumps(snd)[:1500])
    check(res['exit_reason'] == 'conns', 'hsplit-rx stopped because %s, not after %d connections'
          % (res['exit_reason'], conns))
    check(res['conns_accepted'] == conns and res['conns_ended'] == conns,
          '%d accepted, %d ended, want %d' % (res['conns_accepted'], res['conns_ended'], conns))
    check(res['conns_reset'] == 0, '%d connections were reset' % res['conns_reset'])
    check(res['bytes'] == total, 'received %d bytes, sent %d' % (res['bytes'], total))
    check(res['bytes_verified'] == total and res['verify_errors'] == 0,
          'verified %d of %d bytes, %d mismatches' % (res['bytes_verified'], total, res['verify_errors']))
    for c in res['conns']:
        check(c['bytes'] == per_conn and c['bytes_verified'] == per_conn,
              'conn %d: %d bytes (%d verified), want %d' % (c['id'], c['bytes'], c['bytes_verified'], per_conn))
    check(res['teardown_clean'], 'mbufs or dmabuf chunks did not come home at teardown')
    check(res['errors'] == 0, '%d run-time errors' % res['errors'])
    tcp, g = res['tcp'], res['tcprx']
    check(tcp['tokens_granted'] == tcp['tokens_returned'],
          'tokens: %d granted, %d returned' % (tcp['tokens_granted'], tcp['tokens_returned']))
    check(tcp['token_bad_returns'] == 0, '%d bad token returns' % tcp['token_bad_returns'])
    check(g['csum_bad'] == csum_bad and g['csum_unknown'] == 0,
          'checksums: %d bad (want %d), %d unknown' % (g['csum_bad'], csum_bad, g['csum_unknown']))
    check(g['established'] == conns, '%d established, want %d' % (g['established'], conns))
    # nobody but hsplit-rx owns 10.99.0.2: the sender learnt our MAC from our ARP reply
    # (IPv6: from a neighbour advertisement)
    if ipv6:
        check(g['nd_replies'] >= 1, 'no neighbour advertisement sent')
    else:
        check(g['arp_replies'] >= 1, 'no ARP reply sent')
    # the window keeps the payload pool from running dry: no uncounted loss
    x = res['xstats']
    # hsplit-rx reports the non-zero xstats: a missing drop counter is 0, but
    # only in a snapshot that was taken at all
    check(x.get('rx_q0_packets', 0) > 0, 'no xstats snapshot (rx_q0_packets missing)')
    check(x.get('rx_q0_payload_pool_empty_drops', 0) == 0,
          '%d frames dropped for an empty payload pool' % x.get('rx_q0_payload_pool_empty_drops', 0))


def assert_lossy(res, wire, per_conn):
    tcp = res['tcp']
    check(wire is not None, 'hrx-wire reported nothing')
    if per_conn >= 100 * MIB:
        # with ~72k frames the wire surely dropped, duplicated and reordered some
        check(wire['a_dropped'] > 0 and wire['a_duplicated'] > 0 and wire['a_reordered'] > 0,
              'wire impaired nothing: %s' % wire)
        check(tcp['segs_ooo'] > 0, 'no out-of-order segment seen through a reordering wire')
        # a copy right behind its original is below RCV.NXT: unacceptable (RFC 9293)
        check(tcp['segs_dup'] + tcp['segs_unacceptable'] > 0,
              'no duplicate segment seen through a duplicating wire')
        check(tcp['dup_acks_out'] > 0, 'no immediate ACK for out-of-order data')


def assert_stall(res, snd):
    tcp = res['tcp']
    check(res['stalls'] == 1, '%d stalls, want 1' % res['stalls'])
    check(tcp['zero_windows'] > 0, 'the window never closed to zero during a 1.5 s stall')
    check(tcp['window_probes'] > 0, 'the sender never probed the zero window (or we did not answer)')
    check(tcp['window_updates'] > 0, 'no window update after the tokens came back')
    check(snd['seconds'] >= 1.5, 'the sender finished in %.2f s, inside the 1.5 s stall' % snd['seconds'])
    check(res['max_tokens_held'] <= 64 + 64,
          'the app held %d tokens with rcv-chunks 64' % res['max_tokens_held'])


def assert_hold(res, snd, total):
    # The window is counted in whole segments but offered in bytes rounded to
    # the window scale, so it may end a few bytes open rather than at zero:
    # what shows the slow application slowed the sender is the time. With 16
    # chunks (32 with the slack the never-left edge allows) and each kept
    # 40 ms, no more than 32 segments can pass every 40 ms.
    tcp = res['tcp']
    floor = total / (32 * 1448) * 0.040
    check(snd['seconds'] >= floor, 'the sender finished %d bytes in %.2f s: faster than 16 chunks '
          'held 40 ms each allow (%.2f s)' % (total, snd['seconds'], floor))
    check(tcp['window_updates'] + tcp['window_probes'] > 0, 'the window never reopened by update or probe')
    check(res['max_tokens_held'] <= 16 + 16, 'the app held %d tokens with rcv-chunks 16' % res['max_tokens_held'])


def assert_latency(res, tsval_ms):
    lat = res['latency']
    check(lat['count'] == 200, '%d messages measured, want 200' % lat['count'])
    check(res['latency_no_ts'] == 0, '%d messages without a TSval' % res['latency_no_ts'])
    # On one host anything up to 100 ms is a sane one-way latency, and at µs
    # resolution at least 1 µs; a millisecond TSval (--tsval-ms) rounds to 0.
    low = 0 if tsval_ms else 1000
    check(low <= lat['p50_ns'] <= 100 * 1000 * 1000, 'p50 %d ns is not a latency' % lat['p50_ns'])
    check(res['cpu_s'] > 0 and res['seconds'] > 0.1,
          'cpu_s %.3f over %.3f s of receiving' % (res['cpu_s'], res['seconds']))


def inet_sum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def inject_corrupt(v, count):
    """count TCP segments to hsplit-rx's port, each with its TCP checksum off by
    one, sent with AF_PACKET from the sender's end: CHECKSUM_NONE skbs, so the
    kernel vouches for nothing and the device must sum and flag them."""
    src = bytes.fromhex(v.mac(v.tx, v.tx_if).replace(':', ''))
    dst = bytes.fromhex(v.mac(v.rx, v.rx_if).replace(':', ''))
    saddr, daddr = socket.inet_aton(v.tx_ip), socket.inet_aton(v.rx_ip)
    frames = []
    for i in range(count):
        payload = bytes(range(100))
        tcp = struct.pack('!HHIIBBHHH', 40000 + i, PORT, 1000 + i, 0, 5 << 4, 0x18, 65535, 0, 0)
        ph = saddr + daddr + struct.pack('!BBH', 0, 6, len(tcp) + len(payload))
        good = 0xffff & ~inet_sum(ph + tcp + payload)
        tcp = tcp[:16] + struct.pack('!H', good ^ 0x0001) + tcp[18:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp) + len(payload), i, 0, 64, 6, 0,
                         saddr, daddr)
        ip = ip[:10] + struct.pack('!H', 0xffff & ~inet_sum(ip)) + ip[12:]
        frames.append((dst + src + b'\x08\x00' + ip + tcp + payload).hex())
    sh(sys.executable, '-c', INJECT, v.tx_if, *frames, ns=v.tx)


def assert_csum(res):
    x = res['xstats']
    check(x.get('rx_q0_csum_bad_packets', 0) == CORRUPT_SEGS,
          'the device flagged %d segments bad, want the %d corrupted ones'
          % (x.get('rx_q0_csum_bad_packets', 0), CORRUPT_SEGS))
    # every data segment of the transfer (4 MiB / 1448 > 2,800) came with the kernel's word
    check(x.get('rx_csum_from_backend', 0) >= 4 * MIB // 1448,
          'only %d frames took their checksum status from the backend'
          % x.get('rx_csum_from_backend', 0))


def run(exe, wire_bin, case):
    backend, _, what = case.partition('-')
    if backend not in ('afxdp', 'afpacket') or what not in WHATS or \
            (what == 'csum' and backend != 'afpacket'):
        print('unknown case %s' % case, file=sys.stderr)
        return 2
    per_conn, conns, impair, extra, limit = WHATS[what]
    t0 = time.monotonic()
    with Wire(impair=impair, wire_bin=wire_bin) as v:
        args = ['--verify', '--json', '--conns', conns, '--seconds', limit] + extra
        if what in PACED and not v.usec_timestamps():
            args.append('--tsval-ms')   # Linux before 6.7: a millisecond TSval
        rx = Receiver(exe, v, backend, args)
        try:
            rx.wait_ready()
            if what == 'csum':
                sh('ethtool', '-K', v.tx_if, 'tx', 'on', ns=v.tx)
                inject_corrupt(v, CORRUPT_SEGS)
            snd = v.send(per_conn, conns, timeout=min(limit, 60), **PACED.get(what, {}))
            status, out = rx.finish(timeout=limit + 30)
        finally:
            rx.kill()
        wire = v.stop_wire()
    elapsed = time.monotonic() - t0
    try:
        res = json.loads(out)
    except ValueError:
        print('hsplit-rx (exit %s) printed no JSON:\n%s\n%s' % (status, out[-2000:], rx.log()))
        return 1
    print('%s: %d x %d bytes in %.2f s (sender %.2f s), receiver %.2f Gbps first byte to end, '
          'CPU %.2f s; segs %d ooo %d dup %d zero-windows %d probes %d; case took %.1f s'
          % (case, conns, per_conn, res['seconds'], snd.get('seconds', 0), res['gbps'],
             res['cpu_s'], res['tcp']['segs_in'], res['tcp']['segs_ooo'], res['tcp']['segs_dup'],
             res['tcp']['zero_windows'], res['tcp']['window_probes'], elapsed))
    if 'latency' in res:
        print('latency: %s' % json.dumps({k: v for k, v in res['latency'].items() if k != 'buckets'}))
    if wire:
        print('wire: %s' % json.dumps(wire))
    try:
        check(status == 0, 'hsplit-rx exit status %s' % status)
        assert_common(res, snd, per_conn, conns, csum_bad=CORRUPT_SEGS if what == 'csum' else 0)
        if what == 'csum':
            assert_csum(res)
        if impair:
            assert_lossy(res, wire, per_conn)
        if what == 'stall':
            assert_stall(res, snd)
        if what == 'hold':
            assert_hold(res, snd, per_conn * conns)
        if what == 'latency':
            assert_latency(res, '--tsval-ms' in args)
    except Failed as e:
        print('FAIL %s: %s' % (case, e))
        print('--- hsplit-rx stderr (tail) ---\n' + rx.log())
        print('--- hsplit-rx JSON ---\n' + json.dumps({k: v for k, v in res.items() if k != 'conns'}))
        return 1
    print('PASS %s' % case)
    return 0


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return run(sys.argv[1], sys.argv[2], sys.argv[3])
    except Skip as e:
        print('SKIP: %s' % e)
        return 77


if __name__ == '__main__':
    sys.exit(main())
