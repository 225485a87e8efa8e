#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The soak: hsplit-rx for minutes under churn, loss, stalls and many connections.

Two hsplit-rx, one per address family, each behind its own lossy wire:

    IPv4: sender ns (10.99.0.1) -> hrx-wire (loss, dup, reorder) -> hsplit-rx 10.99.0.2
    IPv6: sender ns (fd00:99::1) -> hrx-wire (the same)           -> hsplit-rx [fd00:99::2]

In each sender namespace soak_send.py keeps --conns4/--conns6 connections
open at once, every one of them opened, filled with the test pattern and
closed in turn (short and long transfers, empty ones, a few reset midway).
hsplit-rx verifies every byte through the device view, holds its tokens and
stalls at random (--random-app) and writes a sample line each second
(--samples); this script adds the process's memory from /proc/PID/status.
When --seconds are over no new connection opens; the open ones finish;
then hsplit-rx is stopped and its report, its teardown and the series are
checked (soak_check.py, doc/soak.md). A summary is printed and written
with the samples and a plot to --out.

usage: soak.py --exe HSPLIT_RX --wire HRX_WIRE [--minutes N | --seconds N] [--out DIR]
Exit 0 pass, 1 fail, 77 skip (not root / no veth).
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

from hsplit_tools.hsplit_rx import Skip, Wire
from hsplit_tools.netns import in_ns, sh
from hsplit_tools.process import NsProcess

import soak_check

HERE = os.path.dirname(os.path.abspath(__file__))
SENDER = os.path.join(HERE, 'soak_send.py')
PORT = 5201
# What the wire does to the sender's frames (the ACKs pass untouched): as the
# tcprx-veth lossy cases, with the reordering window of netem's "delay 1ms".
IMPAIR = {'loss': 1, 'dup': 1, 'reorder': 5, 'delay-us': 1000}
CONN_LINE = re.compile(r'conn (\d+) from (\S+):(\d+) (closed|reset): (\d+) bytes'
                       r'(, verified|, VERIFY FAILED)?')
