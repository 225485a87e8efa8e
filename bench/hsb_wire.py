# SPDX-License-Identifier: BSD-3-Clause
"""The machine side of hsplit-bench: the wire, the sender's TCP settings,
hugepages, CPU pinning and whole-machine CPU accounting.

    sender ns   hsbs<tag>: vs<tag> 10.97.0.1/24
                tx checksum, TSO, GSO off: wire-sized frames with complete
                checksums (the afpacket/afxdp backends need them, and a NIC
                would see nothing bigger than the MTU)
                net.ipv4.tcp_timestamps = 2 and a route with the tcp_usec_ts
                feature: TSval = CLOCK_MONOTONIC in microseconds, no offset,
                which is how the hsplit receivers measure latency without
                reading payload
                [optional tc netem on vs<tag>]
    receiver ns hsbr<tag>: vr<tag> 10.97.0.3/24, the kernel designs' address
                10.97.0.2 belongs to no kernel: the hsplit receivers own it
                (they answer ARP), so the receiver kernel neither answers nor
                resets their connections

Everything made here is undone by Wire.__exit__ / Hugepages.restore().
"""
import os

from hsplit_tools import netns
from hsplit_tools.netns import in_ns, sh  # noqa: F401  (in_ns: for hsb_designs)
from hsplit_tools.veth import VethPair

TX_IP, HSPLIT_IP, KERNEL_IP = '10.97.0.1', '10.97.0.2', '10.97.0.3'
PREFIX = '10.97.0.0'
PORT = 5201

# The machine cannot do what was asked (not root, a tool or kernel feature missing).
Unavailable = netns.Skip


# ------------------------------------------------------------- the wire

class Wire(VethPair):
    """hsplit_tools' veth pair with a kernel address, an MTU, the sender's clock and netem."""
    TOOLS = ('ip', 'ethtool', 'taskset')

    def __init__(self, mtu=1500, netem=None, tag=None):
        tag = tag or str(os.getpid() % 100000)
        super().__init__('hsbs' + tag, 'hsbr' + tag, 'vs' + tag, 'vr' + tag,
                         tx_addr=TX_IP + '/24', rx_addr=KERNEL_IP + '/24', mtu=mtu)
        self.netem = netem
        self.notes = []

    def setup(self):
        super().setup()
        self._sender_tcp()
        if self.netem:
            self._add_netem()

    def _sender_tcp(self):
        """Microsecond TCP timestamps without a random offset, in the sender's namespace only."""
        sh('sysctl', '-qw', 'net.ipv4.tcp_timestamps=2', ns=self.tx)
        try:
            netns.set_usec_ts_route(self.tx, self.tx_if, PREFIX + '/24')
        except RuntimeError as e:
            self.notes.append('no tcp_usec_ts route (%s): hsplit latency is in ms, not us' % e)

    def _add_netem(self):
        r = sh('tc', 'qdisc', 'add', 'dev', self.tx_if, 'root', 'netem', *self.netem.split(),
               ns=self.tx, check=False)
        if r.returncode != 0:
            raise Unavailable('tc netem "%s" on the sender: %s (this kernel may lack sch_netem; '
                              'run without --netem)' % (self.netem, r.stderr.strip()))
        self.notes.append('netem: ' + self.netem)


# ------------------------------------------------------------- busy polling

class NapiBusyPoll:
    """The receiving veth made pollable for the busy-polling kernel design; undone on exit.

    Busy polling runs a device's NAPI poll in the receiving thread. veth has
    a NAPI only with GRO (or XDP) on; without one every packet goes through
    the per-cpu backlog of the sender's cpu and there is nothing to poll.
    And veth's transmit schedules that NAPI itself, as softirq on the
    sender's cpu, unless the device defers its "interrupts": with
    napi_defer_hard_irqs and gro_flush_timeout set, a prefer-busy-poll
    poller keeps them masked while it polls, and the timer only delivers
    what arrives while the poller is off its cpu (kernel
    Documentation/networking/napi.rst).
    """
    DEFER_HARD_IRQS = 2
    GRO_FLUSH_TIMEOUT_NS = 200000   # the fallback when the poller is not running

    def __init__(self, ns, dev):
        self.ns, self.dev, self.saved = ns, dev, None

    def _sysfs(self, name):
        return '/sys/class/net/%s/%s' % (self.dev, name)

    def _read(self, name):
        return sh('cat', self._sysfs(name), ns=self.ns).stdout.strip()

    def _write(self, name, value):
        sh('sh', '-c', 'echo %s > %s' % (value, self._sysfs(name)), ns=self.ns)

    def _gro(self):
        out = sh('ethtool', '-k', self.dev, ns=self.ns).stdout
        return 'on' if 'generic-receive-offload: on' in out else 'off'

    def describe(self):
        return ('GRO on %s (its NAPI), napi_defer_hard_irqs=%d, gro_flush_timeout=%d ns'
                % (self.dev, self.DEFER_HARD_IRQS, self.GRO_FLUSH_TIMEOUT_NS))

    def __enter__(self):
        self.saved = (self._gro(), self._read('napi_defer_hard_irqs'),
                      self._read('gro_flush_timeout'))
        try:
            sh('ethtool', '-K', self.dev, 'gro', 'on', ns=self.ns)
            self._write('napi_defer_hard_irqs', self.DEFER_HARD_IRQS)
            self._write('gro_flush_timeout', self.GRO_FLUSH_TIMEOUT_NS)
        except RuntimeError:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        gro, defer, flush = self.saved
        self._write('gro_flush_timeout', flush)
        self._write('napi_defer_hard_irqs', defer)
        sh('ethtool', '-K', self.dev, 'gro', gro, ns=self.ns, check=False)


