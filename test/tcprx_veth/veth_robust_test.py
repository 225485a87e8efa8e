#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""lib/tcprx against hostile and unusual Linux peers over veth (issue 13).

usage: veth_robust_test.py HSPLIT_RX HRX_WIRE SYN_FLOOD CASE

CASE is <backend>-<what>: afxdp or afpacket, then
  mss88, mss536  the sender announces MSS 88 / 536 (route advmss) and
                 hsplit-rx offers the same, so the Linux sender sends
                 segments of 76 / 524 bytes (timestamps on) through hrx-wire
                 (5% held back 1 ms, 1% lost), to an application that keeps
                 every token 10 ms with 64 chunks: the window must follow
                 the small segments, so the application never holds more
                 than the budget allows, and PAWS must not drop the new data
                 a reordering wire brings behind a retransmission
  smallwrites    100-byte writes (TCP_NODELAY) at full MSS through the same
                 wire, 16 chunks held 10 ms: small segments stay in the budget
  ipv6-1M, ipv6-100M
                 IPv6 with no neighbour entry on the sender: it finds
                 hsplit-rx by a neighbour solicitation to the solicited-node
                 group, which net_hsplit's MAC filter must let through
  synflood       100,000 spoofed-source SYNs at 25,000 a second (syn-flood)
                 while Linux clients connect, two every half second, and
                 two more after the flood, each sending 1 MiB: SYN cookies
                 keep the full table from starving them
  vlan           the sender's frames tagged for VLAN 100 by hrx-wire --vlan
                 (this kernel has no 802.1Q driver for a vt.100
                 subinterface), hsplit-rx --vlan 100; a second Linux client
                 whose frames are tagged 200 is counted (other_vlan) and
                 gets nothing
  minimal        a sender that offers no timestamps, no SACK and no window
                 scaling, with MSS 536 (the options a small embedded stack
                 such as lwIP offers by default: Linux with those sysctls
                 off), through the reordering, lossy wire: the handshake
                 agrees on none of them, recovery works without SACK and
                 PAWS, and 4 MiB arrive verified
  jumbo          both veth ends at MTU 9000: hsplit-rx --mtu 9000 --chunk 16K
                 offers MSS 8960 and 16 MiB arrive verified in segments
                 of about 8.9 KiB; with afxdp (one 4 KiB UMEM frame per
                 frame, so frames up to 3840 bytes) --mtu 9000 is refused
                 at startup with the port's MTU range
