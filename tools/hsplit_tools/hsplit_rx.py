# SPDX-License-Identifier: BSD-3-Clause
"""A Linux TCP sender and hsplit-rx on two ends of a veth pair.

Shared by the demo (app/hsplit-rx/hsplit_rx_demo.py) and the veth tests
(test/tcprx_veth/veth_rx_test.py).

    sender ns: vt (10.99.0.1/24, TSO/GSO/tx checksum off)
        [optional wire ns: wa <-> hrx-wire <-> wb, for loss/dup/reorder]
    receiver ns: vr, no kernel address: hsplit-rx owns 10.99.0.2 and answers ARP

With ipv6=True the sender has fd00:99::1/64 instead and no neighbour entry
for fd00:99::2: it finds hsplit-rx by neighbour discovery (a solicitation to
the solicited-node group).

Nothing in the receiver namespace owns 10.99.0.2, so its kernel neither
answers ARP nor resets our connections when the afpacket backend shares the
frames with it. Namespaces are named hrx{s,w,r}<pid> so concurrent runs do
not collide, and are deleted on exit.
"""
import json
import os
import signal
import subprocess
import sys
import time

from hsplit_tools import netns
from hsplit_tools.netns import Skip, sh  # noqa: F401  (Skip: for the callers)
from hsplit_tools.process import NsProcess
from hsplit_tools.veth import VethPair

SENDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pattern_send.py')
RX_IP, TX_IP, PORT = '10.99.0.2', '10.99.0.1', 5201
RX_IP6, TX_IP6 = 'fd00:99::2', 'fd00:99::1'


class Wire(VethPair):
    """The sender's namespace and hsplit-rx's, optionally with hrx-wire
    impairing the frames in a third namespace between them."""

    def __init__(self, impair=None, wire_bin=None, tag=None, ipv6=False):
        """impair: hrx-wire's options ({'loss': 1, ...}; {'vlan': ID} tags the
        sender's frames); None: no relay."""
        tag = tag or '%d' % (os.getpid() % 1000000)
        super().__init__('hrxs' + tag, 'hrxr' + tag, 'vt' + tag, 'vr' + tag,
                         tx_addr=None if ipv6 else TX_IP + '/24')
        self.mid = 'hrxw' + tag
        self.ipv6 = ipv6
        self.rx_ip, self.tx_ip = (RX_IP6, TX_IP6) if ipv6 else (RX_IP, TX_IP)
        self.impair, self.wire_bin = impair, wire_bin
        self.wire = None
        self.wire_stats = None

    def add_link(self):
        if self.impair is None:
            super().add_link()
            return
        self.add_ns(self.mid)
        sh('ip', 'link', 'add', self.tx_if, 'netns', self.tx, 'type', 'veth',
           'peer', 'name', 'wa', 'netns', self.mid)
        sh('ip', 'link', 'add', 'wb', 'netns', self.mid, 'type', 'veth',
           'peer', 'name', self.rx_if, 'netns', self.rx)
        for dev in ('wa', 'wb'):
            sh('ip', 'link', 'set', dev, 'up', ns=self.mid)
            sh('ethtool', '-K', dev, 'gso', 'off', 'tso', 'off', 'tx', 'off', 'gro', 'off',
               ns=self.mid, check=False)

    def setup(self):
        super().setup()
        if self.ipv6:
            self.ipv6_sender()
        if self.impair is not None:
            self.start_relay()

    def ipv6_sender(self, static_neigh=False):
        """IPv6 on the sender's end (netns.add turns it off everywhere), no DAD.
        static_neigh: a permanent neighbour entry for the receiver, so no
        neighbour discovery is needed."""
        for key in ('all', 'default', self.tx_if):
            sh('sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=0' % key, ns=self.tx)
        sh('ip', '-6', 'addr', 'add', TX_IP6 + '/64', 'dev', self.tx_if, 'nodad', ns=self.tx)
        if static_neigh:
            sh('ip', '-6', 'neigh', 'replace', RX_IP6, 'lladdr', self.mac(self.rx, self.rx_if),
               'dev', self.tx_if, 'nud', 'permanent', ns=self.tx)

    @property
    def listen(self):
        """hsplit-rx's --listen for this wire."""
        return ('[%s]:%d' if self.ipv6 else '%s:%d') % (self.rx_ip, PORT)

    def neighbour(self):
        """The sender's neighbour entry for the receiver: 'ADDR dev D lladdr MAC STATE' or ''."""
        fam = '-6' if self.ipv6 else '-4'
        return sh('ip', fam, 'neigh', 'show', self.rx_ip, ns=self.tx).stdout.strip()

    def route_advmss(self, mss):
        """The sender announces MSS `mss` in its SYNs to the receiver (route advmss)."""
        sh('ip', 'route', 'replace', self.rx_ip + ('/128' if self.ipv6 else '/32'),
           'dev', self.tx_if, 'advmss', mss, ns=self.tx)

    def start_relay(self):
        """hrx-wire between wa and wb: it copies frames as captured, impaired as asked."""
        args = [self.wire_bin, 'wa', 'wb']
        for k, v in sorted(self.impair.items()):
            args += ['--' + k, str(v)]
        self.wire = subprocess.Popen(netns.in_ns(self.mid, args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.2)
        if self.wire.poll() is not None:
            raise RuntimeError('hrx-wire exited: ' + self.wire.stderr.read())

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

    def teardown(self):
        self.stop_wire()
        super().teardown()

    def usec_timestamps(self):
        """The sender stamps TSval with its send time in µs: True. False before
        Linux 6.7, where it counts ms and hsplit-rx needs --tsval-ms
        (netns.sender_clock)."""
        return netns.sender_clock(self.tx, self.tx_if, RX_IP + '/32')

    def send(self, nbytes, conns=1, timeout=60, msg=0, gap_ms=0):
        """pattern_send.py in the sender namespace (msg > 0: messages of msg bytes
        gap_ms apart, TCP_NODELAY); its JSON result."""
        pace = ['--msg', msg, '--gap-ms', gap_ms] if msg else []
        r = sh(sys.executable, SENDER, self.rx_ip, PORT, '--bytes', nbytes,
               '--conns', conns, '--timeout', timeout, *pace, ns=self.tx, check=False)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return {'ok': False, 'error': 'sender: exit %d: %s %s' % (r.returncode, r.stdout, r.stderr)}


class Receiver(NsProcess):
    """hsplit-rx in the receiver namespace; stderr collected, stdout is the result."""

    def __init__(self, exe, wire, backend, args, echo=False, capture=True, lcores='0-1'):
        eal = ['--no-huge', '-m', '512', '--no-pci', '--no-shconf', '-l', lcores,
               '--file-prefix', 'hrx%d' % os.getpid(),
               '--log-level', 'lib.eal:error', '--log-level', 'lib.telemetry:error']
        app = ['--listen', wire.listen, '--backend', backend, '--iface', wire.rx_if]
        super().__init__([exe] + eal + ['--'] + app + list(args), wire.rx,
                         ready_word='listening on', echo=echo, capture=capture)

    def wait_ready(self, timeout=60):
        if not super().wait_ready(timeout):
            raise RuntimeError('hsplit-rx did not start listening:\n' + self.log(40))

    def finish(self, timeout=120):
        """Wait for the exit rule (SIGINT after timeout); (exit status, stdout)."""
        status, out, _ = super().finish(timeout, stop=signal.SIGINT)
        return status, out