# ------------------------------------------------------------- hugepages

class Hugepages:
    """At least `pages` free 2 MiB pages and a hugetlbfs mount; restore() undoes it."""

    NR = '/proc/sys/vm/nr_hugepages'

    def __init__(self, pages):
        self.pages = pages
        self.old_nr = None
        self.mounted = None
        self.ok = False
        self.note = ''

    @staticmethod
    def _meminfo(key):
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
        return 0

    @staticmethod
    def _mount_point():
        with open('/proc/mounts') as f:
            for line in f:
                parts = line.split()
                if parts[2] == 'hugetlbfs':
                    return parts[1]
        return None

    def setup(self):
        try:
            free = self._meminfo('HugePages_Free')
            if free < self.pages:
                with open(self.NR) as f:
                    self.old_nr = int(f.read())
                with open(self.NR, 'w') as f:
                    f.write(str(self.old_nr + self.pages - free))
            if self._mount_point() is None:
                os.makedirs('/dev/hugepages', exist_ok=True)
                sh('mount', '-t', 'hugetlbfs', 'nodev', '/dev/hugepages')
                self.mounted = '/dev/hugepages'
            free = self._meminfo('HugePages_Free')
            self.ok = free >= self.pages
            if not self.ok:
                self.note = 'only %d free hugepages of %d: EAL runs --no-huge' % (free, self.pages)
        except (OSError, RuntimeError) as e:
            self.note = 'hugepages unavailable (%s): EAL runs --no-huge' % e
        return self.ok

    def eal_memory(self):
        return ['-m', '512'] if self.ok else ['--no-huge', '-m', '512']

    def restore(self):
        if self.mounted:
            sh('umount', self.mounted, check=False)
        if self.old_nr is not None:
            try:
                with open(self.NR, 'w') as f:
                    f.write(str(self.old_nr))
            except OSError:
                pass


# ------------------------------------------------------------- CPUs

class Cpus:
    """Which core sends and which receives.

    On a 2-core machine: the sender (and, on veth, the kernel's receive
    softirq, which runs in the sender's context) on cpu 0, the receiver
    alone on cpu 1, this script on cpu 0 with the sender. With more cores
    the same two are used unless --cpus says otherwise.
    """

    def __init__(self, spec=None):
        have = sorted(os.sched_getaffinity(0))
        if spec:
            self.sender, self.receiver = (int(x) for x in spec.split(','))
            for c in (self.sender, self.receiver):
                if c not in have:
                    raise Unavailable('cpu %d is not available (have %s)' % (c, have))
        elif len(have) >= 2:
            self.sender, self.receiver = have[0], have[1]
        else:
            self.sender = self.receiver = have[0]
        self.shared = self.sender == self.receiver

    def pin_self(self):
        os.sched_setaffinity(0, {self.sender})

    def describe(self):
        if self.shared:
            return ('one cpu (%d) for sender and receiver: numbers mix both' % self.sender)
        return ('sender + veth softirq + this script on cpu %d; receiver alone on cpu %d '
                '(kernel designs: taskset; hsplit: EAL -l %d)'
                % (self.sender, self.receiver, self.receiver))


def cpu_busy_seconds():
    """Busy (not idle/iowait) seconds per cpu, from /proc/stat."""
    tick = os.sysconf('SC_CLK_TCK')
    busy = {}
    with open('/proc/stat') as f:
        for line in f:
            if line.startswith('cpu') and line[3].isdigit():
                parts = line.split()
                vals = [int(x) for x in parts[1:]]
                idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
                busy[int(parts[0][3:])] = (sum(vals[:8]) - idle) / tick
    return busy
