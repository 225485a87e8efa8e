# SPDX-License-Identifier: BSD-3-Clause
"""A Linux TCP sender and hsplit-rx on two ends of a veth pair.

Shared by the demo (app/hsplit-rx/hsplit_rx_demo.py) and the veth tests
(test/tcprx_veth/veth_rx_test.py).

    sender ns: vt (10.99.0.1/24, TSO/GSO/tx checksum off)
        [optional wire ns: wa <-> hrx-wire <-> wb, for loss/dup/reorder]
    receiver ns: vr, no kernel address: hsplit-rx owns 10.99.0.2 and answers ARP

Nothing in the receiver namespace owns 10.99.0.2, so its kernel neither
answers ARP nor resets our connections when the afpacket backend shares the
frames with it. Namespaces are named hrx{s,w,r}<pid> so concurrent runs do
not collide, and are deleted on exit.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SENDER = os.path.join(HERE, 'pattern_send.py')
RX_IP, TX_IP, PORT = '10.99.0.2', '10.99.0.1', 5201


class Skip(Exception):
    """The machine cannot run this (not root, no iproute2/ethtool)."""


def sh(*cmd, ns=None, check=True):
    full = (['ip', 'netns', 'exec', ns] if ns else []) + [str(c) for c in cmd]
    r = subprocess.run(full, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(full), r.returncode, r.stderr.strip()))
    return r


# rtnetlink constants (linux/netlink.h, linux/rtnetlink.h); RTAX_FEATURE_TCP_USEC_TS is 6.7+
RTM_NEWROUTE, NLMSG_ERROR = 24, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_REPLACE, NLM_F_CREATE = 0x1, 0x4, 0x100, 0x400
RTA_DST, RTA_OIF, RTA_METRICS, RTAX_FEATURES = 1, 4, 8, 12
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_LINK, RTN_UNICAST = 254, 3, 253, 1
RTAX_FEATURE_TCP_USEC_TS = 1 << 4


def _rtattr(kind, payload):
    pad = (4 - len(payload) % 4) % 4
    return struct.pack('=HH', 4 + len(payload), kind) + payload + b'\0' * pad


def _usec_ts_route_here(dev, prefix):
    """RTM_NEWROUTE prefix dev DEV with RTAX_FEATURES = TCP_USEC_TS, in this process's netns."""
    addr, _, plen = prefix.partition('/')
    plen = int(plen or 32)
    body = struct.pack('=BBBBBBBBI', socket.AF_INET, plen, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT,
                       RT_SCOPE_LINK, RTN_UNICAST, 0)
    body += _rtattr(RTA_DST, socket.inet_aton(addr))
    body += _rtattr(RTA_OIF, struct.pack('=I', socket.if_nametoindex(dev)))
    body += _rtattr(RTA_METRICS, _rtattr(RTAX_FEATURES, struct.pack('=I', RTAX_FEATURE_TCP_USEC_TS)))
    flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE
    msg = struct.pack('=LHHLL', 16 + len(body), RTM_NEWROUTE, flags, 1, 0) + body
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as s:
        s.sendto(msg, (0, 0))
        reply = s.recv(65536)
    kind, = struct.unpack_from('=H', reply, 4)
    err, = struct.unpack_from('=i', reply, 16) if kind == NLMSG_ERROR else (0,)
    if err:
        raise OSError(-err, 'RTM_NEWROUTE %s dev %s features tcp_usec_ts: %s'
                      % (prefix, dev, os.strerror(-err)))


def set_usec_ts_route(ns, dev, prefix):
    """In namespace ns, route prefix ("10.99.0.2/32") out of dev with the route
    feature RTAX_FEATURE_TCP_USEC_TS, which iproute2 6.1 cannot spell. With
    net.ipv4.tcp_timestamps=2 as well (no per-connection offset), Linux's TSval
    on connections over this route is CLOCK_MONOTONIC in microseconds, mod 2^32
    (kernel 6.7 and later): the send time, which hsplit-rx --latency reads."""
    sh(sys.executable, os.path.abspath(__file__), 'usec-ts-route', dev, prefix, ns=ns)


