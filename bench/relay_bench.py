#!/usr/bin/env python3
"""ASCII frames through a NATS broker to a relay, against a client of the publisher itself.

One publisher (gst-launch: videotestsrc ! asciienc 200x84 mode 3 ! webstreamsink) serves its
frames on its own port and publishes them to a nats-server started here; one relay
(webstreamrelaysrc ! webstreamsink) serves them again. One WebSocket client on each, read by
the same loop, notes when each frame number arrives.

- delay: the publisher plays live at 30 fps; for every frame both clients got, the relay
  client's arrival minus the direct client's is what the broker and the relay add.
- rate: the publisher encodes as fast as it can; the frames per second each client gets.

Usage: meson devenv -C build -w . bench/relay_bench.py [--seconds 10]
"""

import argparse
import base64
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import time

COLS, ROWS, MODE = 200, 84, 3
SUBJECT = "onair.bench.ascii"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on %d" % port)


class Client:
    """A WebSocket client that notes the arrival time of every frame number."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET /ascii/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(4096)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError("no WebSocket: %r" % head[:80])
        self.buf = bytearray(head.split(b"\r\n\r\n", 1)[1])
        self.sock.setblocking(False)
        self.arrivals = {}  # frame number: time.monotonic()
        self.init = None

    def read(self, now):
        try:
            chunk = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            raise RuntimeError("server closed")
        self.buf += chunk
        while len(self.buf) >= 2:
            length, offset = self.buf[1] & 0x7F, 2
            if length == 126:
                length, offset = int.from_bytes(self.buf[2:4], "big"), 4
            elif length == 127:
                length, offset = int.from_bytes(self.buf[2:10], "big"), 10
            if len(self.buf) < offset + length:
                return
            opcode = self.buf[0] & 0x0F
            payload = bytes(self.buf[offset:offset + 4]) if opcode == 2 else bytes(
                self.buf[offset:offset + length])
            del self.buf[:offset + length]
            if opcode == 1:
                self.init = payload.decode()
            elif opcode == 2:
                self.arrivals.setdefault(int.from_bytes(payload, "big"), now)


def gst(*args):
    return subprocess.Popen(["gst-launch-1.0", "-q", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(nats_url, live, seconds):
    direct_port, relay_port = free_port(), free_port()
    source = (["videotestsrc", "is-live=true", "pattern=ball", "!",
               "video/x-raw,width=640,height=360,framerate=30/1"] if live else
              ["videotestsrc", "pattern=ball", "!",
               "video/x-raw,width=640,height=360,framerate=1000/1"])
    publisher = gst(*source, "!", "asciienc", "cols=%d" % COLS, "rows=%d" % ROWS,
                    "mode=%d" % MODE, "!", "webstreamsink", "port=%d" % direct_port,
                    "path=/ascii/ws", "sync=false", "nats-url=" + nats_url,
                    "nats-subject=" + SUBJECT)
    relay = gst("webstreamrelaysrc", "nats-url=" + nats_url, "nats-subject=" + SUBJECT, "!",
                "webstreamsink", "port=%d" % relay_port, "path=/ascii/ws", "sync=false")
    try:
        wait_for_port(direct_port)
        wait_for_port(relay_port)
        clients = [Client(direct_port), Client(relay_port)]
        sel = selectors.DefaultSelector()
        for c in clients:
            sel.register(c.sock, selectors.EVENT_READ, c)
        # The relay's first frame says the whole path is up; measure from then on.
        start = None
        end = time.monotonic() + seconds + 20
        while time.monotonic() < end:
            for key, _ in sel.select(0.5):
                key.data.read(time.monotonic())
            if start is None and clients[1].arrivals:
                start = time.monotonic()
                for c in clients:
                    c.arrivals.clear()
                end = start + seconds
        if start is None:
            raise RuntimeError("no frame came through the relay")
        return clients, time.monotonic() - start
    finally:
        for p in (publisher, relay):
            p.terminate()
            p.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    server = shutil.which("nats-server")
    if not server:
        sys.exit("nats-server is not installed (tools/setup installs it)")
    port = free_port()
    broker = subprocess.Popen([server, "-a", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        url = "nats://127.0.0.1:%d" % port
        (direct, relayed), elapsed = measure(url, True, args.seconds)
        both = sorted(set(direct.arrivals) & set(relayed.arrivals))
        added = sorted((relayed.arrivals[i] - direct.arrivals[i]) * 1000 for i in both)
        q = statistics.quantiles(added, n=100)
        print("relay vs direct, %dx%d mode %d ASCII frames (%s), live 30 fps, %.0f s"
              % (COLS, ROWS, MODE, direct.init, elapsed))
        print("  frames: direct %d, relay %d, both %d" % (len(direct.arrivals),
                                                         len(relayed.arrivals), len(both)))
        print("  added by broker + relay: median %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms"
              % (statistics.median(added), q[89], q[98], added[-1]))
        (direct, relayed), elapsed = measure(url, False, args.seconds)
        rate_direct = len(direct.arrivals) / elapsed
        rate_relay = len(relayed.arrivals) / elapsed
        print("as fast as the publisher encodes, %.0f s" % elapsed)
        print("  direct client %.0f frames/s, relay client %.0f frames/s, ratio relay/direct %.2f"
              % (rate_direct, rate_relay, rate_relay / rate_direct))
    finally:
        broker.terminate()
        broker.wait(timeout=10)


if __name__ == "__main__":
    main()
