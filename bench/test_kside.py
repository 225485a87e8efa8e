#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""hsb-send against hsb-krecv over a veth pair between two network namespaces.

Pinned the way the orchestrator pins them (sender on cpu 0, receiver on
cpu 1), with the sender's offloads off: bulk over 1 and 4 flows with the
pattern verified, 200 latency messages, the zerocopy design, the busypoll
design (bulk verified and latency, on the veth hsplit-bench makes pollable,
with packets taken by a busy poll), both probes on the veth, and command
lines that must be refused with exit code 2.
Root only (exit 77 = skipped otherwise). Python 3 standard library + tools/hsplit_tools.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

from hsplit_tools.veth import VethPair
from hsb_wire import NapiBusyPoll  # this folder: Python puts it first on sys.path

SKIP = 77
SND_IP, RCV_IP = "10.201.0.1", "10.201.0.2"
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def wire():
    """Two namespaces joined by a veth pair; names unique to this process."""
    tag = str(os.getpid())
    return VethPair("hsbs" + tag, "hsbr" + tag, "hsbs" + tag[-8:], "hsbr" + tag[-8:],
                    tx_addr=SND_IP + "/24", rx_addr=RCV_IP + "/24")


def json_line(out):
    lines = [l for l in out.splitlines() if l.strip()]
    if len(lines) != 1:
        raise ValueError("expected one JSON line, got %d: %r" % (len(lines), out[:300]))
    return json.loads(lines[0])


