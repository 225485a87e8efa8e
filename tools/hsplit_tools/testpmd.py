# SPDX-License-Identifier: BSD-3-Clause
"""Drive stock dpdk-testpmd with net_hsplit loaded, on a veth wire.

Shared by the PMD demo (examples/pmd-demo/hsplit_pmd_demo.py) and the testpmd
tests (test/pmd/testpmd_test.py).
"""
import atexit
import glob
import os
import re
import shutil
import stat
import tempfile
import subprocess
import threading
import time

from hsplit_tools.netns import Skip, sh  # noqa: F401  (Skip: for the callers)
from hsplit_tools.veth import VethPair

TESTPMD = shutil.which('dpdk-testpmd')


_staged = {}


def _world_writable_above(path):
    while True:
        if os.stat(path).st_mode & stat.S_IWOTH:
            return path
        if path == '/':
            return None
        path = os.path.dirname(path)


def plugin(pmd):
    """(path for -d, extra environment) for the PMD.

    EAL refuses a plugin with a world-writable directory above it ("/tmp is
    world-writable and insecure"), where a checkout may well live: then the
    PMD and the lib/devmem it links are copied to a private directory and
    found there through LD_LIBRARY_PATH.
    """
    pmd = os.path.abspath(pmd)
    if _world_writable_above(os.path.dirname(pmd)) is None:
        return pmd, {}
    if pmd not in _staged:
        base = '/run' if os.geteuid() == 0 else os.path.expanduser('~/.cache')
        os.makedirs(base, exist_ok=True)
        stage = tempfile.mkdtemp(prefix='hsplit-pmd-', dir=base)
        atexit.register(shutil.rmtree, stage, True)
        shutil.copy2(pmd, stage)
        devmem = os.path.join(os.path.dirname(pmd), '..', '..', '..', 'lib', 'devmem')
        # the file and its soname link (libhsplit_devmem.so.0, what the PMD needs)
        for lib in glob.glob(os.path.join(devmem, 'libhsplit_devmem.so.*')):
            shutil.copy2(lib, stage, follow_symlinks=False)
        _staged[pmd] = os.path.join(stage, os.path.basename(pmd))
    stage = os.path.dirname(_staged[pmd])
    ld = os.environ.get('LD_LIBRARY_PATH')
    return _staged[pmd], {'LD_LIBRARY_PATH': stage + (':' + ld if ld else '')}


def settle(lines, minimum, quiet=0.5, cap=60.0):
    """Wait `minimum` seconds, then until testpmd's output has stopped growing for `quiet` s.

    With `set verbose 1` testpmd prints every packet; on a loaded machine that
    printing, not the PMD, is what a fixed wait would cut short."""
    time.sleep(minimum)
    deadline = time.time() + cap
    seen = -1
    while len(lines) != seen and time.time() < deadline:
        seen = len(lines)
        time.sleep(quiet)


def wait_for_text(chunks, text, cap=60.0):
    """Wait until testpmd has printed `text` (True), or `cap` seconds (False).

    `start` is acknowledged with "<mode> packet forwarding - ports=...".
    Waiting for quiet output alone is not enough: on a loaded machine EAL
    and port setup can be silent for longer than the quiet period, and
    frames sent before the port's socket exists go to the kernel instead
    (a veth_afxdp_udp run at load average 20 saw 0 of 200 datagrams)."""
    deadline = time.time() + cap
    while time.time() < deadline:
        if text in ''.join(chunks):
            return True
        time.sleep(0.1)
    return False


def wait_for_frames(p, chunks, frames, cap=60.0):
    """Ask `show port xstats 0` until the device has taken `frames` frames off the wire.

    A finite source (gen count=N, a capture, a known send) is done when
    rx_backend_frames reaches N. Stopping after a fixed time instead raced
    the forwarding lcore: on a loaded machine (load average 18 on 2 CPUs)
    `stop` came after 23 polls of 32 gen frames (736 of 1000) or a single
    poll of an afxdp ring (32 of 200), with no drop counted anywhere: the
    device had delivered every frame it had been asked for, the rest were
    still waiting at the wire. A cap keeps a real loss from hanging the case;
    the caller's assertions then report it."""
    deadline = time.time() + cap
    while time.time() < deadline:
        mark = len(chunks)
        p.stdin.write('show port xstats 0\n')
        p.stdin.flush()
        time.sleep(0.3)
        if xstats(''.join(chunks[mark:])).get('rx_backend_frames', 0) >= frames:
            return True
    return False


