# SPDX-License-Identifier: BSD-3-Clause
"""The receive designs hsplit-bench compares, and how one run of each goes.

A run is one cell (workload, flows, message size) of one design, once. The
wire designs follow one script: start the receiver pinned to the receiver
cpu, run hsb-send pinned to the sender cpu in the sender namespace, collect
both JSON lines and the whole machine's busy time over the sender's run.

Every run returns a dict: goodput Gbps, receiver bytes/seconds/cpu, the
sender's own figures, the latency histogram for latency cells, and notes;
or {'error': ...} when a program failed. A design that cannot run here
returns {'unsupported': reason} from probe() and is never run.
"""
import contextlib
import json
import os
import re
import signal
import subprocess

import hsb_wire
from hsb_wire import HSPLIT_IP, KERNEL_IP, PORT, in_ns
from hsplit_tools.process import NsProcess


class Programs:
    """The binaries, from one build directory."""

    def __init__(self, build):
        app, bench = os.path.join(build, 'app'), os.path.join(build, 'bench')
        self.send = os.path.join(bench, 'hsb-send')
        self.krecv = os.path.join(bench, 'hsb-krecv')
        self.hsplit_rx = os.path.join(app, 'hsplit-rx')
        self.tcprx_bench = os.path.join(app, 'hsplit-tcprx-bench')
        self.pmd = os.path.join(build, 'drivers', 'net', 'hsplit', 'librte_net_hsplit.so')

    def missing(self):
        return [p for p in (self.send, self.krecv, self.hsplit_rx, self.tcprx_bench)
                if not os.access(p, os.X_OK)]


class Context:
    """What every run needs: programs, wire, cpus, hugepages, options."""

    def __init__(self, progs, wire, cpus, huge, opts):
        self.progs, self.wire, self.cpus, self.huge, self.opts = progs, wire, cpus, huge, opts
        self.runs = 0


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith('{'):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def tail(text, n=6):
    return ' | '.join(text.strip().splitlines()[-n:])


# ------------------------------------------------------------- the sender

def sender_argv(ctx, cell, dst):
    o = ctx.opts
    argv = [ctx.progs.send, '--dst', dst, '--port', PORT, '--msg', cell['msg'], '--json']
    if cell['workload'] == 'latency':
        argv += ['--mode', 'latency', '--count', o.lat_count, '--interval-us', o.lat_interval_us]
    else:
        argv += ['--mode', 'bulk', '--flows', cell['flows'], '--seconds', o.seconds]
    return ['taskset', '-c', ctx.cpus.sender] + argv


def run_sender(ctx, cell, dst):
    """hsb-send in the sender namespace; (its JSON or None, busy cpu-seconds over its run, stderr)."""
    before = hsb_wire.cpu_busy_seconds()
    timeout = 60 + (ctx.opts.seconds if cell['workload'] != 'latency'
                    else ctx.opts.lat_count * ctx.opts.lat_interval_us / 1e6 * 2)
    try:
        r = subprocess.run(in_ns(ctx.wire.tx, sender_argv(ctx, cell, dst)), capture_output=True,
                           text=True, timeout=timeout)
        out, err, rc = r.stdout, r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out, err, rc = '', 'hsb-send timed out after %.0f s: %s' % (timeout, e.stderr or ''), -1
    after = hsb_wire.cpu_busy_seconds()
    cores = {ctx.cpus.sender, ctx.cpus.receiver}
    busy = sum(after.get(c, 0) - before.get(c, 0) for c in cores)
    res = last_json(out) if rc == 0 else None
    return res, busy, err if rc != 0 else ''


# ------------------------------------------------------------- receivers

# A receiver still running when its time is up is asked to end with SIGTERM.
STOP = signal.SIGTERM