PROC_FIELDS = ('VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'VmHWM')
# lib/tcprx keeps a closed connection's slot 2 s in TIME-WAIT after LAST-ACK:
# at ~25 connections a second that is 50 slots besides the open ones.
MAX_CONNS_PER_CONN = 4


class Family:
    """One address family's wire, receiver and sender."""

    def __init__(self, name, rx_ip, tx_ip, conns, backend, lcore):
        self.name, self.rx_ip, self.tx_ip = name, rx_ip, tx_ip
        self.conns, self.backend, self.lcore = conns, backend, lcore
        self.max_conns = MAX_CONNS_PER_CONN * conns  # hsplit-rx --max-conns
        self.wire = self.rx = self.sender = None
        self.rows = []          # one per second: /proc memory + hsplit-rx's last sample
        self.sample = None      # hsplit-rx's latest sample line
        self.samples_path = None
        self.samples_pos = 0
        self.sent = None        # soak_send.py's JSON
        self.report = None      # hsplit-rx's JSON
        self.status = None

    @property
    def listen(self):
        return ('[%s]:%d' if ':' in self.rx_ip else '%s:%d') % (self.rx_ip, PORT)


def ipv6_sender(wire, fam, static_neigh):
    """IPv6 on the sender's end of the wire (netns.add turns it off everywhere).
    The sender finds hsplit-rx by neighbour discovery (hsplit-rx joins its
    solicited-node group), or with --static-neigh from a static entry."""
    for key in ('all', 'default', wire.tx_if):
        sh('sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=0' % key, ns=wire.tx)
    sh('ip', '-6', 'addr', 'add', fam.tx_ip + '/64', 'dev', wire.tx_if, 'nodad', ns=wire.tx)
    if static_neigh:
        sh('ip', '-6', 'neigh', 'replace', fam.rx_ip, 'lladdr', wire.mac(wire.rx, wire.rx_if),
           'dev', wire.tx_if, 'nud', 'permanent', ns=wire.tx)


def start_receiver(a, fam, out):
    fam.samples_path = os.path.join(out, 'samples-%s.jsonl' % fam.name)
    eal = ['--no-huge', '-m', '512', '--no-pci', '--no-shconf', '-l', str(fam.lcore),
           '--file-prefix', 'hsoak%d%s' % (os.getpid(), fam.name),
           '--log-level', 'lib.eal:error', '--log-level', 'lib.telemetry:error']
    app = ['--listen', fam.listen, '--backend', fam.backend, '--iface', fam.wire.rx_if,
           '--verify', '--json', '--interval', '1', '--samples', fam.samples_path,
           '--max-conns', fam.max_conns, '--rcv-chunks', a.rcv_chunks,
           '--random-app', a.seed, '--hold-ms', a.hold_ms,
           '--stall-after', a.stall_after, '--stall-ms', a.stall_ms]
    fam.rx = NsProcess([a.exe] + eal + ['--'] + app, fam.wire.rx, ready_word='listening on')
    if not fam.rx.wait_ready(60):
        raise RuntimeError('hsplit-rx (%s) did not start listening:\n%s' % (fam.name, fam.rx.log(40)))


def start_sender(a, fam):
    """soak_send.py in the sender namespace; its output to files (a pipe nobody reads
    until the end would fill and block it)."""
    fam.sender_out = os.path.join(a.out, 'sender-%s.out' % fam.name)
    args = [sys.executable, SENDER, fam.rx_ip, PORT, '--conns', fam.conns,
            '--seconds', a.seconds, '--seed', a.seed + (0 if fam.name == 'ipv4' else 7),
            '--long-max', a.long_max, '--timeout', a.drain]
    with open(fam.sender_out, 'w') as out, open(fam.sender_out + '.err', 'w') as err:
        fam.sender = subprocess.Popen(in_ns(fam.wire.tx, args), stdout=out, stderr=err)


def proc_memory(pid):
    """KiB of each PROC_FIELDS line of /proc/PID/status; {} once it is gone."""
    mem = {}
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                key, _, rest = line.partition(':')
                if key in PROC_FIELDS:
                    mem[key] = int(rest.split()[0])
    except OSError:
        pass
    return mem


def read_samples(fam):
    """hsplit-rx's sample lines written since the last call; keep the latest."""
    try:
        with open(fam.samples_path) as f:
            f.seek(fam.samples_pos)
            chunk = f.read()
    except OSError:
        return
    end = chunk.rfind('\n')
    if end < 0:
        return
    fam.samples_pos += len(chunk[:end + 1].encode())
    for line in chunk[:end + 1].splitlines():
        try:
            fam.sample = json.loads(line)
        except ValueError:
            pass


def sample_all(fams, t0, phase):
    t = time.monotonic() - t0
    for fam in fams:
        read_samples(fam)
        row = {'t': round(t, 3), 'phase': phase}
        row.update({k.lower() + '_kib': v for k, v in proc_memory(fam.rx.p.pid).items()})
        if fam.sample:
            row.update({'app_' + k: v for k, v in fam.sample.items()})
        fam.rows.append(row)


def progress(fams, t, total):
    parts = []
    for fam in fams:
        r, s = fam.rows[-1], fam.sample or {}
        parts.append('%s: %d live %d done %.0f MiB verified, rss %.0f MiB, chunks %d, mbufs %d'
                     % (fam.name, s.get('conns_live', 0), s.get('conns_ended', 0),
                        s.get('bytes_verified', 0) / 2**20, r.get('vmrss_kib', 0) / 1024,
                        s.get('chunks_held', 0), s.get('pay_mbufs_in_use', 0)))
    print('[%5.0f/%.0f s] %s' % (t, total, ';  '.join(parts)), flush=True)


def run_traffic(a, fams):
    """Senders for a.seconds, then their open connections finish; one row a second."""
    t0 = time.monotonic()
    for fam in fams:
        start_sender(a, fam)
    next_tick, last_print = t0, -1e9
    hard_stopped = False
    phase = 'traffic'
    while True:
        now = time.monotonic()
        if phase == 'traffic' and now - t0 >= a.seconds:
            phase = 'drain'
            print('[%5.0f s] no new connections: the open ones finish' % (now - t0), flush=True)
        if all(f.sender.poll() is not None for f in fams):
            break
        if now - t0 > a.seconds + a.drain and not hard_stopped:
            hard_stopped = True  # the senders reset what is still open: 'unfinished'
            print('[%5.0f s] %.0f s after the last new connection: the senders give up on the '
                  'open ones' % (now - t0, a.drain), flush=True)
            for f in fams:
                if f.sender.poll() is None:
                    f.sender.send_signal(signal.SIGTERM)
        if now - t0 > a.seconds + a.drain + 60:
            for f in fams:  # it did not answer SIGTERM: its report is lost, the check says so
                if f.sender.poll() is None:
                    f.sender.kill()
        sample_all(fams, t0, phase)
        if now - last_print >= a.print_every:
            progress(fams, now - t0, a.seconds)
            last_print = now
        next_tick += 1.0
        time.sleep(max(0.0, next_tick - time.monotonic()))
    for fam in fams:
        with open(fam.sender_out) as out, open(fam.sender_out + '.err') as err:
            out, err = out.read(), err.read()
        try:
            fam.sent = json.loads(out)
        except ValueError:
            fam.sent = {'ok': False, 'errors': ['sender exit %s: %s %s' % (fam.sender.returncode,
                                                                          out[-500:], err[-2000:])],
                        'conns': [], 'outcomes': {}}
    # hsplit-rx closes each connection once it has consumed it: wait for the last
    end = time.monotonic() + 30
    while time.monotonic() < end:
        sample_all(fams, t0, 'drain')
        if all(f.sample and f.sample['conns_live'] == 0 for f in fams):
            break
        time.sleep(1.0)
    for fam in fams:
        fam.status, out, _ = fam.rx.finish(timeout=0.1, stop=signal.SIGINT)
        read_samples(fam)  # the last one, written after every connection was let go
        if fam.sample and fam.sample.get('final'):
            fam.rows.append(dict({'app_' + k: v for k, v in fam.sample.items()},
                                 t=round(time.monotonic() - t0, 3), phase='end'))
        try:
            fam.report = json.loads(out)
        except ValueError:
            fam.report = None
    return time.monotonic() - t0


def conn_lines(fam):
    """hsplit-rx's per-connection end lines: [port, bytes, closed|reset, verified]."""
    ends = []
    for line in fam.rx.lines:
        m = CONN_LINE.search(line)
        if m:
            ends.append([int(m.group(3)), int(m.group(5)), m.group(4), m.group(6) == ', verified'])
    return ends


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--exe', required=True, help='hsplit-rx')
    ap.add_argument('--wire', required=True, help='hrx-wire (the impairing relay)')
    ap.add_argument('--minutes', type=float, help='how long connections keep opening (10)')
    ap.add_argument('--seconds', type=float, help='the same in seconds')
    ap.add_argument('--out', help='directory for samples, summary and plot')
    ap.add_argument('--conns4', type=int, default=64, help='IPv4 connections open at once (64)')
    ap.add_argument('--conns6', type=int, default=32, help='IPv6 connections open at once (32)')
    ap.add_argument('--backend4', default='afxdp', choices=['afxdp', 'afpacket'])
    ap.add_argument('--backend6', default='afpacket', choices=['afxdp', 'afpacket'])
    ap.add_argument('--static-neigh', action='store_true',
                    help='a static neighbour entry on the IPv6 sender instead of neighbour discovery')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--rcv-chunks', type=int, default=256)
    ap.add_argument('--hold-ms', type=int, default=20, help='tokens kept 0..this long (20)')
    ap.add_argument('--stall-after', default='4M', help='a stall every 0..2x this many bytes (4M)')
    ap.add_argument('--stall-ms', type=int, default=1500, help='stalls last 0..this long (1500)')
    ap.add_argument('--long-max', default='32M', help='the longest transfer (32M)')
    ap.add_argument('--drain', type=float, default=300,
                    help='seconds the open connections get to finish (300)')
    ap.add_argument('--print-every', type=float, default=10, help='seconds between progress lines')
    ap.add_argument('--no-plot', action='store_true')
    a = ap.parse_args()
    if a.minutes is not None and a.seconds is not None:
        ap.error('give --minutes or --seconds, not both')
    a.seconds = a.seconds if a.seconds is not None else (a.minutes if a.minutes is not None else 10) * 60
    if a.seconds < 10:
        ap.error('a soak runs at least 10 seconds')
    a.out = os.path.abspath(a.out or 'soak-%s' % time.strftime('%Y%m%d-%H%M%S'))
    os.makedirs(a.out, exist_ok=True)
    tag = os.getpid() % 100000
    fams = [Family('ipv4', '10.99.0.2', '10.99.0.1', a.conns4, a.backend4, 0),
            Family('ipv6', 'fd00:99::2', 'fd00:99::1', a.conns6, a.backend6, 1)]
    fams = [f for f in fams if f.conns > 0]
    command = ' '.join(sys.argv)
    try:
        for i, fam in enumerate(fams):
            fam.wire = Wire(impair=dict(IMPAIR, seed=a.seed * 31 + i), wire_bin=a.wire,
                            tag='%d%d' % (tag, i))
            fam.wire.__enter__()
            if ':' in fam.rx_ip:
                ipv6_sender(fam.wire, fam, a.static_neigh)
        for fam in fams:
            start_receiver(a, fam, a.out)
        print('soak: %s for %.0f s; output in %s' % (', '.join(
            '%s %d connections at once (%s, %s)' % (f.name, f.conns, f.listen, f.backend)
            for f in fams), a.seconds, a.out), flush=True)
        elapsed = run_traffic(a, fams)
        for fam in fams:
            fam.wire_stats = fam.wire.stop_wire()
            fam.ends = conn_lines(fam)
    except Skip as e:
        print('SKIP: %s' % e)
        return 77
    finally:
        for fam in fams:
            if fam.rx is not None:
                fam.rx.kill()
            if fam.sender is not None and fam.sender.poll() is None:
                fam.sender.kill()
                fam.sender.wait()
            if fam.wire is not None:
                fam.wire.__exit__(None, None, None)
    ok = soak_check.report(a, fams, elapsed, command, plot_it=not a.no_plot)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
