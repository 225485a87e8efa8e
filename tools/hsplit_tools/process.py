# SPDX-License-Identifier: BSD-3-Clause
"""A receiver program in a network namespace, the way the demos, benchmarks
and tests run hsplit-rx and hsb-krecv: stderr read line by line as it comes
(kept for errors, optionally echoed, watched for a readiness word), stdout
collected whole for the JSON result, and a stop that asks before it kills.
"""
import signal
import subprocess
import sys
import threading

from hsplit_tools.netns import in_ns


class NsProcess:
    def __init__(self, argv, ns, ready_word=None, echo=False, capture=True):
        """argv in namespace ns. ready_word: the stderr text that says it is ready
        (None: ready at once). capture=False leaves stdout on ours."""
        self.cmd = [str(a) for a in argv]
        self.word = ready_word
        self.echo = echo
        self.lines = []
        self.out = []
        self.ready = threading.Event()
        self.p = subprocess.Popen(in_ns(ns, self.cmd),
                                  stdout=subprocess.PIPE if capture else None,
                                  stderr=subprocess.PIPE, text=True)
        self.readers = [threading.Thread(target=self._read_err, daemon=True)]
        if capture:
            self.readers.append(threading.Thread(target=self._read_out, daemon=True))
        for t in self.readers:
            t.start()
        if ready_word is None:
            self.ready.set()

    def _read_err(self):
        for line in iter(self.p.stderr.readline, ''):
            self.lines.append(line)
            if self.echo:
                sys.stderr.write(line)
            if self.word and self.word in line:
                self.ready.set()
        self.ready.set()   # it closed stderr: waiting longer is pointless

    def _read_out(self):
        self.out.append(self.p.stdout.read())

    def wait_ready(self, timeout=60):
        """True when it printed its ready word (if any) and still runs."""
        self.ready.wait(timeout)
        said = self.word is None or any(self.word in line for line in self.lines)
        return said and self.p.poll() is None

    def finish(self, timeout, stop=signal.SIGINT):
        """Wait for it to exit by itself; after `timeout` s send `stop`, after 15 s
        more kill it. Returns (exit status, stdout, stderr)."""
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.send_signal(stop)
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for t in self.readers:
            t.join(10)
        return self.p.returncode, ''.join(self.out), ''.join(self.lines)

    def kill(self):
        """For a finally: clause; a no-op once it exited."""
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def log(self, n=60):
        return ''.join(self.lines[-n:])