def combine(cell, recv, send, busy, notes):
    """One run's figures from the receiver's and the sender's JSON."""
    gb = recv.get('bytes', 0) / 1e9
    res = {
        'gbps': recv.get('gbps', 0.0),
        'bytes': recv.get('bytes', 0),
        'seconds': recv.get('seconds', 0.0),
        'rx_cpu_s': recv.get('cpu_s', 0.0),
        'rx_cpu_per_gb': recv.get('cpu_s', 0.0) / gb if gb else None,
        'all_cpu_per_gb': busy / gb if gb and busy is not None else None,
        'sender': send,
        'notes': notes,
    }
    napi = recv.get('napi')
    if napi:
        # how much of the kernel's receive work a busy poll did (kernel designs only)
        res['busy_polled'] = napi.get('busy_polled')
        res['rx_packets'] = napi.get('rx_packets')
    if 'sleeps' in recv:
        res['rx_sleeps'] = recv['sleeps']
    if send is not None and send.get('bytes') not in (None, recv.get('bytes')):
        res['error'] = 'sender sent %s bytes, receiver got %s' % (send.get('bytes'), recv.get('bytes'))
    if cell['workload'] == 'latency':
        res['latency'] = recv.get('latency')
        if not res['latency'] or not res['latency'].get('count'):
            res['error'] = 'no latency samples'
        if send:
            res['send_call'] = send.get('send_call')
    return res


# ------------------------------------------------------------- the designs

class Design:
    name = ''
    title = ''
    kind = 'kernel'     # or 'hsplit': the targets compare hsplit's wire designs with the kernel's
    wire = True
    latency = True
    no_latency = None   # why a design without latency has none
    busy_poll = False   # a busy-polling design: its cells report the share busy-polled
    optional = False    # runs only when --designs names it

    def probe(self, ctx):
        return None

    def device(self, ctx):
        """What the receiving device needs for this design while it runs (a context manager)."""
        return contextlib.nullcontext()

    def run(self, ctx, cell):
        raise NotImplementedError


class KernelSocket(Design):
    """(1) recv() copy, (2) TCP_ZEROCOPY_RECEIVE, (3) epoll busy polling: hsb-krecv on the
    kernel's address."""

    def __init__(self, name, title, mode):
        self.name, self.title, self.mode = name, title, mode

    def run(self, ctx, cell):
        with self.device(ctx):
            return self.run_pair(ctx, cell)

    def options(self, ctx):
        """hsb-krecv options of this design."""
        return []

    def run_pair(self, ctx, cell):
        argv = ['taskset', '-c', ctx.cpus.receiver, ctx.progs.krecv, '--bind', KERNEL_IP,
                '--port', PORT, '--design', self.mode, '--conns', cell['flows'],
                '--msg', cell['msg'], '--json'] + self.options(ctx)
        if cell['workload'] == 'latency':
            argv.append('--latency')
        elif getattr(ctx.opts, 'verify', False):
            argv.append('--verify')
        rx = NsProcess(argv, ctx.wire.rx)
        send, busy, serr = run_sender(ctx, cell, KERNEL_IP)
        rc, out, err = rx.finish(30, stop=STOP)
        recv = last_json(out)
        if rc != 0 or recv is None:
            return {'error': 'hsb-krecv exit %s: %s %s' % (rc, tail(err), serr)}
        if send is None:
            return {'error': 'hsb-send: ' + tail(serr)}
        if recv.get('supported') is False:
            return {'unsupported': recv.get('reason', 'not supported here')}
        res = combine(cell, recv, send, busy, self.notes(recv))
        if recv.get('verify_errors'):
            res['error'] = '%d bytes differ from the sender\'s pattern' % recv['verify_errors']
        elif 'verify_errors' in recv:
            res['verified'] = True
            res['notes'].append('every byte verified')
        self.check(recv, res)
        res['receiver'] = recv
        return res

    def check(self, recv, res):
        """What this design's receiver must have done for the run to count (sets res['error'])."""

    @staticmethod
    def notes(recv):
        """The zerocopy receiver's long note stays in the JSON; the table gets the share mapped."""
        if 'mapped_bytes' not in recv:
            return []
        total = recv.get('bytes') or 1
        return ['%.0f%% of bytes mapped, the rest copied (doc/hsplit-bench.md)'
                % (100.0 * recv['mapped_bytes'] / total)]


class KernelBusyPoll(KernelSocket):
    """(3) epoll busy polling with prefer-busy-poll, on a veth made pollable for it."""

    def __init__(self):
        super().__init__('kernel-busypoll', 'kernel epoll busy poll', 'busypoll')

    def device(self, ctx):
        return hsb_wire.NapiBusyPoll(ctx.wire.rx, ctx.wire.rx_if)

    def options(self, ctx):
        return ['--busy-poll-us', ctx.opts.busy_poll_us]

    # the cell's note says how much a busy poll did (hsb_report.summarize_cell)
    busy_poll = True


