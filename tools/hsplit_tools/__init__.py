# SPDX-License-Identifier: BSD-3-Clause
"""What hsplit's demos, benchmarks and tests share in Python (standard library only).

    netns       run a command in a namespace, the shared Skip, the usec-TS route
    veth        two namespaces joined by a veth pair, undone on exit
    process     a program in a namespace: stderr kept, readiness, a clean stop
    hsplit_rx   hsplit-rx on the veth against the Linux sender (pattern_send.py)
    testpmd     stock dpdk-testpmd with net_hsplit loaded, and its veth wire

Found through PYTHONPATH=<checkout>/tools, which ./run-demo, ./run-bench and
the meson tests set.
"""