Exit 0 pass, 1 fail, 77 skip (not root / no veth).
"""
import json
import subprocess
import sys
import threading
import time

from hsplit_tools.hsplit_rx import PORT, Receiver, Skip, Wire
from hsplit_tools.netns import add as add_ns, delete as delete_ns, in_ns, sh
from veth_rx_test import Failed, assert_common, check

MIB = 1 << 20
# the lossy wire of veth_rx_test.py without its duplicates
REORDER = {'loss': 1, 'reorder': 5, 'delay-us': 1000, 'seed': 4242}
FLOOD_SYNS, FLOOD_RATE = 100000, 25000
FLOOD_WAVE = 2          # clients that connect together
OTHER_VLAN = 200


class Case:
    """What one case sets up, runs and checks."""
    impair = None
    ipv6 = False
    per_conn, conns, limit = MIB, 1, 60

    def __init__(self, what):
        self.what = what
        self.args = []

    def prepare(self, wire):
        pass

    def traffic(self, wire):
        return wire.send(self.per_conn, self.conns, timeout=min(self.limit, 60))

    def check(self, res, wire_stats, wire):
        pass


class SmallMss(Case):
    impair = REORDER
    chunks = 64

    def __init__(self, what):
        super().__init__(what)
        self.mss = int(what[3:])
        self.per_conn = MIB if self.mss < 500 else 4 * MIB
        self.args = ['--mss', self.mss, '--rcv-chunks', self.chunks, '--hold-ms', '10']

    def prepare(self, wire):
        wire.route_advmss(self.mss)

    def check(self, res, wire_stats, wire):
        tcp, seg = res['tcp'], self.mss - 12   # timestamps take 12 bytes of every segment
        check(tcp['segs_in'] >= self.per_conn // seg,
              '%d segments for %d bytes: the sender did not send %d-byte segments'
              % (tcp['segs_in'], self.per_conn, seg))
        # doc/tcprx.md, "The window and held tokens": chunks held <= rcv_chunks + 2
        check(res['max_tokens_held'] <= self.chunks + 2,
              'the app held %d tokens with rcv-chunks %d (bound %d)'
              % (res['max_tokens_held'], self.chunks, self.chunks + 2))
        check(wire_stats is not None and wire_stats['a_reordered'] > 0,
              'the wire reordered nothing: %s' % wire_stats)
        check(tcp['segs_ooo'] > 0, 'no out-of-order segment through a reordering wire')
        # the window followed the segment size: the sender never had more
        # window than the chunks could hold, so nothing in it was refused
        check(tcp['budget_drops'] == 0, '%d in-window segments refused beyond the chunk budget'
              % tcp['budget_drops'])
        # A retransmission that fills a hole raises TS.Recent past originals
        # still on the wire; strict PAWS dropped those although they were new
        # data. They are kept now. PAWS still drops what is older than the
        # tolerance (segs_paws): on this wire those were old data, originals
        # whose retransmission had come first (doc/tcprx.md); the counters
        # cannot tell the two apart, so that is not asserted here.
        check(tcp['paws_reordered'] > 0,
              'no segment older than TS.Recent was kept on a reordering wire (%d PAWS drops)'
              % tcp['segs_paws'])


class SmallWrites(Case):
    """100-byte writes with TCP_NODELAY from a sender whose MSS is full-sized:
    segments below the MSS (Linux coalesces some while the window is
    shut), 16 chunks held 10 ms each. Counted in full-sized segments, this
    window let the application hold 80 tokens against 16 (issue 13)."""
    impair = REORDER
    per_conn, chunks = 512 * 1024, 16

    def __init__(self, what):
        super().__init__(what)
        self.args = ['--rcv-chunks', self.chunks, '--hold-ms', '10']

    def traffic(self, wire):
        return wire.send(self.per_conn, self.conns, timeout=60, msg=100, gap_ms=0)

    def check(self, res, wire_stats, wire):
        tcp = res['tcp']
        # how much Linux coalesces while the window is shut varies from run
        # to run (an average of 110 to 750 bytes seen); a bulk sender's is 1448
        avg = self.per_conn / max(tcp['segs_in'], 1)
        check(avg < 1000, '%d segments for %d bytes (%.0f on average): not small segments'
              % (tcp['segs_in'], self.per_conn, avg))
        check(res['max_tokens_held'] <= self.chunks + 2,
              'the app held %d tokens with rcv-chunks %d (bound %d)'
              % (res['max_tokens_held'], self.chunks, self.chunks + 2))


class Ipv6(Case):
    ipv6 = True

    def __init__(self, what):
        super().__init__(what)
        self.per_conn = 100 * MIB if what == 'ipv6-100M' else MIB
        self.limit = 120 if what == 'ipv6-100M' else 60

    def check(self, res, wire_stats, wire):
        g = res['tcprx']
        check(g['nd_replies'] >= 1, 'no neighbour advertisement sent')
        mac = wire.mac(wire.rx, wire.rx_if)
        neigh = wire.neighbour()
        print('neighbour discovery: %d advertisements sent; the sender\'s entry: %s; '
              'rx_mac_filtered_drops %d (other multicast: MLD reports)'
              % (g['nd_replies'], neigh, res['xstats'].get('rx_mac_filtered_drops', 0)))
        check(mac in neigh and 'PERMANENT' not in neigh,
              'the sender did not learn %s by neighbour discovery: %r' % (mac, neigh))


class SynFlood(Case):
    """Waves of FLOOD_WAVE clients every half second while the flood runs,
    and one after it: the 63 slots the first spoofed SYNs took stay taken
    for a minute (SYN-ACK retries), so every client meets a full table."""
    per_conn, limit = MIB, 60
    waves = int(FLOOD_SYNS / FLOOD_RATE / 0.5) - 1
    conns = (waves + 1) * FLOOD_WAVE

    def __init__(self, what, flood_bin):
        super().__init__(what)
        self.flood_bin = flood_bin
        self.flood = None
        self.wave_results = []

    def wave(self, wire):
        self.wave_results.append(wire.send(self.per_conn, FLOOD_WAVE, timeout=40))

    def traffic(self, wire):
        flood = subprocess.Popen(in_ns(wire.tx, [self.flood_bin, wire.rx_ip, PORT,
                                                 '--count', FLOOD_SYNS, '--rate', FLOOD_RATE]),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        threads = []
        try:
            for _ in range(self.waves):
                time.sleep(0.5)
                threads.append(threading.Thread(target=self.wave, args=(wire,)))
                threads[-1].start()
            out, err = flood.communicate(timeout=FLOOD_SYNS / FLOOD_RATE + 30)
            self.wave(wire)                 # the flood is over, its half-opens are not
        finally:
            for t in threads:
                t.join()
            if flood.poll() is None:
                flood.kill()
                flood.wait()
        try:
            self.flood = json.loads(out)
        except ValueError:
            self.flood = {'error': 'syn-flood exit %s: %s %s' % (flood.returncode, out, err)}
        return {'ok': all(w.get('ok') for w in self.wave_results) and
                len(self.wave_results) == self.waves + 1,
                'seconds': max(w.get('seconds', 0) for w in self.wave_results),
                'waves': self.wave_results}

    def check(self, res, wire_stats, wire):
        g, f = res['tcprx'], self.flood
        print('flood: %s; tcprx: syn_in %d synack_out %d cookies sent %d validated %d '
              'rejected %d half_open_timeouts %d'
              % (json.dumps(f), g['syn_in'], g['synack_out'], g['syncookies_sent'],
                 g['syncookies_validated'], g['syncookies_rejected'],
                 g['half_open_timeouts']))
        check(f.get('sent') == FLOOD_SYNS, 'syn-flood did not send its SYNs: %s' % f)
        # What the poller cannot keep up with is lost in the kernel's AF_XDP or
        # TPACKET ring before net_hsplit sees it: 86-100% arrived in the plain
        # build, 21-72% under ASan with the machine loaded (load average 28 on
        # 2 cores). The bound only asks for a flood: 15 times the table.
        check(g['syn_in'] >= FLOOD_SYNS // 100,
              'only %d SYNs reached lib/tcprx of %d sent' % (g['syn_in'], FLOOD_SYNS))
        # state only for the 63 SYNs that fill the table and those that take
        # a slot a client let go (or a client's own): every other SYN a cookie
        check(g['syncookies_sent'] >= g['syn_in'] - 4 * self.conns - 64,
              '%d SYN cookies sent for %d SYNs: the flood took state'
              % (g['syncookies_sent'], g['syn_in']))
        check(g['syncookies_validated'] >= 1, 'no legitimate client came in by a SYN cookie')
        check(g['syncookies_rejected'] == 0, '%d cookies rejected: nobody forged an ACK'
              % g['syncookies_rejected'])


class Minimal(Case):
    """The peer offers nothing but an MSS: no TS, no SACK, no window scale."""
    impair = REORDER
    per_conn, limit = 4 * MIB, 60
    MSS = 536

    def prepare(self, wire):
        for knob in ('tcp_timestamps', 'tcp_sack', 'tcp_window_scaling'):
            sh('sysctl', '-qw', 'net.ipv4.%s=0' % knob, ns=wire.tx)
        # It announces MSS 536 and sends no more (a 576-byte path), as lwIP's TCP_MSS does.
        sh('ip', 'route', 'replace', wire.rx_ip + '/32', 'dev', wire.tx_if, 'mtu', 'lock', '576',
           'advmss', self.MSS, ns=wire.tx)

    def check(self, res, wire_stats, wire):
        conn, tcp = res['conns'][0], res['tcp']
        agreed = {k: conn.get(k) for k in ('peer_mss', 'ts', 'sack', 'peer_wscale', 'our_wscale')}
        check(agreed == {'peer_mss': self.MSS, 'ts': False, 'sack': False, 'peer_wscale': 0,
                         'our_wscale': 0},
              'the handshake agreed %s with a peer that offered only MSS %d' % (agreed, self.MSS))
        check(tcp['segs_in'] >= self.per_conn // self.MSS,
              '%d segments for %d bytes: the sender did not send %d-byte segments'
              % (tcp['segs_in'], self.per_conn, self.MSS))
        check(wire_stats is not None and wire_stats['a_reordered'] > 0 and wire_stats['a_dropped'] > 0,
              'the wire neither reordered nor dropped: %s' % wire_stats)
        check(tcp['segs_ooo'] > 0, 'no out-of-order segment through a reordering wire')
        check(tcp['segs_paws'] == 0 and tcp['paws_reordered'] == 0,
              'PAWS acted without timestamps: %d / %d' % (tcp['segs_paws'], tcp['paws_reordered']))


class Jumbo(Case):
    """A jumbo-frame wire: the port's MTU set by --mtu, the MSS following it."""
    MTU = 9000
    per_conn, limit = 16 * MIB, 60
    refused_on = 'afxdp'     # its frames stop at 4096 - 256 bytes (AF_XDP headroom)

    def __init__(self, what):
        super().__init__(what)
        self.args = ['--mtu', self.MTU, '--chunk', '16K']

    def prepare(self, wire):
        sh('ip', 'link', 'set', wire.tx_if, 'mtu', self.MTU, ns=wire.tx)
        sh('ip', 'link', 'set', wire.rx_if, 'mtu', self.MTU, ns=wire.rx)

    def check(self, res, wire_stats, wire):
        tcp = res['tcp']
        check(res['mtu'] == self.MTU, 'port MTU %s, want %d' % (res['mtu'], self.MTU))
        # MSS 8960 less 12 bytes of timestamps; a 1500-byte wire would need 11,500 segments
        avg = self.per_conn / max(tcp['segs_in'], 1)
        check(avg > 8000, '%d segments for %d bytes (%.0f on average): not jumbo segments'
              % (tcp['segs_in'], self.per_conn, avg))

    def refused(self, exe, wire, backend):
        """hsplit-rx must exit at startup, naming the MTU and the range the port takes."""
        rx = Receiver(exe, wire, backend, ['--seconds', 5] + self.args)
        try:
            status, _ = rx.finish(timeout=60)   # refused: it exits on its own at once
        finally:
            rx.kill()
        err = rx.log(200)
        check(status != 0, 'hsplit-rx accepted --mtu %d on %s' % (self.MTU, backend))
        check('MTU %d' % self.MTU in err and 'the port takes 68 to 3822' in err,
              'no message naming the MTU and the range: %s' % err[-600:])
        return [line for line in err.splitlines() if 'MTU %d' % self.MTU in line][0]


