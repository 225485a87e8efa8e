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

In the QEMU guest (--guest) the wire is NetdevsimWire instead: two linked
ports of the patched netdevsim (kernel-patches/netdevsim/), same names and
addresses, with two RX queues on the receiver and an ntuple rule steering
TCP to port 5201 to queue 1, the queue devmem TCP and zcrx take.

Everything made here is undone by Wire.__exit__ / Hugepages.restore().
"""
import os
import time

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

    def __init__(self, mtu=1500, netem=None, tag=None, rps_cpu=None):
        tag = tag or str(os.getpid() % 100000)
        super().__init__('hsbs' + tag, 'hsbr' + tag, 'vs' + tag, 'vr' + tag,
                         tx_addr=TX_IP + '/24', rx_addr=KERNEL_IP + '/24', mtu=mtu)
        self.netem = netem
        self.rps_cpu = rps_cpu
        self.notes = []
        self.tsval_ms = False   # the sender's TSval counts ms: no usec-TS route here

    def setup(self):
        super().setup()
        self._sender_tcp()
        if self.netem:
            self._add_netem()
        if self.rps_cpu is not None:
            self._steer_receive(self.rps_cpu)

    # the RX queue the benchmark's flows arrive on (devmem and zcrx take it)
    queue = 0
    kind = 'veth'

    def describe(self):
        return ('veth between two network namespaces, MTU %d; sender: tx checksum, TSO, GSO '
                'off (wire-sized frames), TCP_NODELAY, tcp_timestamps=2 with %s TSval'
                % (self.mtu or 1500, 'millisecond' if self.tsval_ms else 'microsecond'))

    def _sender_tcp(self):
        """Microsecond TCP timestamps without a random offset, in the sender's namespace
        only; before Linux 6.7 milliseconds, which hsplit-rx is told (--tsval-ms)."""
        self.tsval_ms = not netns.sender_clock(self.tx, self.tx_if, PREFIX + '/24')
        if self.tsval_ms:
            self.notes.append('no tcp_usec_ts route (Linux %s refuses it: EINVAL): hsplit '
                              'latency has 1 ms resolution' % os.uname().release)

    def _steer_receive(self, cpu):
        """RPS on the receiver's veth: its receive processing (the kernel's TCP, or
        generic XDP and AF_XDP's copy) runs on cpu, as behind a NIC whose interrupt
        is on the receiving core, instead of in the sender's softirq."""
        queues = '/sys/class/net/%s/queues' % self.rx_if
        r = sh('sh', '-c', 'for q in %s/rx-*; do echo %x > $q/rps_cpus || exit 1; '
               'cat $q/rps_cpus; done' % (queues, 1 << cpu), ns=self.rx, check=False)
        if r.returncode != 0:
            raise Unavailable('RPS on %s (rps_cpus): %s' % (self.rx_if, r.stderr.strip()))
        masks = sorted(set(int(m.replace(',', ''), 16) for m in r.stdout.split()))
        self.notes.append('RPS: %s\'s receive processing on cpu %d (rps_cpus read back: %s)'
                          % (self.rx_if, cpu, ' '.join('%x' % m for m in masks)))

    def _add_netem(self):
        r = sh('tc', 'qdisc', 'add', 'dev', self.tx_if, 'root', 'netem', *self.netem.split(),
               ns=self.tx, check=False)
        if r.returncode != 0:
            raise Unavailable('tc netem "%s" on the sender: %s (this kernel may lack sch_netem; '
                              'run without --netem)' % (self.netem, r.stderr.strip()))
        self.notes.append('netem: ' + self.netem)