class KernelQueue(KernelSocket):
    """(4) devmem TCP, (5) io_uring zcrx: the kernel's TCP with payload in memory we gave the
    device's queue. Asked of the device first (hsb-krecv --probe, never faked); where the
    device takes the queue (the patched netdevsim in the QEMU guest), hsb-krecv --design
    devmem|zcrx receives on the queue the wire steers the flows to."""

    def __init__(self, name, title, what):
        super().__init__(name, title, what)
        self.what = what

    def probe(self, ctx):
        r = hsb_wire.sh(ctx.progs.krecv, '--probe', self.what, '--ifname', ctx.wire.rx_if,
                        '--queue', ctx.wire.queue, '--json', ns=ctx.wire.rx, check=False)
        verdict = last_json(r.stdout)
        if r.returncode != 0 or verdict is None:
            return 'probe failed: exit %d: %s' % (r.returncode, tail(r.stderr))
        if verdict.get('supported'):
            return None
        return verdict.get('reason', 'unsupported')

    def options(self, ctx):
        return ['--ifname', ctx.wire.rx_if, '--queue', ctx.wire.queue]

    @staticmethod
    def notes(recv):
        if 'devmem' in recv:
            dm, total = recv['devmem'], recv.get('bytes') or 1
            return ['%.0f%% of payload in the dma-buf (%d frags), %d tokens returned'
                    % (100.0 * dm['dmabuf_bytes'] / total, dm['frags'], dm['tokens_freed'])]
        if 'zcrx' in recv:
            zx = recv['zcrx']
            copies = ('copy fallback %d times' % zx['copy_count'] if 'copy_count' in zx
                      else 'no copy-fallback counter in this kernel')
            return ['%d completions, %s' % (zx['cqes'], copies)]
        return []

    def check(self, recv, res):
        if 'error' in res or not recv.get('bytes'):
            return
        dm = recv.get('devmem')
        if dm is not None and dm['dmabuf_bytes'] == 0:
            res['error'] = ('no payload landed in the dma-buf (%d linear, %d plain bytes): the '
                            'flow missed queue %s' % (dm['linear_bytes'], dm['plain_bytes'],
                                                      dm['queue']))
        elif dm is not None and (dm['dontneed_errno'] or dm['tokens_freed'] != dm['frags']):
            res['error'] = ('SO_DEVMEM_DONTNEED returned %d of %d tokens (errno %d)'
                            % (dm['tokens_freed'], dm['frags'], dm['dontneed_errno']))
        zx = recv.get('zcrx')
        if zx is not None and zx.get('refill_full'):
            res['error'] = 'the refill ring was full %d times' % zx['refill_full']


class HsplitWire(Design):
    """(6) afxdp, (7) afpacket: hsplit-rx (net_hsplit + lib/tcprx) on the receiver's veth."""
    kind = 'hsplit'

    def __init__(self, backend):
        self.backend = backend
        self.name = 'hsplit-' + backend
        self.title = 'hsplit over ' + backend

    # more net_hsplit devargs for this design
    devargs = ''

    def argv(self, ctx, cell):
        eal = ['-l', ctx.cpus.receiver, '--no-pci', '--no-shconf',
               '--file-prefix', 'hsb%d' % os.getpid(),
               '--log-level', 'lib.eal:error', '--log-level', 'lib.telemetry:error']
        eal += self.eal_memory(ctx)
        args = ['--listen', '%s:%d' % (self.dst, PORT), '--backend', self.backend,
                '--iface', ctx.wire.rx_if, '--dmabuf', self.dmabuf,
                # net_hsplit times its driver half and its emulated device apart (xstats)
                '--devargs', 'cycle_stats=1' + self.devargs,
                '--conns', cell['flows'], '--json', '--interval', '0']
        if cell['workload'] == 'latency':
            args += ['--latency', '--msg', cell['msg']]
            if ctx.wire.tsval_ms:
                args.append('--tsval-ms')
        return [ctx.progs.hsplit_rx] + [str(x) for x in eal] + ['--'] + \
            [str(x) for x in args + self.extra_args(ctx)]

    dmabuf = 'memfd:size=256M'

    def eal_memory(self, ctx):
        return ctx.huge.eal_memory()

    def extra_args(self, ctx):
        return []

    # the address hsplit-rx listens on and the sender connects to
    dst = HSPLIT_IP

    def run(self, ctx, cell):
        with self.device(ctx):
            return self.run_rx(ctx, cell)

    def run_rx(self, ctx, cell):
        rx = NsProcess(self.argv(ctx, cell), ctx.wire.rx, ready_word='listening on')
        if not rx.wait_ready(60):
            rc, out, err = rx.finish(5, stop=STOP)
            return {'error': 'hsplit-rx did not start (exit %s): %s' % (rc, tail(err))}
        send, busy, serr = run_sender(ctx, cell, self.dst)
        rc, out, err = rx.finish(30 if send is not None else 2, stop=STOP)
        recv = last_json(out)
        if rc != 0 or recv is None:
            return {'error': 'hsplit-rx exit %s: %s %s' % (rc, tail(err), serr)}
        if send is None:
            return {'error': 'hsb-send: ' + tail(serr)}
        notes = []
        if recv.get('latency_no_ts'):
            notes.append('%d messages without a TCP timestamp' % recv['latency_no_ts'])
        res = combine(cell, recv, send, busy, notes)
        # the stack's and the device's counters say why a run was slow
        res['receiver'] = {k: recv.get(k) for k in ('tcp', 'tcprx', 'xstats', 'active_seconds')}
        res.update(driver_halves(recv.get('xstats') or {}))
        return res


