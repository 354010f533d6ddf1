#!/usr/bin/env python3
"""ASCII video for many viewers: what each viewer costs the server, full frames
against changed cells, and how far behind live a fast and a slow viewer are.

`onair run ascii-web` plays a 200x84 grid at 30 fps (quality=high) from a test
clip. For each kind of viewer (seed clients asking for nothing get full frames;
clients asking with ?cells=changed get changed cells, from the same encode)
the benchmark connects 0 and then N WebSocket viewers that read everything,
and measures the onair process over the same time: CPU seconds per second and
resident memory. The difference, scaled to 100 viewers, is what the viewers
cost. Then a fast viewer and one on a slow link (it reads at a fixed rate with
a small receive window, so what waits, waits on the server's side) run side by
side: the frame numbers they hold at the same moments say how far the slow
one is behind live.

Usage: meson devenv -C build -w . bench/viewers_bench.py [--viewers 100] [--seconds 10]
"""

import argparse
import base64
import os
import re
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FPS = 30


class Viewer:
    """A minimal RFC 6455 client that reads every message as it comes and
    keeps the newest frame number (the first 4 bytes of a binary message)."""

    def __init__(self, port, path, read_rate=None, receive_window=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_window:
            # A slow link rather than a slow program: little waits on the viewer's side.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_window)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("the server closed during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError("no WebSocket: " + head.split(b"\r\n", 1)[0].decode())
        self.buf = bytearray(head.split(b"\r\n\r\n", 1)[1])
        self.sock.setblocking(False)
        self.read_rate = read_rate  # bytes a second, or None: as fast as it comes
        self.frames = 0
        self.newest = -1
        self.bytes = 0
        self.on_frame = None  # called with each frame's number as it completes

    def on_readable(self, limit=1 << 20):
        try:
            data = self.sock.recv(limit)
        except BlockingIOError:
            return 0
        if not data:
            raise EOFError
        self.bytes += len(data)
        self.buf += data
        self._parse()
        return len(data)

    def _parse(self):
        while len(self.buf) >= 2:
            opcode, n = self.buf[0] & 0x0F, self.buf[1] & 0x7F
            at = 2
            if n == 126:
                if len(self.buf) < 4:
                    return
                n, at = int.from_bytes(self.buf[2:4], "big"), 4
            elif n == 127:
                if len(self.buf) < 10:
                    return
                n, at = int.from_bytes(self.buf[2:10], "big"), 10
            if len(self.buf) < at + n:
                return
            if opcode == 2 and n >= 4:
                self.frames += 1
                self.newest = int.from_bytes(self.buf[at:at + 4], "big")
                if self.on_frame:
                    self.on_frame(self.newest)
            del self.buf[:at + n]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pump(viewers, seconds, stop_at=None):
    """Reads for `seconds`: each viewer as fast as it may, a slow one no faster
    than its rate (it is not polled while it has read its share)."""
    sel = selectors.DefaultSelector()
    start = time.monotonic()
    end = start + seconds
    taken = {id(v): 0 for v in viewers}
    polled = set()
    while time.monotonic() < end:
        for v in viewers:
            may = v.read_rate is None or \
                (time.monotonic() - start) * v.read_rate - taken[id(v)] >= 4096
            if may and id(v) not in polled:
                sel.register(v.sock, selectors.EVENT_READ, v)
                polled.add(id(v))
            elif not may and id(v) in polled:
                sel.unregister(v.sock)
                polled.discard(id(v))
        for key, _ in sel.select(timeout=0.01):
            v = key.data
            if v.read_rate is None:
                v.on_readable()
            else:
                allowed = int((time.monotonic() - start) * v.read_rate - taken[id(v)])
                taken[id(v)] += v.on_readable(max(allowed, 1))
        if stop_at:
            stop_at()
    sel.close()


def start_onair(build, clip, tmp, presets="off"):
    proc = subprocess.Popen(
        [os.path.join(build, "app", "onair"), "run", "ascii-web", "-s", "uri=" + clip,
         "-s", "quality=high", "-s", "presets=" + presets, "--http", "127.0.0.1:0",
         "--status-interval", "0", "--output-dir", tmp],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if m:
            # Keep reading stderr so the app never blocks on it.
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, int(m.group(1))
    raise RuntimeError("onair did not start")


def measure_viewers(build, clip, tmp, path, count, seconds):
    proc, port = start_onair(build, clip, tmp)
    try:
        Viewer(port, path).sock.close()  # waits until the stream serves
        pid = proc.pid
        results = {}
        for n in (0, count):
            viewers = [Viewer(port, path) for _ in range(n)]
            pump(viewers, 2)  # settle
            cpu0, t0 = cpu_seconds(pid), time.monotonic()
            pump(viewers, seconds)
            cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
            frames = statistics.mean([v.frames for v in viewers]) if viewers else 0
            rate = statistics.mean([v.bytes for v in viewers]) / (seconds + 2) if viewers else 0
            results[n] = (cpu, rss_mib(pid), frames, rate)
            for v in viewers:
                v.sock.close()
        return results
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def measure_delay(build, clip, tmp, path, seconds, slow_rate, fps=FPS):
    """How old each frame is when the slow viewer has all of it: the fast viewer, read in
    the same loop, holds the live frame at that moment. Also the slow viewer's frame rate."""
    proc, port = start_onair(build, clip, tmp, presets="on")  # also /ascii/ws/low
    try:
        fast = Viewer(port, path)
        slow = Viewer(port, path, read_rate=slow_rate, receive_window=16384)
        behind = []

        def arrived(number):
            if fast.newest >= 0:
                behind.append((fast.newest - number) / fps)
        slow.on_frame = arrived
        pump([fast, slow], seconds)
        settled = behind[len(behind) // 2:]
        return max(settled), statistics.median(settled), slow.frames / seconds
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--viewers", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--slow-rates", default="500000,60000",
                    help="bytes a second of the slow viewers (default 500000,60000)")
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "clip.mp4")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=640x360:rate=30:duration=120", "-f", "lavfi", "-i",
                        "sine=frequency=440:duration=120", "-c:v", "libx264", "-preset",
                        "ultrafast", "-c:a", "aac", "-shortest", clip], check=True)
        print("ASCII web viewers, 200x84 cells at 30 fps, %d viewers reading everything, %g s"
              % (args.viewers, args.seconds))
        per = {}
        for label, path in (("full frames", "/ascii/ws"),
                            ("changed cells", "/ascii/ws?cells=changed")):
            r = measure_viewers(build, clip, tmp, path, args.viewers, args.seconds)
            cpu = (r[args.viewers][0] - r[0][0]) * 100 / args.viewers
            mem = (r[args.viewers][1] - r[0][1]) * 100 / args.viewers
            per[label] = cpu
            print("  %-14s server CPU %.3f s/s for 100 viewers, memory +%.1f MiB for 100 "
                  "viewers (idle %.3f s/s, %.0f MiB; each viewer %.0f frames, %.2f MB/s)"
                  % (label, cpu, mem, r[0][0], r[0][1], r[args.viewers][2],
                     r[args.viewers][3] / 1e6))
        print("  ratio changed/full CPU: %.2f" % (per["changed cells"] / per["full frames"]))
        print("  delay when a frame has fully arrived, against a fast viewer (the stream's "
              "own latency excluded):")
        for rate in (int(r) for r in args.slow_rates.split(",")):
            for label, path, fps in (("full frames", "/ascii/ws", FPS),
                                     ("changed cells", "/ascii/ws?cells=changed", FPS),
                                     ("low, changed", "/ascii/ws/low?cells=changed", 20)):
                worst, median, got = measure_delay(build, clip, tmp, path, 20, rate, fps)
                print("  %-14s viewer on a %d kB/s link: median %.2f s, worst %.2f s, "
                      "%.1f frames/s" % (label, rate // 1000, median, worst, got))


if __name__ == "__main__":
    main()