class NetdevsimWire(Wire):
    """Two linked ports of the patched netdevsim, one per namespace (the QEMU guest).

    new_device makes a device with one port; the port is renamed to the
    veth names, moved into its namespace and linked to its peer through
    /sys/bus/netdevsim/link_device (test/kernel/guest-netdevsim*.sh do the
    same). The receiver has QUEUES RX queues and an ntuple rule sends TCP to
    PORT to queue `queue`, so that a design taking that queue gets the flows
    and the kernel keeps queue 0 (ARP and the rest).
    """
    BUS = '/sys/bus/netdevsim'
    QUEUES = 2
    queue = 1
    kind = 'netdevsim'

    def __init__(self, mtu=1500, netem=None, tag=None, rps_cpu=None):
        super().__init__(mtu=mtu, netem=netem, tag=tag, rps_cpu=rps_cpu)
        if not os.path.isdir(self.BUS):
            raise Unavailable('no %s: load the patched netdevsim first (the kernel tier does: '
                              'test/kernel/guest-bench.sh)' % self.BUS)
        base = 200 + (os.getpid() % 400) * 2
        self.ids = (base, base + 1)
        self.made_ids = []

    def _new_port(self, dev_id, ns, name):
        with open(os.path.join(self.BUS, 'new_device'), 'w') as f:
            f.write('%d 1 %d' % (dev_id, self.QUEUES))
        self.made_ids.append(dev_id)
        net = os.path.join(self.BUS, 'devices', 'netdevsim%d' % dev_id, 'net')
        for _ in range(100):
            ports = os.listdir(net) if os.path.isdir(net) else []
            if ports:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError('netdevsim%d made no port' % dev_id)
        sh('ip', 'link', 'set', ports[0], 'name', name)
        sh('ip', 'link', 'set', name, 'netns', ns)

    def add_link(self):
        self._new_port(self.ids[0], self.tx, self.tx_if)
        self._new_port(self.ids[1], self.rx, self.rx_if)

    def setup_end(self, ns, dev, addr):
        super().setup_end(ns, dev, addr)
        if ns == self.rx:
            # both ends are up now: linking turns the carrier on (netdevsim's bus.c)
            self._link_ports()

    def wait_carrier(self, timeout=5.0):
        """netdevsim reports carrier once linked, but its operstate stays 'unknown'."""
        end = time.monotonic() + timeout
        for ns, dev in ((self.tx, self.tx_if), (self.rx, self.rx_if)):
            while sh('cat', '/sys/class/net/%s/carrier' % dev, ns=ns,
                     check=False).stdout.strip() != '1':
                if time.monotonic() > end:
                    raise RuntimeError('%s in %s has no carrier after %.0f s: not linked'
                                       % (dev, ns, timeout))
                time.sleep(0.05)

    def _link_ports(self):
        ends = []
        for ns, dev in ((self.tx, self.tx_if), (self.rx, self.rx_if)):
            idx = sh('cat', '/sys/class/net/%s/ifindex' % dev, ns=ns).stdout.strip()
            ends.append((os.open('/run/netns/' + ns, os.O_RDONLY), idx))
        try:
            with open(os.path.join(self.BUS, 'link_device'), 'w') as f:
                f.write(' '.join('%d:%s' % e for e in ends))
        finally:
            for fd, _ in ends:
                os.close(fd)

    def setup(self):
        super().setup()
        # ethtool 6.1 exits 0 when the kernel refuses a rule: its message tells
        r = sh('ethtool', '-N', self.rx_if, 'flow-type', 'tcp4', 'dst-port', PORT,
               'action', self.queue, ns=self.rx, check=False)
        if 'Added rule' not in r.stdout + r.stderr:
            raise Unavailable('ethtool -N on netdevsim refused the steering rule: %s'
                              % (r.stdout + r.stderr).strip())

    def describe(self):
        return ('two linked ports of the patched netdevsim (kernel-patches/netdevsim/) in two '
                'network namespaces, MTU %d; the receiver has %d RX queues and an ntuple rule '
                'steers TCP to port %d to queue %d; sender: tx checksum, TSO, GSO off, '
                'TCP_NODELAY, tcp_timestamps=2 with microsecond TSval'
                % (self.mtu or 1500, self.QUEUES, PORT, self.queue))

    def teardown(self):
        for dev_id in reversed(self.made_ids):
            try:
                with open(os.path.join(self.BUS, 'del_device'), 'w') as f:
                    f.write('%d' % dev_id)
            except OSError:
                pass
        self.made_ids = []
        super().teardown()


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

    def __init__(self, ns, dev, gro=True):
        """gro: turn GRO on for the run (a socket receiver); an XDP program gives veth
        its NAPI without it."""
        self.ns, self.dev, self.saved, self.gro = ns, dev, None, gro

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
        return ('%s on %s (its NAPI), napi_defer_hard_irqs=%d, gro_flush_timeout=%d ns'
                % ('GRO' if self.gro else 'XDP', self.dev, self.DEFER_HARD_IRQS,
                   self.GRO_FLUSH_TIMEOUT_NS))

    def __enter__(self):
        self.saved = (self._gro(), self._read('napi_defer_hard_irqs'),
                      self._read('gro_flush_timeout'))
        try:
            if self.gro:
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


def napi_sample(ns):
    """(TcpExt BusyPollRxPackets, packets received by every device but lo) of a namespace:
    the share of its receive work that busy polls did, as hsb-krecv reports it."""
    lines = sh('cat', '/proc/net/netstat', ns=ns).stdout.splitlines()
    busy = None
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith('TcpExt:') and 'BusyPollRxPackets' in names.split():
            busy = int(values.split()[names.split().index('BusyPollRxPackets')])
    rx = 0
    for line in sh('cat', '/proc/net/dev', ns=ns).stdout.splitlines()[2:]:
        name, fields = line.split(':', 1)
        if name.strip() != 'lo':
            rx += int(fields.split()[1])
    return busy, rx


# ------------------------------------------------------------- hugepages

class Hugepages:
    """At least `pages` free 2 MiB pages and a hugetlbfs mount; restore() undoes it."""

    NR = '/proc/sys/vm/nr_hugepages'

    def __init__(self, pages):
        self.pages = pages
        self.old_nr = None
        self.mounted = None
        self.ok = False
        self.done = False
        self.note = 'no hsplit receiver ran: no hugepages taken'

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
        """Taken the first time an hsplit receiver needs them (eal_memory())."""
        self.done = True
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
        if not self.done:
            self.setup()
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
