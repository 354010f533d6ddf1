"""Helpers shared by the Python test suites: run the real onair binary,
follow its output, talk HTTP to it."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import time
import unittest
import urllib.error
import urllib.request

ONAIR = os.environ.get("ONAIR_BIN", "onair")
FFPROBE = shutil.which("ffprobe")
DEADLINE = 60  # seconds any single run may take before the test gives up


def write_pipeline(directory, name, text):
    path = os.path.join(directory, name + ".pipeline")
    with open(path, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(text).lstrip())
    return path


def run(*args, env=None, timeout=DEADLINE):
    """Runs onair to completion; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([ONAIR, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


# Every background run, so a test that fails halfway leaves none behind.
_running = []


class Running:
    """An `onair run` in the background. A thread reads its stderr into `lines`
    as it comes, so a chatty run never blocks on a full pipe while a test talks
    HTTP to it, and waits end on time even when no line comes."""

    def __init__(self, *args, env=None, stdin=subprocess.DEVNULL, wrapper=()):
        """`wrapper`: a command line that runs the app (its arguments appended)."""
        # stderr on a pipe of our own: the reader thread is its only reader
        # (proc.stderr is None, so communicate() does not read it too).
        read_fd, write_fd = os.pipe()
        try:
            self.proc = subprocess.Popen([*wrapper, ONAIR, "run", *args], stdout=subprocess.PIPE,
                                         stderr=write_fd, text=True, env=env, stdin=stdin)
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        # stdout stays a pipe read by finish() or by the test: in `run` it only
        # carries replies to commands on standard input, never enough to fill it.
        self.lines = []
        self.ended = False  # the stream reached its end
        self._changed = threading.Condition()
        stream = open(read_fd, encoding=None, errors="replace")
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()
        _running.append(self)

    def _read(self, stream):
        with stream:
            for line in stream:
                with self._changed:
                    self.lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self.ended = True
            self._changed.notify_all()

    def _wait_until(self, step, timeout, what):
        """Feeds each stderr line, from the first on, to step() until it gives a
        true value, which is returned; waits for more lines until `timeout`."""
        end = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    seen += 1
                    result = step(line)
                    if result:
                        return result
                remaining = end - time.monotonic()
                if self.ended or remaining <= 0:
                    break
                self._changed.wait(remaining)
            why = "the output ended" if self.ended else "gave up after %g s" % timeout
            text = "".join(self.lines)
        raise AssertionError("%s (%s) in:\n%s" % (what, why, text))

    def wait_for(self, pattern, timeout=DEADLINE):
        """Waits for a stderr line matching `pattern` (lines already read count);
        returns the match of the first such line."""
        return self._wait_until(re.compile(pattern).search, timeout,
                                "no line matching %r" % pattern)

    def wait_for_count(self, text, count, timeout=DEADLINE):
        """Waits until stderr lines (already read ones count) hold `text` `count` times."""
        found = 0

        def step(line):
            nonlocal found
            found += line.count(text)
            return found >= count
        self._wait_until(step, timeout, "fewer than %d times %r" % (count, text))

    def interrupt(self):
        self.proc.send_signal(signal.SIGINT)

    def finish(self, timeout=DEADLINE):
        """Waits for the end of the run; returns (exit code, stdout, all of stderr)."""
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        # The pipe ends with the process; the thread has the last lines then.
        self._reader.join(timeout)
        with self._changed:
            return self.proc.returncode, out, "".join(self.lines)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        self._reader.join(10)


def http_get(url, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def api(url, method, path, body=None, token=None, headers=None):
    """One request to the control API; returns (status, headers, parsed JSON or None)."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url + path, data=data, method=method)
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, hdrs, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, e.headers, e.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, hdrs, parsed


def raw_request(port, data):
    """Sends raw bytes to the server; returns the status line ("" if it hung up)."""
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(data)
            while b"\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        except ConnectionResetError:
            pass
    return reply.split(b"\r\n", 1)[0].decode("latin-1")


def ffprobe_duration(path):
    out = subprocess.run([FFPROBE, "-v", "error", "-show_entries", "format=duration",
                          "-of", "json", path], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError("ffprobe could not read %s: %s" % (path, out.stderr))
    return float(json.loads(out.stdout)["format"]["duration"])



class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="onair-test-")
        self.out = os.path.join(self.tmp, "runs")

    def tearDown(self):
        while _running:
            _running.pop().kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def runs(self):
        return sorted(os.listdir(self.out)) if os.path.isdir(self.out) else []


def main(module):
    """`test_x.py ClassName` runs one class (one meson test); no argument runs all."""
    import sys
    names = sys.argv[1:]
    loader = unittest.defaultTestLoader
    suite = (unittest.TestSuite(loader.loadTestsFromName(n, module) for n in names)
             if names else loader.loadTestsFromModule(module))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


class HandshakeRefused(AssertionError):
    """The server answered the WebSocket handshake with `status`, not 101."""

    def __init__(self, status, head):
        super().__init__("handshake refused: %r" % head)
        self.status = status


class WebSocket:
    """A minimal RFC 6455 client (text and binary messages, close)."""

    def __init__(self, port, path, host="127.0.0.1", timeout=10, tls=None, origin=None):
        """`tls`: an ssl.SSLContext for wss:// (a TLS front such as nginx); `origin`:
        the Origin header a browser page would send."""
        import base64
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            self.sock = tls.wrap_socket(self.sock, server_hostname=host)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n%s\r\n"
                           % (path, host, port, key,
                              "Origin: %s\r\n" % origin if origin else "")).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise AssertionError("connection closed during the handshake: %r" % head)
            head += chunk
        self.status = int(head.split(b" ", 2)[1])
        if self.status != 101:
            self.sock.close()
            raise HandshakeRefused(self.status, head)
        self.buffer = b""

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def receive(self):
        """Returns (opcode, payload) of the next message: 1 text, 2 binary, 8 close."""
        b0, b1 = self._read(2)
        length = b1 & 0x7F
        if length == 126:
            length = int.from_bytes(self._read(2), "big")
        elif length == 127:
            length = int.from_bytes(self._read(8), "big")
        if b1 & 0x80:
            raise AssertionError("server frames must not be masked")
        return b0 & 0x0F, self._read(length)

    def send(self, opcode, payload=b""):
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        else:
            header += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        self.sock.sendall(header + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload)))

    def close(self):
        try:
            self.send(8, (1000).to_bytes(2, "big"))
        except OSError:
            pass
        self.sock.close()


def adts_frames(data):
    """Splits ADTS AAC into frames; raises on a missing sync word."""
    frames = []
    pos = 0
    while pos + 7 <= len(data):
        if data[pos] != 0xFF or (data[pos + 1] & 0xF0) != 0xF0:
            raise AssertionError("no ADTS sync word at byte %d" % pos)
        length = ((data[pos + 3] & 0x03) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < 7:
            raise AssertionError("bad ADTS frame length %d at byte %d" % (length, pos))
        if pos + length > len(data):
            break
        frames.append(data[pos:pos + length])
        pos += length
    return frames