class HsplitAfxdpNative(HsplitWire):
    """(6b) afxdp in native mode: veth runs the XDP program in its own NAPI, deferred as
    for kernel-busypoll (napi_defer_hard_irqs, gro_flush_timeout), and the socket asks to
    be busy-polled (busy_budget=64). Kernels that give a copy-mode AF_XDP socket no NAPI
    id (6.13 and later) cannot busy-poll it: net_hsplit then says so and stops, and the
    deferred NAPI runs from its timer in softirq. The cell's note says which happened."""
    optional = True
    busy_poll = True
    devargs = ',xdp_mode=native,busy_budget=64'

    def __init__(self):
        super().__init__('afxdp')
        self.name = 'hsplit-afxdp-native'
        self.title = 'hsplit over afxdp, native XDP, deferred NAPI'

    def device(self, ctx):
        return hsb_wire.NapiBusyPoll(ctx.wire.rx, ctx.wire.rx_if, gro=False)

    def run_rx(self, ctx, cell):
        busy0, rx0 = hsb_wire.napi_sample(ctx.wire.rx)
        res = super().run_rx(ctx, cell)
        busy1, rx1 = hsb_wire.napi_sample(ctx.wire.rx)
        if busy0 is not None and busy1 is not None:
            res['busy_polled'], res['rx_packets'] = busy1 - busy0, rx1 - rx0
        return res


def driver_halves(xstats):
    """TSC cycles per received packet of net_hsplit's two halves (cycle_stats=1), over the
    bursts that delivered packets (empty polls are rx_q0_idle_cycles): the driver half
    (what a real NIC leaves to the host CPU) and the emulated device (wire, parse,
    checksums, steering, "DMA")."""
    packets = xstats.get('rx_q0_packets') or 0
    driver = xstats.get('rx_q0_driver_cycles') or 0
    if packets <= 0 or driver <= 0:
        return {}
    return {'driver_cycles_pkt': driver / packets,
            'device_cycles_pkt': (xstats.get('rx_q0_device_cycles') or 0) / packets}


