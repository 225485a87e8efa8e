#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Read `ynl --dump page-pool-get` output (one printed list per namespace,
possibly spread over lines) on stdin; print one line per page pool that its
device left behind (detach-time set) with buffers still in flight."""
import ast
import re
import sys

text = sys.stdin.read()
for block in re.split(r'\n(?=\[)', text):
    block = block.strip()
    if not block.startswith('['):
        continue
    try:
        pools = ast.literal_eval(block)
    except (ValueError, SyntaxError):
        continue
    for p in pools:
        if p.get('detach-time') and p.get('inflight', 0) > 0:
            print('page pool %s (dma-buf binding %s) detached with %d buffers in flight' %
                  (p.get('id'), p.get('dmabuf', 'none'), p['inflight']))
