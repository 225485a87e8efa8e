#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""DPDK's own dpdk-telemetry.py sees hsplit (doc/telemetry.md).

Runs hsplit-rx on a net_hsplit port whose gen backend plays two TCP senders
(handshake=1; no network needed), then asks stock dpdk-telemetry.py, as a
user would, for /ethdev/list, /ethdev/xstats,<port>, /tcprx/list and
/tcprx/stats,<id>. Fails unless the port's split counters and the stack's
connection counters show the traffic, and unless hsplit-rx then exits
cleanly on SIGINT.

usage: telemetry_test.py HSPLIT_RX DPDK_TELEMETRY_PY
"""
import json
import os
import signal
import subprocess
import sys
import time

FLOWS = 2


def query(tool, prefix, cmds):
    """dpdk-telemetry.py reads commands from a non-tty stdin: one JSON reply a line."""
    r = subprocess.run([sys.executable, tool, '-f', prefix], input=''.join(c + '\n' for c in cmds),
                       capture_output=True, text=True, timeout=30)
    replies = {}
    for line in r.stdout.splitlines():
        if line.startswith('{'):
            replies.update(json.loads(line))
    return replies, r


def main(hsplit_rx, tool):
    prefix = 'hstel%d' % os.getpid()
    # XDG_RUNTIME_DIR / RUNTIME_DIRECTORY: both sides find the socket by the same rule
    rx = subprocess.Popen([hsplit_rx, '--no-huge', '-m', '512', '--no-pci', '-l', '0-1',
                           '--file-prefix', prefix, '--log-level', 'lib.eal:error', '--',
                           '--listen', '10.2.0.1:5201', '--backend', 'gen',
                           '--devargs', 'handshake=1,flows=%d' % FLOWS, '--interval', '0'],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Poll until both connections are up (a bound on a stuck run, not a timing check).
        deadline = time.time() + 60
        while True:
            replies, r = query(tool, prefix, ['/ethdev/list', '/tcprx/list'])
            ports, stacks = replies.get('/ethdev/list'), replies.get('/tcprx/list')
            if ports and stacks:
                stats, _ = query(tool, prefix, ['/tcprx/stats,%d' % stacks[0]])
                if stats.get('/tcprx/stats', {}).get('established', 0) >= FLOWS:
                    break
            if rx.poll() is not None or time.time() > deadline:
                print(rx.stdout.read() if rx.poll() is not None else '')
                print('dpdk-telemetry.py said:', r.stdout, r.stderr)
                print('FAIL: no port, stack or connections seen through telemetry')
                return 1
            time.sleep(0.5)
        replies, r = query(tool, prefix, ['/ethdev/xstats,%d' % ports[0],
                                          '/tcprx/stats,%d' % stacks[0]])
        xs, st = replies.get('/ethdev/xstats', {}), replies.get('/tcprx/stats', {})
        print('$ echo /ethdev/xstats,%d | dpdk-telemetry.py -f %s' % (ports[0], prefix))
        print(json.dumps({k: xs.get(k) for k in ('rx_good_packets', 'rx_q0_split_packets',
                                                 'rx_q0_devmem_payload_bytes',
                                                 'rx_q0_linear_packets')}))
        print('$ echo /tcprx/stats,%d | dpdk-telemetry.py -f %s' % (stacks[0], prefix))
        print(json.dumps({k: st.get(k) for k in ('frames_in', 'frames_out', 'syn_in',
                                                 'established', 'conns')}))
        bad = []
        if not xs.get('rx_q0_split_packets'):
            bad.append('no split packets in /ethdev/xstats')
        if not xs.get('rx_q0_devmem_payload_bytes'):
            bad.append('no devmem payload bytes in /ethdev/xstats')
        if st.get('syn_in', 0) < FLOWS or st.get('conns') != FLOWS or not st.get('frames_in'):
            bad.append('tcprx stats do not show %d connections with traffic' % FLOWS)
        if bad:
            print('FAIL: ' + '; '.join(bad))
            return 1
    finally:
        if rx.poll() is None:
            rx.send_signal(signal.SIGINT)
        try:
            out, _ = rx.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            rx.kill()
            out, _ = rx.communicate()
    if rx.returncode != 0:
        print(out)
        print('FAIL: hsplit-rx exited %d after SIGINT' % rx.returncode)
        return 1
    print('telemetry_test: ok')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
