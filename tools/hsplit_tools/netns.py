# SPDX-License-Identifier: BSD-3-Clause
"""Network namespaces: commands in them, the checks before making them, and
the one route iproute2 6.1 cannot spell (tcp_usec_ts).

Standard library only: set_usec_ts_route() runs this file as a script inside
the namespace, where nothing else of the package is imported.
"""
import errno
import os
import re
import shutil
import socket
import struct
import subprocess
import sys


class Skip(Exception):
    """This machine cannot run it: not root, a tool or a kernel feature missing."""


def in_ns(ns, argv):
    """argv run in namespace ns (`ip netns exec`); ns None: here."""
    return (['ip', 'netns', 'exec', ns] if ns else []) + [str(a) for a in argv]


def sh(*cmd, ns=None, check=True):
    """Run cmd (in ns), output captured; RuntimeError with its stderr when it fails and check."""
    full = in_ns(ns, cmd)
    r = subprocess.run(full, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(full), r.returncode, r.stderr.strip()))
    return r


def require(tools, why='network namespaces and veth'):
    """Skip unless root with every tool in `tools` on PATH."""
    if os.geteuid() != 0:
        raise Skip('needs root for %s' % why)
    if os.environ.get('HSPLIT_NO_NETNS'):
        raise Skip('HSPLIT_NO_NETNS is set (a build tree sharing the host network)')
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise Skip('needs %s on PATH' % ', '.join(missing))


def add(name):
    """A new namespace with loopback up and no IPv6 chatter (router solicitations, DAD)."""
    sh('ip', 'netns', 'add', name)
    sh('ip', 'link', 'set', 'lo', 'up', ns=name)
    sh('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', ns=name, check=False)
    sh('sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1', ns=name, check=False)


def delete(name):
    sh('ip', 'netns', 'del', name, check=False)


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


def kernel_before(major, minor):
    """This machine's kernel is older than major.minor."""
    m = re.match(r'(\d+)\.(\d+)', os.uname().release)
    return bool(m) and (int(m.group(1)), int(m.group(2))) < (major, minor)


def set_usec_ts_route(ns, dev, prefix):
    """In namespace ns, route prefix ("10.99.0.2/32") out of dev with the route
    feature RTAX_FEATURE_TCP_USEC_TS, which iproute2 6.1 cannot spell. With
    net.ipv4.tcp_timestamps=2 as well (no per-connection offset), Linux's TSval
    on connections over this route is CLOCK_MONOTONIC in microseconds, mod 2^32
    (kernel 6.7 and later): the send time, which hsplit-rx --latency reads.
    True; False where the kernel is older than 6.7 and refuses the feature
    (EINVAL): its TSval is then CLOCK_MONOTONIC in milliseconds (hsplit-rx
    --tsval-ms). Any other failure raises RuntimeError."""
    r = sh(sys.executable, os.path.abspath(__file__), 'usec-ts-route', dev, prefix, ns=ns,
           check=False)
    if r.returncode == errno.EINVAL and kernel_before(6, 7):
        return False
    if r.returncode != 0:
        raise RuntimeError('usec-ts-route %s dev %s in %s: exit %d: %s'
                           % (prefix, dev, ns, r.returncode, r.stderr.strip()))
    return True


def sender_clock(ns, dev, prefix):
    """The sender's TCP timestamps as hsplit-rx --latency reads them: no random
    offset (tcp_timestamps=2) and, over prefix, microseconds where the kernel has
    the route feature. True: a microsecond TSval; False: milliseconds."""
    sh('sysctl', '-qw', 'net.ipv4.tcp_timestamps=2', ns=ns)
    return set_usec_ts_route(ns, dev, prefix)


if __name__ == '__main__':
    # set_usec_ts_route's worker, run inside the namespace by `ip netns exec`
    if len(sys.argv) != 4 or sys.argv[1] != 'usec-ts-route':
        sys.exit('usage: netns.py usec-ts-route DEV PREFIX')
    try:
        _usec_ts_route_here(sys.argv[2], sys.argv[3])
    except OSError as e:   # the errno is the status: EINVAL is a kernel before 6.7
        print(e, file=sys.stderr)
        sys.exit(e.errno or 1)
