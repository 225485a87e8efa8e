# SPDX-License-Identifier: BSD-3-Clause
"""Two network namespaces joined by a veth pair: the wire every hsplit demo,
benchmark and veth test runs on.

    sender ns tx:   tx_if [tx_addr]
    receiver ns rx: rx_if [rx_addr]

Both ends have tx checksum offload, TSO and GSO off: every frame is
wire-sized with a complete checksum, what a NIC would deliver and what the
afpacket/afxdp backends need (veth would otherwise pass 64 KB GSO frames
with CHECKSUM_PARTIAL sums). An end without an address is left to a bypass
receiver that owns it (hsplit-rx answers ARP itself), so that namespace's
kernel neither answers nor resets its connections.

Names carry a tag (by default this process's pid) so concurrent runs do not
collide. Use as a context manager: everything made is undone on exit, also
when setting up fails half-way. Subclasses add to setup() or replace
add_link() (a relay namespace in the middle, see hsplit_rx.Wire).
"""
import time

from hsplit_tools import netns
from hsplit_tools.netns import sh


class VethPair:
    TOOLS = ('ip', 'ethtool')

    def __init__(self, tx, rx, tx_if, rx_if, tx_addr=None, rx_addr=None, mtu=None):
        """tx, rx: namespace names; tx_addr, rx_addr: 'A.B.C.D/len' or None;
        mtu: None keeps veth's."""
        netns.require(self.TOOLS)
        self.tx, self.rx, self.tx_if, self.rx_if = tx, rx, tx_if, rx_if
        self.tx_addr, self.rx_addr, self.mtu = tx_addr, rx_addr, mtu
        self.made = []

    def add_ns(self, name):
        netns.add(name)
        self.made.append(name)

    def add_link(self):
        """The veth pair itself, one end in each namespace."""
        sh('ip', 'link', 'add', self.tx_if, 'netns', self.tx, 'type', 'veth',
           'peer', 'name', self.rx_if, 'netns', self.rx)

    def setup_end(self, ns, dev, addr):
        up = ['ip', 'link', 'set', dev] + (['mtu', self.mtu] if self.mtu else []) + ['up']
        sh(*up, ns=ns)
        if addr:
            sh('ip', 'addr', 'add', addr, 'dev', dev, ns=ns)
        sh('ethtool', '-K', dev, 'tx', 'off', 'tso', 'off', 'gso', 'off', ns=ns)

    def setup(self):
        self.add_ns(self.tx)
        self.add_ns(self.rx)
        self.add_link()
        self.setup_end(self.tx, self.tx_if, self.tx_addr)
        self.setup_end(self.rx, self.rx_if, self.rx_addr)
        self.wait_carrier()

    def wait_carrier(self, timeout=5.0):
        """veth reports carrier a moment after both ends are up."""
        end = time.monotonic() + timeout
        for ns, dev in ((self.tx, self.tx_if), (self.rx, self.rx_if)):
            while sh('cat', '/sys/class/net/%s/operstate' % dev, ns=ns).stdout.strip() != 'up':
                if time.monotonic() > end:
                    raise RuntimeError('%s in %s has no carrier after %.0f s' % (dev, ns, timeout))
                time.sleep(0.05)

    def mac(self, ns, dev):
        return sh('cat', '/sys/class/net/%s/address' % dev, ns=ns).stdout.strip()

    def teardown(self):
        for ns in reversed(self.made):
            netns.delete(ns)
        self.made = []

    def __enter__(self):
        try:
            self.setup()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        self.teardown()