class Vlan(Case):
    """The host kernel has no 802.1Q driver (CONFIG_VLAN_8021Q is not set), so
    no vt.100 subinterface: hrx-wire --vlan plays the switch instead, access
    port towards the Linux sender and trunk towards hsplit-rx."""
    vid = 100
    impair = {'vlan': vid}
    per_conn = 4 * MIB

    def __init__(self, what, wire_bin):
        super().__init__(what)
        self.wire_bin = wire_bin
        self.args = ['--vlan', self.vid]
        self.outsider = None

    def traffic(self, wire):
        self.outsider = outsider_on_other_vlan(wire, self.wire_bin)
        return wire.send(self.per_conn, self.conns, timeout=min(self.limit, 60))

    def check(self, res, wire_stats, wire):
        g, o = res['tcprx'], self.outsider
        print('outsider on VLAN %d: %s; tcprx other_vlan %d, syn_in %d'
              % (OTHER_VLAN, json.dumps(o), g['other_vlan'], g['syn_in']))
        check(not o.get('connected'), 'a connection on VLAN %d was answered' % OTHER_VLAN)
        # what the outsider's relay tagged 200 and put on the trunk: its SYN
        # and the kernel's retransmission of it
        tagged = o.get('wire', {}).get('a_frames', 0)
        check(tagged >= 2, 'the outsider sent fewer than 2 SYNs: %s' % o)
        check(g['other_vlan'] >= tagged,
              '%d frames counted on other VLANs, %d were sent tagged %d'
              % (g['other_vlan'], tagged, OTHER_VLAN))
        check(o['wire'].get('b_frames', -1) == 0,
              'hsplit-rx sent the outsider something: %s' % o['wire'])
        check(wire_stats is not None and wire_stats['b_other_vlan'] == 0,
              'hsplit-rx sent frames not tagged %d: %s' % (self.vid, wire_stats))


