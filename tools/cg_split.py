#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per packet of net_hsplit's two halves, from callgrind dumps of hsplit-pmd-bench.

Run the bench under callgrind with one dump per cell (--dump-before=pb_port_open), then
    tools/cg_split.py cg.out.1 cg.out.2 ...
Per dump (one configuration at one frame size): packets = calls of hsplit_parse_frame (the
device parses every frame once); inclusive instructions of
  device   hsplit_hw_poll, less the payload provider hook (devmem_payload_alloc), which a
           real NIC leaves to the driver's refill
  driver   hsplit_rx_burst less the device, plus the provider hook
  free     rte_pktmbuf_free_bulk (the application's free, extbuf callbacks included)
"""
import re
import sys
from collections import defaultdict

POS = re.compile(r'^[+\-*]?\d*\s')


def parse(path):
    names = {}
    self_ir = defaultdict(int)
    call_ir = defaultdict(int)      # (caller, callee) -> inclusive Ir of the calls
    calls = defaultdict(int)        # callee -> number of calls
    fn = cfn = None
    pending = None

    def name(spec):
        m = re.match(r'\((\d+)\)(?:\s+(.*))?', spec)
        if not m:
            return spec
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names[m.group(1)]

    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('fn='):
                fn = name(line[3:])
            elif line.startswith('cfn='):
                cfn = name(line[4:])
            elif line.startswith('calls='):
                pending = int(line[6:].split()[0])
            elif line and (line[0].isdigit() or line[0] in '+-*'):
                parts = line.split()
                ir = int(parts[1]) if len(parts) > 1 else 0
                if pending is not None:
                    call_ir[(fn, cfn)] += ir
                    calls[cfn] += pending
                    pending = None
                else:
                    self_ir[fn] += ir
    incl = defaultdict(int)
    for f_, v in self_ir.items():
        incl[f_] += v
    for (caller, callee), v in call_ir.items():
        if caller != callee:
            incl[caller] += v
    return incl, calls


def pick(d, short):
    """Callgrind may decorate names ('x'2, x [lib]); sum what is that function."""
    return sum(v for k, v in d.items() if k.split("'")[0].split(' ')[0] == short)


def main():
    print('%-28s %9s %8s %8s %8s %8s' % ('dump', 'packets', 'device', 'driver', 'free',
                                          'host'))
    for path in sys.argv[1:]:
        incl, calls = parse(path)
        pkts = pick(calls, 'hsplit_parse_frame')
        if pkts == 0:
            continue
        hook = pick(incl, 'devmem_payload_alloc')
        poll = pick(incl, 'hsplit_hw_poll')
        burst = pick(incl, 'hsplit_rx_burst') + pick(incl, 'hsplit_rx_burst_timed')
        free = pick(incl, 'rte_pktmbuf_free_bulk')
        dev = (poll - hook) / pkts
        drv = (burst - poll + hook) / pkts
        print('%-28s %9d %8.1f %8.1f %8.1f %8.1f' % (path, pkts, dev, drv, free / pkts,
                                                      drv + free / pkts))


if __name__ == '__main__':
    main()