def testpmd(pmd, vdev, args, commands, traffic=None, netns=None, wait=1.0, timeout=90,
            frames=None):
    """Run testpmd; `commands` before and after `traffic()`; return stdout+stderr.

    frames=N: before the `after` commands, wait until the device has pulled N
    frames from the wire (see wait_for_frames), then for the output to settle."""
    pmd_path, env = plugin(pmd)
    # line-buffered: testpmd's prompt is written straight to the fd and would
    # otherwise land in the middle of block-buffered lines
    cmd = ['stdbuf', '-oL', TESTPMD, '--no-huge', '-m', '512', '--no-pci', '--no-shconf', '-l', '0-1',
           '--file-prefix', 'hsplit_tp%d' % os.getpid(), '-d', pmd_path, '--vdev', vdev,
           '--', '-i', '--forward-mode=rxonly', '--total-num-mbufs=4096', '--no-flush-rx'] + args
    if netns:
        cmd = ['ip', 'netns', 'exec', netns] + cmd
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=dict(os.environ, **env))
    # Drain stdout all along: a full pipe would stall testpmd's forwarding lcore
    # in its verbose printf and the case would see fewer packets than were sent.
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(p.stdout.readline, '')))
    reader.start()
    try:
        before, after = commands
        p.stdin.write(''.join(c + '\n' for c in before))
        p.stdin.flush()
        if 'start' in before:
            wait_for_text(chunks, 'packet forwarding')
        settle(chunks, wait)
        if traffic:
            traffic()
            settle(chunks, wait)
        if frames is not None:
            wait_for_frames(p, chunks, frames)
            settle(chunks, 0)
        p.stdin.write(''.join(c + '\n' for c in after) + 'quit\n')
        p.stdin.close()
        p.wait(timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        p.kill()
        p.wait()
        reader.join()
        raise AssertionError('testpmd did not finish:\n' + ''.join(chunks)[-3000:])
    reader.join()
    return ''.join(chunks)


def xstats(out):
    """`show port xstats` lines as a dict."""
    return {k: int(v) for k, v in re.findall(r'^(\w+): (\d+)$', out, re.M)}


class Veth(VethPair):
    """ns_tx (10.99.0.1, sends) <-> ns_rx (10.99.0.2, testpmd on its veth)."""

    def __init__(self):
        tag = '%d' % (os.getpid() % 100000)
        super().__init__('hstx' + tag, 'hsrx' + tag, 'vtx' + tag, 'vrx' + tag,
                         tx_addr='10.99.0.1/24', rx_addr='10.99.0.2/24')

    def setup(self):
        super().setup()
        # the PMD does not answer ARP (lib/tcprx will): a static neighbour entry
        sh('ip', 'neigh', 'replace', '10.99.0.2', 'lladdr', self.mac(self.rx, self.rx_if),
           'dev', self.tx_if, ns=self.tx)

    def send_udp(self, count, size):
        code = ('import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n'
                'for i in range(%d): s.sendto(bytes([i %% 256])*%d, ("10.99.0.2", 5201))\n' % (count, size))
        sh('python3', '-c', code, ns=self.tx)

    def send_tcp_syns(self):
        """connect() attempts: the kernel's own TCP SYNs (nobody answers on a bypassed queue)."""
        code = ('import socket\ns=socket.socket()\ns.settimeout(1.5)\n'
                'try: s.connect(("10.99.0.2", 5201))\nexcept OSError: pass\n')
        sh('python3', '-c', code, ns=self.tx)

    def send_tcp_stream(self, nbytes):
        """A real TCP transfer to a kernel listener in ns_rx (afpacket taps it)."""
        srv = subprocess.Popen(['ip', 'netns', 'exec', self.rx, 'python3', '-c',
                                'import socket\nl=socket.socket()\nl.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n'
                                'l.bind(("10.99.0.2",5201))\nl.listen()\nc,_=l.accept()\n'
                                'while c.recv(65536): pass\n'])
        time.sleep(0.5)
        code = ('import socket\ns=socket.create_connection(("10.99.0.2",5201),timeout=5)\n'
                's.sendall(b"x"*%d)\ns.close()\n' % nbytes)
        try:
            sh('python3', '-c', code, ns=self.tx)
        finally:
            srv.wait(timeout=10)