OUTSIDER = '''
import json, socket
s = socket.socket()
s.settimeout(1.5)
try:
    s.connect(("10.99.0.2", 5201))
    r = {"connected": True}
except OSError as e:
    r = {"connected": False, "error": str(e)}
print(json.dumps(r))
'''


def outsider_on_other_vlan(wire, wire_bin):
    """A second Linux client, in its own namespace, reaching the same trunk
    through a second hrx-wire that tags OTHER_VLAN; with a neighbour entry
    for hsplit-rx (its ARP would go unanswered) it sends tagged SYNs, which
    hsplit-rx --vlan 100 must count and leave alone. Its JSON, with the
    relay's counters under 'wire'."""
    ns, dev = wire.tx.replace('hrxs', 'hrxo'), wire.tx_if.replace('vt', 'vo')
    add_ns(ns)
    relay = None
    try:
        sh('ip', 'link', 'add', dev, 'netns', ns, 'type', 'veth', 'peer', 'name', 'wc',
           'netns', wire.mid)
        sh('ip', 'link', 'set', 'wc', 'up', ns=wire.mid)
        sh('ip', 'link', 'set', dev, 'up', ns=ns)
        sh('ethtool', '-K', dev, 'tx', 'off', 'tso', 'off', 'gso', 'off', ns=ns)
        sh('ip', 'addr', 'add', '10.99.0.1/24', 'dev', dev, ns=ns)
        sh('ip', 'neigh', 'replace', wire.rx_ip, 'lladdr', wire.mac(wire.rx, wire.rx_if),
           'dev', dev, 'nud', 'permanent', ns=ns)
        relay = subprocess.Popen(in_ns(wire.mid, [wire_bin, 'wc', 'wb', '--vlan', OTHER_VLAN]),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.2)
        r = sh(sys.executable, '-c', OUTSIDER, ns=ns, check=False)
        try:
            res = json.loads(r.stdout)
        except ValueError:
            res = {'error': 'outsider: exit %d: %s %s' % (r.returncode, r.stdout, r.stderr)}
        relay.terminate()
        out, _ = relay.communicate(timeout=10)
        res['wire'] = json.loads(out.strip().splitlines()[-1])
        return res
    finally:
        if relay is not None and relay.poll() is None:
            relay.kill()
            relay.wait()
        delete_ns(ns)


