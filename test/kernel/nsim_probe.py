#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Probes for the multi-queue netdevsim cases (guest-netdevsim-mq.sh,
guest-netdevsim-steer.sh).

nsim_probe.py inject IFNAME DST_MAC SRC_IP DST_IP DST_PORT good|bad
    Send one TCP/IPv4 segment with 1000 bytes of payload out of IFNAME
    through AF_PACKET, so that it leaves with CHECKSUM_NONE; its TCP
    checksum is right ("good") or deliberately wrong ("bad").
nsim_probe.py spray IFNAME DST_MAC SRC_IP DST_IP DST_PORT SPORT0 COUNT
    The same with a good checksum, COUNT times, from source ports SPORT0,
    SPORT0 + 1, ...: COUNT flows for RSS to spread.
nsim_probe.py qstat KSRC IFNAME QUEUE
    Print the counters of one RX queue from the netdev family's
    qstats-get ("csum-unnecessary=N csum-bad=N alloc-fail=N packets=N
    bytes=N"), using the ynl library of the kernel source tree KSRC.
nsim_probe.py qpackets KSRC IFNAME
    Print the packets counter of every RX queue, in queue order.
nsim_probe.py rss SRC_IP DST_IP DST_PORT SPORT0 COUNT < "ethtool -x" output
    Predict where RSS puts the COUNT TCP/IPv4 flows from source ports
    SPORT0...: Toeplitz over source and destination address and port
    (Microsoft's RSS specification) with the key and indirection table
    ethtool -x printed; prints the number of flows per queue.
nsim_probe.py sink ADDR PORT
    Accept one TCP connection and read it to the end; print the bytes.
nsim_probe.py send ADDR PORT BYTES SPORT
    Connect from source port SPORT and send BYTES bytes.
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


def tcp_frame(src_mac, dst_mac, src_ip, dst_ip, dport, good, sport=40000):
    payload = bytes((i * 7 + 3) & 0xFF for i in range(PAYLOAD_LEN))
    saddr, daddr = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    # sport, dport, seq, ack, data offset, flags ACK|PSH, window, csum, urg
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 5 << 4, 0x18, 65535, 0, 0)
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


def spray(ifname, dst_mac, src_ip, dst_ip, dport, sport0, count):
    with open(f"/sys/class/net/{ifname}/address", encoding="ascii") as f:
        src_mac = mac(f.read().strip())
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800)) as s:
        s.bind((ifname, 0x0800))
        for sport in range(int(sport0), int(sport0) + int(count)):
            s.send(tcp_frame(src_mac, mac(dst_mac), src_ip, dst_ip, int(dport), True,
                             sport))
    print(f"# sent {count} TCP frames to {dst_ip}:{dport} from source ports "
          f"{sport0}-{int(sport0) + int(count) - 1} through AF_PACKET on {ifname}")


def toeplitz(key, data):
    """The RSS hash: XOR the 32 key bits starting at each set input bit."""
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i in range(len(data) * 8):
        if data[i // 8] & (0x80 >> (i % 8)):
            h ^= (k >> (klen - 32 - i)) & 0xFFFFFFFF
    return h


def parse_ethtool_x(text):
    indir, key, in_key = [], b"", False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("RSS hash key"):
            in_key = True
            continue
        if in_key:
            if ":" in line and all(len(x) == 2 for x in line.split(":")):
                key += bytes(int(x, 16) for x in line.split(":"))
            in_key = False
            continue
        head, sep, rest = line.partition(":")
        if sep and head.strip().isdigit():
            indir += [int(x) for x in rest.split()]
    return key, indir


def rss_predict(src_ip, dst_ip, dport, sport0, count, text):
    key, indir = parse_ethtool_x(text)
    if len(key) < 16 or not indir:
        print("could not read the key and table from ethtool -x", file=sys.stderr)
        return 1
    per_queue = [0] * (max(indir) + 1)
    for sport in range(int(sport0), int(sport0) + int(count)):
        data = (socket.inet_aton(src_ip) + socket.inet_aton(dst_ip) +
                struct.pack("!HH", sport, int(dport)))
        per_queue[indir[toeplitz(key, data) % len(indir)]] += 1
    print(" ".join(str(n) for n in per_queue))
    return 0


def sink(addr, port):
    with socket.create_server((addr, int(port))) as srv:
        print("# listening", flush=True)
        conn, _ = srv.accept()
        total = 0
        with conn:
            while True:
                data = conn.recv(1 << 16)
                if not data:
                    break
                total += len(data)
    print(total)


def send(addr, port, nbytes, sport):
    chunk = bytes(range(256)) * 256
    left = int(nbytes)
    with socket.create_connection((addr, int(port)), source_address=("", int(sport))) as s:
        while left:
            n = s.send(chunk[:min(left, len(chunk))])
            left -= n


def qpackets(ksrc, ifname):
    sys.path.append(os.path.join(ksrc, "tools"))
    from net.ynl.pyynl.lib import YnlFamily  # pylint: disable=import-outside-toplevel

    spec = os.path.join(ksrc, "Documentation/netlink/specs/netdev.yaml")
    nl = YnlFamily(spec, schema="")
    ifindex = socket.if_nametoindex(ifname)
    rx = {q["queue-id"]: q.get("rx-packets", 0)
          for q in nl.qstats_get({"ifindex": ifindex, "scope": "queue"}, dump=True)
          if q.get("queue-type") == "rx"}
    print(" ".join(str(rx[q]) for q in sorted(rx)))
    return 0


def qstat(ksrc, ifname, queue):
    sys.path.append(os.path.join(ksrc, "tools"))
    from net.ynl.pyynl.lib import YnlFamily  # pylint: disable=import-outside-toplevel

    spec = os.path.join(ksrc, "Documentation/netlink/specs/netdev.yaml")
    nl = YnlFamily(spec, schema="")
    ifindex = socket.if_nametoindex(ifname)
    for q in nl.qstats_get({"ifindex": ifindex, "scope": "queue"}, dump=True):
        if q.get("queue-type") == "rx" and q.get("queue-id") == int(queue):
            print(" ".join(f"{k}={q.get('rx-' + k, 0)}"
                           for k in ("csum-unnecessary", "csum-bad", "alloc-fail",
                                     "packets", "bytes")))
            return 0
    print(f"no rx queue {queue} in the qstats of {ifname}", file=sys.stderr)
    return 1


def main(argv):
    if len(argv) == 8 and argv[1] == "inject" and argv[7] in ("good", "bad"):
        inject(*argv[2:8])
        return 0
    if len(argv) == 5 and argv[1] == "qstat":
        return qstat(*argv[2:5])
    if len(argv) == 9 and argv[1] == "spray":
        spray(*argv[2:9])
        return 0
    if len(argv) == 4 and argv[1] == "qpackets":
        return qpackets(*argv[2:4])
    if len(argv) == 7 and argv[1] == "rss":
        return rss_predict(*argv[2:7], sys.stdin.read())
    if len(argv) == 4 and argv[1] == "sink":
        sink(*argv[2:4])
        return 0
    if len(argv) == 6 and argv[1] == "send":
        send(*argv[2:6])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