class HsplitKq(HsplitWire):
    """(9) hsplit over the kernel's queue lease: hsplit-rx on net_hsplit's kq backend, which
    leases the header-split queue the wire steers to (/dev/netdevsim_lease): headers in host
    memory, payload in its udmabuf, the rest of the port left to the kernel. The kernel keeps
    the address (it answers ARP on queue 0); the flows to PORT never reach its TCP, since the
    lease takes queue 1. A build whose net_hsplit lacks the backend says so instead."""
    dst = KERNEL_IP
    dmabuf = 'udmabuf:size=16M'   # bind-rx needs a real dma-buf; chunks of one page

    def __init__(self):
        super().__init__('kq')

    def probe(self, ctx):
        names = pmd_backends(ctx.progs.pmd)
        if names is None:
            return 'needs backend=kq: cannot read the backend list of %s' % ctx.progs.pmd
        if 'kq' not in names:
            return ('needs backend=kq in net_hsplit (this build has %s); the kq backend is '
                    'built on branch kq' % '|'.join(names))
        if ctx.wire.kind != 'netdevsim' or not os.path.exists('/dev/netdevsim_lease'):
            return ('needs a device with a leasable queue: the patched netdevsim '
                    '(/dev/netdevsim_lease) in the QEMU guest, hsplit-bench --guest')
        return None

    def eal_memory(self, ctx):
        # the guest has 2 GiB: no 600 MiB of hugepages for one receiver (as guest-netdevsim-kq.sh)
        return ['--no-huge', '-m', '512'] if ctx.opts.guest else ctx.huge.eal_memory()

    def extra_args(self, ctx):
        # the leased queue is the one the wire steers the flows to
        return ['--queue', ctx.wire.queue, '--chunk', '4K']


def pmd_backends(path):
    """The backend= names net_hsplit registers (its RTE_PMD_REGISTER_PARAM_STRING), or None."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        return None
    m = re.search(rb'backend=<([a-z0-9_|]+)>', data)
    return m.group(1).decode().split('|') if m else None


class HsplitGen(Design):
    """(8) in process: gen's handshake=1 TCP senders -> net_hsplit -> lib/tcprx, no kernel."""
    name = 'hsplit-gen'
    title = 'hsplit in-process (gen)'
    kind = 'hsplit'
    wire = False
    latency = False
    no_latency = 'no latency: gen\'s in-process senders carry no send timestamp'

    def run(self, ctx, cell):
        eal = ['-l', ctx.cpus.receiver, '--no-pci', '--no-shconf',
               '--file-prefix', 'hsbg%d' % os.getpid(), '--log-level', 'lib.eal:error']
        eal += ctx.huge.eal_memory()
        args = ['--conns', cell['flows'], '--reps', '1', '--seconds', ctx.opts.seconds, '--json']
        seg = max(64, min(cell['msg'], 1448))
        if seg != 1448:
            args += ['--seg-bytes', seg]
        argv = [ctx.progs.tcprx_bench] + [str(x) for x in eal] + ['--'] + [str(x) for x in args]
        before = hsb_wire.cpu_busy_seconds()
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120 + ctx.opts.seconds)
        after = hsb_wire.cpu_busy_seconds()
        out = last_json(r.stdout)
        if r.returncode != 0 or out is None or not out.get('cells'):
            return {'error': 'tcprx-bench exit %d: %s' % (r.returncode, tail(r.stderr))}
        c = out['cells'][0]
        recv = {'bytes': c.get('bytes', 0), 'seconds': c.get('seconds', 0.0),
                'gbps': stat_median(c.get('gbps')), 'cpu_s': c.get('cpu_s', 0.0)}
        busy = sum(after.get(x, 0) - before.get(x, 0)
                   for x in {ctx.cpus.sender, ctx.cpus.receiver})
        notes = ['no wire: %d-byte segments' % seg] if seg != 1448 else ['no wire']
        res = combine(cell, recv, None, busy, notes)
        # tcprx-bench's timed window is shorter than the process's life
        res['all_cpu_per_gb'] = None
        return res


def stat_median(v):
    if isinstance(v, dict):
        return v.get('median', 0.0)
    return v or 0.0


def all_designs():
    return [
        KernelSocket('kernel-recv', 'kernel recv() copy', 'recv'),
        KernelSocket('kernel-zerocopy', 'kernel TCP_ZEROCOPY_RECEIVE', 'zerocopy'),
        KernelBusyPoll(),
        KernelQueue('kernel-devmem', 'kernel devmem TCP', 'devmem'),
        KernelQueue('kernel-zcrx', 'io_uring zcrx', 'zcrx'),
        HsplitWire('afxdp'),
        HsplitAfxdpNative(),
        HsplitWire('afpacket'),
        HsplitGen(),
        HsplitKq(),
    ]


# What --guest runs by default: the kernel's designs and hsplit over the lease, on the
# patched netdevsim pair (hsplit's afxdp/afpacket/gen designs can still be asked for).
GUEST_DESIGNS = ('kernel-recv', 'kernel-zerocopy', 'kernel-busypoll', 'kernel-devmem',
                 'kernel-zcrx', 'hsplit-kq')