class Veth:
    def __init__(self, impair=None, wire_bin=None, tag=None):
        if os.geteuid() != 0:
            raise Skip('needs root for network namespaces and veth')
        if os.environ.get('HSPLIT_NO_NETNS'):
            raise Skip('HSPLIT_NO_NETNS is set (a build tree sharing the host network)')
        for tool in ('ip', 'ethtool'):
            if shutil.which(tool) is None:
                raise Skip('needs %s (iproute2, ethtool)' % tool)
        tag = tag or '%d' % (os.getpid() % 1000000)
        self.tx, self.rx, self.mid = 'hrxs' + tag, 'hrxr' + tag, 'hrxw' + tag
        self.tx_if, self.rx_if = 'vt' + tag, 'vr' + tag
        self.impair, self.wire_bin = impair, wire_bin
        self.wire = None
        self.wire_stats = None
        self.made = []

    def _ns(self, name):
        sh('ip', 'netns', 'add', name)
        self.made.append(name)
        sh('ip', 'link', 'set', 'lo', 'up', ns=name)
        # no IPv6 chatter (router solicitations, DAD) on the wire
        sh('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', ns=name, check=False)
        sh('sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1', ns=name, check=False)

    def __enter__(self):
        try:
            self._setup()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _setup(self):
        for ns in (self.tx, self.rx):
            self._ns(ns)
        if self.impair is None:
            sh('ip', 'link', 'add', self.tx_if, 'netns', self.tx, 'type', 'veth',
               'peer', 'name', self.rx_if, 'netns', self.rx)
        else:
            self._ns(self.mid)
            sh('ip', 'link', 'add', self.tx_if, 'netns', self.tx, 'type', 'veth',
               'peer', 'name', 'wa', 'netns', self.mid)
            sh('ip', 'link', 'add', 'wb', 'netns', self.mid, 'type', 'veth',
               'peer', 'name', self.rx_if, 'netns', self.rx)
            for dev in ('wa', 'wb'):
                sh('ip', 'link', 'set', dev, 'up', ns=self.mid)
                sh('ethtool', '-K', dev, 'gso', 'off', 'tso', 'off', 'tx', 'off', 'gro', 'off',
                   ns=self.mid, check=False)
        sh('ip', 'addr', 'add', TX_IP + '/24', 'dev', self.tx_if, ns=self.tx)
        sh('ip', 'link', 'set', self.tx_if, 'up', ns=self.tx)
        sh('ip', 'link', 'set', self.rx_if, 'up', ns=self.rx)
        # wire-sized frames with real checksums: veth would otherwise hand the
        # peer 64 KB GSO frames with CHECKSUM_PARTIAL sums
        sh('ethtool', '-K', self.tx_if, 'gso', 'off', 'tso', 'off', 'tx', 'off', ns=self.tx)
        # and the same for anything the receiver side's kernel sends (hrx-wire
        # copies frames as captured, partial checksums included)
        sh('ethtool', '-K', self.rx_if, 'gso', 'off', 'tso', 'off', 'tx', 'off', ns=self.rx)
        self._wait_carrier()
        if self.impair is not None:
            args = [self.wire_bin, 'wa', 'wb']
            for k, v in sorted(self.impair.items()):
                args += ['--' + k, str(v)]
            self.wire = subprocess.Popen(['ip', 'netns', 'exec', self.mid] + args,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(0.2)
            if self.wire.poll() is not None:
                raise RuntimeError('hrx-wire exited: ' + self.wire.stderr.read())

    def _wait_carrier(self, timeout=5.0):
        """veth reports carrier a moment after both ends are up."""
        end = time.monotonic() + timeout
        for ns, dev in ((self.tx, self.tx_if), (self.rx, self.rx_if)):
            while sh('cat', '/sys/class/net/%s/operstate' % dev, ns=ns).stdout.strip() != 'up':
                if time.monotonic() > end:
                    raise RuntimeError('%s in %s has no carrier after %.0f s' % (dev, ns, timeout))
                time.sleep(0.05)

    def stop_wire(self):
        if self.wire is None:
            return self.wire_stats
        self.wire.send_signal(signal.SIGTERM)
        try:
            out, _ = self.wire.communicate(timeout=10)
            self.wire_stats = json.loads(out.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            self.wire.kill()
            self.wire.wait()
        self.wire = None
        return self.wire_stats

    def __exit__(self, *exc):
        self.stop_wire()
        for ns in reversed(self.made):
            sh('ip', 'netns', 'del', ns, check=False)
        self.made = []

    def usec_timestamps(self):
        """The sender stamps TSval with its send time in µs (see set_usec_ts_route)."""
        sh('sysctl', '-qw', 'net.ipv4.tcp_timestamps=2', ns=self.tx)
        set_usec_ts_route(self.tx, self.tx_if, RX_IP + '/32')

    def send(self, nbytes, conns=1, timeout=60, msg=0, gap_ms=0):
        """pattern_send.py in the sender namespace (msg > 0: messages of msg bytes
        gap_ms apart, TCP_NODELAY); its JSON result."""
        pace = ['--msg', msg, '--gap-ms', gap_ms] if msg else []
        r = sh(sys.executable, SENDER, RX_IP, PORT, '--bytes', nbytes, '--conns', conns,
               '--timeout', timeout, *pace, ns=self.tx, check=False)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return {'ok': False, 'error': 'sender: exit %d: %s %s' % (r.returncode, r.stdout, r.stderr)}


class Receiver:
    """hsplit-rx in the receiver namespace; stderr collected, stdout is the result."""

    def __init__(self, exe, veth, backend, args, echo=False, capture=True, lcores='0-1'):
        self.lines = []
        self.echo = echo
        eal = ['--no-huge', '-m', '512', '--no-pci', '--no-shconf', '-l', lcores,
               '--file-prefix', 'hrx%d' % os.getpid(),
               '--log-level', 'lib.eal:error', '--log-level', 'lib.telemetry:error']
        self.cmd = [exe] + eal + ['--', '--listen', '%s:%d' % (RX_IP, PORT), '--backend', backend,
                                  '--iface', veth.rx_if] + [str(a) for a in args]
        self.p = subprocess.Popen(['ip', 'netns', 'exec', veth.rx] + self.cmd,
                                  stdout=subprocess.PIPE if capture else None,
                                  stderr=subprocess.PIPE, text=True)
        self.ready = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in iter(self.p.stderr.readline, ''):
            self.lines.append(line)
            if self.echo:
                sys.stderr.write(line)
            if 'listening on' in line:
                self.ready.set()
        self.ready.set()

    def wait_ready(self, timeout=60):
        self.ready.wait(timeout)
        if self.p.poll() is not None or not any('listening on' in l for l in self.lines):
            raise RuntimeError('hsplit-rx did not start listening:\n' + ''.join(self.lines[-40:]))

    def finish(self, timeout=120):
        """Wait for the exit rule; (exit status, stdout)."""
        out = []
        outreader = threading.Thread(target=lambda: out.append(self.p.stdout.read() if self.p.stdout else ''),
                                     daemon=True)
        outreader.start()
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        outreader.join(10)
        self.reader.join(5)
        return self.p.returncode, ''.join(out)

    def log(self, n=60):
        return ''.join(self.lines[-n:])


if __name__ == '__main__':
    # set_usec_ts_route's worker, run inside the namespace by `ip netns exec`
    if len(sys.argv) != 4 or sys.argv[1] != 'usec-ts-route':
        sys.exit('usage: hrx_veth.py usec-ts-route DEV PREFIX')
    _usec_ts_route_here(sys.argv[2], sys.argv[3])
