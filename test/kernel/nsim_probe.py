#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two probes for the multi-queue netdevsim cases (guest-netdevsim-mq.sh).

nsim_probe.py inject IFNAME DST_MAC SRC_IP DST_IP DST_PORT good|bad
    Send one TCP/IPv4 segment with 1000 bytes of payload out of IFNAME
    through AF_PACKET, so that it leaves with CHECKSUM_NONE; its TCP
    checksum is right ("good") or deliberately wrong ("bad").
nsim_probe.py qstat KSRC IFNAME QUEUE
    Print the header-split counters of one RX queue from the netdev
    family's qstats-get ("csum-unnecessary=N csum-bad=N alloc-fail=N"),
    using the ynl library of the kernel source tree KSRC.
"""
import os
import socket
import struct
import sys

PAYLOAD_LEN = 1000


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_frame(src_mac, dst_mac, src_ip, dst_ip, dport, good):
    payload = bytes((i * 7 + 3) & 0xFF for i in range(PAYLOAD_LEN))
    saddr, daddr = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    # sport, dport, seq, ack, data offset, flags ACK|PSH, window, csum, urg
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 1, 1, 5 << 4, 0x18, 65535, 0, 0)
    pseudo = saddr + daddr + struct.pack("!BBH", 0, socket.IPPROTO_TCP,
                                         len(tcp) + len(payload))
    check = csum16(pseudo + tcp + payload)
    if not good:
        check ^= 0x5A5A
    tcp = tcp[:16] + struct.pack("!H", check) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1,
                     0x4000, 64, socket.IPPROTO_TCP, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum16(ip)) + ip[12:]
    eth = dst_mac + src_mac + struct.pack("!H", 0x0800)
    return eth + ip + tcp + payload


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def inject(ifname, dst_mac, src_ip, dst_ip, dport, kind):
    with open(f"/sys/class/net/{ifname}/address", encoding="ascii") as f:
        src_mac = mac(f.read().strip())
    frame = tcp_frame(src_mac, mac(dst_mac), src_ip, dst_ip, int(dport), kind == "good")
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800)) as s:
        s.bind((ifname, 0x0800))
        s.send(frame)
    print(f"# sent one {len(frame)}-byte TCP frame with a {kind} checksum to "
          f"{dst_ip}:{dport} through AF_PACKET on {ifname}")


def qstat(ksrc, ifname, queue):
    sys.path.append(os.path.join(ksrc, "tools"))
    from net.ynl.pyynl.lib import YnlFamily  # pylint: disable=import-outside-toplevel

    spec = os.path.join(ksrc, "Documentation/netlink/specs/netdev.yaml")
    nl = YnlFamily(spec, schema="")
    ifindex = socket.if_nametoindex(ifname)
    for q in nl.qstats_get({"ifindex": ifindex, "scope": "queue"}, dump=True):
        if q.get("queue-type") == "rx" and q.get("queue-id") == int(queue):
            print(" ".join(f"{k}={q.get('rx-' + k, 0)}"
                           for k in ("csum-unnecessary", "csum-bad", "alloc-fail")))
            return 0
    print(f"no rx queue {queue} in the qstats of {ifname}", file=sys.stderr)
    return 1


def main(argv):
    if len(argv) == 8 and argv[1] == "inject" and argv[7] in ("good", "bad"):
        inject(*argv[2:8])
        return 0
    if len(argv) == 5 and argv[1] == "qstat":
        return qstat(*argv[2:5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