def run_pair(v, bins, recv_args, send_args, timeout=40):
    """Receiver in its namespace on cpu 1, then the sender on cpu 0."""
    rx = subprocess.Popen(["ip", "netns", "exec", v.rx, "taskset", "-c", "1",
                           bins["krecv"], "--bind", RCV_IP, "--timeout", "30", "--json"]
                          + recv_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    try:
        tx = subprocess.run(["ip", "netns", "exec", v.tx, "taskset", "-c", "0",
                             bins["send"], "--dst", RCV_IP, "--json"] + send_args,
                            capture_output=True, text=True, timeout=timeout)
        rx_out, rx_err = rx.communicate(timeout=timeout)
    finally:
        if rx.poll() is None:
            rx.kill()
            rx.communicate()
    if tx.returncode or rx.returncode:
        raise RuntimeError("sender exit %d: %s / receiver exit %d: %s" % (
            tx.returncode, tx.stderr.strip(), rx.returncode, rx_err.strip()))
    return json_line(tx.stdout), json_line(rx_out)


def bulk(v, bins, flows):
    what = "bulk, %d flow(s), verified" % flows
    try:
        s, r = run_pair(v, bins, ["--conns", str(flows), "--verify"],
                        ["--flows", str(flows), "--seconds", "0.5"])
    except Exception as e:  # noqa: BLE001 - report and go on
        check(False, "%s: %s" % (what, e))
        return
    check(s["bytes"] == r["bytes"] and s["bytes"] > 0,
          "%s: %d bytes sent, %d received" % (what, s["bytes"], r["bytes"]))
    check(s["gbps"] > 0 and r["gbps"] > 0, "%s: %.2f / %.2f Gbit/s" % (what, s["gbps"], r["gbps"]))
    check(r["verify_errors"] == 0, "%s: %d verify errors" % (what, r["verify_errors"]))
    check(r["cpu_s"] > 0 and r["conns"] == flows, "%s: receiver cpu %.3f s" % (what, r["cpu_s"]))


def latency(v, bins):
    what = "latency, 200 x 64 bytes every 100 us"
    try:
        s, r = run_pair(v, bins, ["--latency", "--msg", "64"],
                        ["--mode", "latency", "--count", "200", "--interval-us", "100"])
    except Exception as e:  # noqa: BLE001
        check(False, "%s: %s" % (what, e))
        return
    lat = r["latency"]
    check(s["messages"] == 200 and s["send_call"]["count"] == 200,
          "%s: sender sent %d, timed %d send() calls (%d late)" % (
              what, s["messages"], s["send_call"]["count"], s["late"]))
    check(lat["count"] == 200 and r["messages"] == 200,
          "%s: receiver %d samples of %d messages" % (what, lat["count"], r["messages"]))
    check(lat["p50_ns"] > 0 and r["bad_stamps"] == 0,
          "%s: p50 %d ns, %d bad stamps" % (what, lat["p50_ns"], r["bad_stamps"]))


def zerocopy(v, bins):
    what = "zerocopy design"
    try:
        s, r = run_pair(v, bins, ["--design", "zerocopy", "--verify"], ["--bytes", "32M"])
    except Exception as e:  # noqa: BLE001
        check(False, "%s: %s" % (what, e))
        return
    parts = r["mapped_bytes"] + r["copied_bytes"] + r["recv_bytes"]
    check(parts == s["bytes"] == r["bytes"],
          "%s: mapped %d + copied %d + recv'd %d == %d sent" % (
              what, r["mapped_bytes"], r["copied_bytes"], r["recv_bytes"], s["bytes"]))
    check(r["verify_errors"] == 0 and r["note"], "%s: verified; note: %s" % (what, r["note"]))
    # a refused TCP_ZEROCOPY_RECEIVE falls back to recv() and still adds up; on
    # veth the kernel maps nothing (the note says why), but it must be asked
    check(r["supported"] is True and r["zc_calls"] > 0,
          "%s: TCP_ZEROCOPY_RECEIVE taken: supported %s, %d calls (mapped %d bytes)"
          % (what, r["supported"], r["zc_calls"], r["mapped_bytes"]))


def busypoll(v, bins):
    """Epoll busy polling moves the verified stream and the stamps, and really polls:
    BusyPollRxPackets of the receiver's namespace moved (no timing asserted)."""
    with NapiBusyPoll(v.rx, v.rx_if):
        for what, recv_args, send_args, flows in (
                ("busypoll bulk, 2 flows, verified", ["--conns", "2", "--verify"],
                 ["--flows", "2", "--seconds", "0.5"], 2),
                ("busypoll latency, 200 x 64 bytes", ["--latency", "--msg", "64"],
                 ["--mode", "latency", "--count", "200", "--interval-us", "100"], 1)):
            try:
                s, r = run_pair(v, bins, ["--design", "busypoll"] + recv_args, send_args)
            except Exception as e:  # noqa: BLE001
                check(False, "%s: %s" % (what, e))
                continue
            napi = r.get("napi", {})
            check(r["design"] == "busypoll" and r["supported"] is True and r["conns"] == flows,
                  "%s: runs here (%s)" % (what, r.get("reason", "supported")))
            check(s["bytes"] == r["bytes"] > 0 and r["gbps"] > 0 and r["cpu_s"] > 0,
                  "%s: %d bytes sent, %d received, cpu %.3f s" % (what, s["bytes"], r["bytes"],
                                                                 r["cpu_s"]))
            if "--verify" in recv_args:
                check(r["verify_errors"] == 0, "%s: %d verify errors" % (what, r["verify_errors"]))
            else:
                check(r["latency"]["count"] == 200 and r["bad_stamps"] == 0,
                      "%s: %d samples, %d bad stamps" % (what, r["latency"]["count"],
                                                         r["bad_stamps"]))
            took = "%s: a busy poll took %s of %s packets, receiver slept %s times" % (
                what, napi.get("busy_polled"), napi.get("rx_packets"), r.get("sleeps"))
            if "--verify" in recv_args:
                check(napi.get("busy_polled", 0) > 0 and napi.get("rx_packets", 0) > 0, took)
            else:
                # 200 small messages may all come while a loaded cpu runs someone
                # else (the deferred-interrupt timer delivers them): reported only
                print("info " + took, flush=True)


def probe(v, bins, kind):
    what = "--probe %s on the veth" % kind
    p = subprocess.run(["ip", "netns", "exec", v.rx, bins["krecv"], "--probe", kind,
                        "--ifname", v.rx_if, "--json"], capture_output=True, text=True,
                       timeout=30)
    try:
        j = json_line(p.stdout)
    except Exception as e:  # noqa: BLE001
        check(False, "%s: exit %d, %s: %s" % (what, p.returncode, e, p.stderr.strip()))
        return
    check(p.returncode == 0 and j["supported"] is False and j["design"] == kind and
          j["reason"].startswith("unsupported on " + v.rx_if), "%s: %s" % (what, j.get("reason")))


BAD_LINES = [
    ("send", ["--flows", "2"]),  # no --dst
    ("send", ["--dst", "10.0.0.300"]),
    ("send", ["--dst", RCV_IP, "--flows", "0"]),
    ("send", ["--dst", RCV_IP, "--flows", "1025"]),
    ("send", ["--dst", RCV_IP, "--seconds", "1", "--bytes", "1M"]),
    ("send", ["--dst", RCV_IP, "--mode", "latency", "--msg", "8"]),
    ("send", ["--dst", RCV_IP, "--mode", "stream"]),
    ("send", ["--dst", RCV_IP, "--frobnicate"]),
    ("krecv", ["--port", "70000"]),
    ("krecv", ["--bind", RCV_IP, "--design", "devmem"]),
    ("krecv", ["--bind", RCV_IP, "--latency"]),  # no --msg
    ("krecv", ["--bind", RCV_IP, "--latency", "--msg", "64", "--verify"]),
    ("krecv", ["--probe", "zcrx"]),  # no --ifname
    ("krecv", ["--bind", RCV_IP, "--buf", "12Q"]),
    ("krecv", ["--bind", RCV_IP, "--busy-poll-us", "50"]),  # busypoll only
    ("krecv", ["--bind", RCV_IP, "--design", "busypoll", "--busy-poll-budget", "0"]),
]


def bad_command_lines(bins):
    for prog, args in BAD_LINES:
        p = subprocess.run([bins[prog]] + args, capture_output=True, text=True, timeout=10)
        check(p.returncode == 2 and p.stderr.strip() and not p.stdout.strip(),
              "hsb-%s %s: exit %d, %s" % (prog, " ".join(args), p.returncode,
                                          p.stderr.strip().splitlines()[:1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin-dir", required=True, help="directory with hsb-send and hsb-krecv")
    a = ap.parse_args()
    bins = {"send": os.path.join(a.bin_dir, "hsb-send"),
            "krecv": os.path.join(a.bin_dir, "hsb-krecv")}
    bad_command_lines(bins)
    if os.geteuid() != 0:
        print("skip: network namespaces need root")
        return SKIP if not failures else 1
    missing = [t for t in ("ip", "ethtool", "taskset") if not shutil.which(t)]
    if missing or (os.cpu_count() or 1) < 2:
        print("skip: needs %s" % (", ".join(missing) or "two cpus"))
        return SKIP if not failures else 1
    start = time.monotonic()
    with wire() as v:
        bulk(v, bins, 1)
        bulk(v, bins, 4)
        latency(v, bins)
        zerocopy(v, bins)
        busypoll(v, bins)
        probe(v, bins, "devmem")
        probe(v, bins, "zcrx")
    print("%d failure(s) in %.1f s" % (len(failures), time.monotonic() - start))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