def make_case(what, wire_bin, flood_bin):
    if what in ('mss88', 'mss536'):
        return SmallMss(what)
    if what == 'smallwrites':
        return SmallWrites(what)
    if what in ('ipv6-1M', 'ipv6-100M'):
        return Ipv6(what)
    if what == 'synflood':
        return SynFlood(what, flood_bin)
    if what == 'vlan':
        return Vlan(what, wire_bin)
    if what == 'jumbo':
        return Jumbo(what)
    if what == 'minimal':
        return Minimal(what)
    return None


def run(exe, wire_bin, flood_bin, case):
    backend, _, what = case.partition('-')
    c = make_case(what, wire_bin, flood_bin)
    if backend not in ('afxdp', 'afpacket') or c is None:
        print('unknown case %s' % case, file=sys.stderr)
        return 2
    t0 = time.monotonic()
    with Wire(impair=c.impair, wire_bin=wire_bin, ipv6=c.ipv6) as v:
        c.prepare(v)
        if getattr(c, 'refused_on', None) == backend:
            try:
                said = c.refused(exe, v, backend)
            except Failed as e:
                print('FAIL %s: %s' % (case, e))
                return 1
            print('PASS %s: refused as it must be (%.1f s): %s' % (case, time.monotonic() - t0, said))
            return 0
        args = ['--verify', '--json', '--conns', c.conns, '--seconds', c.limit] + c.args
        rx = Receiver(exe, v, backend, args)
        try:
            rx.wait_ready()
            snd = c.traffic(v)
            status, out = rx.finish(timeout=c.limit + 30)
        finally:
            rx.kill()
        wire = v.stop_wire()
        try:
            res = json.loads(out)
        except ValueError:
            print('hsplit-rx (exit %s) printed no JSON:\n%s\n%s' % (status, out[-2000:], rx.log()))
            return 1
        tcp, x = res['tcp'], res['xstats']
        print('%s: %d x %d bytes in %.2f s (sender %.2f s), %.3f Gbps; segs %d ooo %d '
              'paws %d paws_reordered %d budget_drops %d chunk_overrun %d max tokens held %d; '
              'rx_mac_filtered_drops %d; case took %.1f s'
              % (case, c.conns, c.per_conn, res['seconds'], snd.get('seconds', 0), res['gbps'],
                 tcp['segs_in'], tcp['segs_ooo'], tcp['segs_paws'], tcp['paws_reordered'],
                 tcp['budget_drops'], tcp['chunk_overrun'], res['max_tokens_held'],
                 x.get('rx_mac_filtered_drops', 0), time.monotonic() - t0))
        if wire:
            print('wire: %s' % json.dumps(wire))
        try:
            check(status == 0, 'hsplit-rx exit status %s' % status)
            assert_common(res, snd, c.per_conn, c.conns, ipv6=c.ipv6)
            c.check(res, wire, v)
        except Failed as e:
            print('FAIL %s: %s' % (case, e))
            print('--- hsplit-rx stderr (tail) ---\n' + rx.log())
            print('--- hsplit-rx JSON ---\n' + json.dumps({k: v for k, v in res.items()
                                                          if k != 'conns'}))
            return 1
    print('PASS %s' % case)
    return 0


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return run(*sys.argv[1:])
    except Skip as e:
        print('SKIP: %s' % e)
        return 77


if __name__ == '__main__':
    sys.exit(main())
