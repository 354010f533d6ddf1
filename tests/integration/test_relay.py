"""WebSocket fan-out through a NATS broker: a real nats-server started here, one
publisher (`onair run` of a test-pattern pipeline whose webstreamsink publishes and
serves nothing), two relays (`onair run ascii-relay`), 100 plain WebSocket clients split
over both and one that does not read. Every client gets INIT first; every fast client
gets consecutive frame numbers; the one that does not read loses frames of its own; a
broker restart costs the viewers frames, not their connections.
"""

import os
import selectors
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, HERE)

from onair_test import DEADLINE, Running, TempDirTest, WebSocket, main, write_pipeline  # noqa: E402
from rtmp_server import free_port, wait_for_port  # noqa: E402

NATS_SERVER = shutil.which("nats-server")
SUBJECT = "onair.test.ascii"
CLIENTS = 100
FRAMES = 60  # each fast client's, 3 s at 20 fps
COLS, ROWS = 80, 34  # mode 1: one byte a cell, 2724-byte frames


class NatsServer:
    def __init__(self):
        self.port = free_port()
        self.url = "nats://127.0.0.1:%d" % self.port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


class Client:
    """A WebSocket client read without blocking: every message's opcode and, for frames,
    the asciiline frame number (its first 4 bytes)."""

    def __init__(self, port, rcvbuf=None):
        self.ws = WebSocket(port, "/ascii/ws", timeout=DEADLINE)
        if rcvbuf:
            self.ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.ws.sock.setblocking(False)
        self.messages = []  # "INIT:..." strings and frame numbers

    def read(self):
        """Reads what the socket holds; False when the server closed."""
        try:
            chunk = self.ws.sock.recv(1 << 20)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        self.ws.buffer += chunk
        while True:
            buf = self.ws.buffer
            if len(buf) < 2:
                return True
            length, offset = buf[1] & 0x7F, 2
            if length == 126:
                length, offset = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                length, offset = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < offset + length:
                return True
            opcode, payload = buf[0] & 0x0F, buf[offset:offset + length]
            self.ws.buffer = buf[offset + length:]
            if opcode == 1:
                self.messages.append(payload.decode())
            elif opcode == 2:
                self.messages.append(int.from_bytes(payload[:4], "big"))

    def frames(self):
        return [m for m in self.messages if isinstance(m, int)]


def read_until(clients, done, timeout):
    sel = selectors.DefaultSelector()
    for c in clients:
        sel.register(c.ws.sock, selectors.EVENT_READ, c)
    end = time.monotonic() + timeout
    try:
        while not done():
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("the clients did not get their frames in %d s" % timeout)
            for key, _ in sel.select(min(left, 1.0)):
                if not key.data.read():
                    raise AssertionError("a relay closed a client's connection")
    finally:
        sel.close()


class RelayFanOut(TempDirTest):
    def setUp(self):
        super().setUp()
        if not NATS_SERVER:
            self.fail("nats-server is not installed (tools/setup installs it)")
        self.broker = NatsServer().start()
        self.addCleanup(self.broker.stop)
        self.env = dict(os.environ, TEST_NATS_URL=self.broker.url)

    def relay(self):
        # client_queue=16: room for the test's own reader to be descheduled on a loaded
        # machine; a client that does not read still overflows it many times over.
        r = Running("ascii-relay", "-s", "nats=env:TEST_NATS_URL", "-s", "subject=" + SUBJECT,
                    "-s", "client_queue=16", "--http", "127.0.0.1:0", "--output-dir", self.out,
                    "--status-interval", "0", env=self.env)
        return r, int(r.wait_for(r"open http://127\.0\.0\.1:(\d+)/ascii/$").group(1))

    def publisher(self):
        path = write_pipeline(self.tmp, "ascii-publish", """
            name: ascii-publish
            description: A test pattern as ASCII frames, published to NATS only
            on-interrupt: stop
            var nats: required secret help="broker"
            ---
            videotestsrc is-live=true pattern=ball
              ! video/x-raw,width=320,height=136,framerate=20/1
              ! asciienc cols=%d rows=%d mode=1 max-fps=20
              ! webstreamsink serve=false sync=false nats-url=${nats} nats-subject=%s
            """ % (COLS, ROWS, SUBJECT))
        r = Running(path, "-s", "nats=env:TEST_NATS_URL", "--no-http", "--output-dir", self.out,
                    "--status-interval", "0", env=self.env)
        r.wait_for(r"playing")
        return r

    def test_fast_clients_get_every_frame_and_a_slow_one_loses_only_its_own(self):
        relay_a, port_a = self.relay()
        relay_b, port_b = self.relay()
        # The relays serve (and keep) clients before any frame has come.
        fast = [Client(port_a if i % 2 == 0 else port_b) for i in range(CLIENTS)]
        # A small window, and it reads nothing until the fast ones are done.
        slow = Client(port_a, rcvbuf=4096)
        publisher = self.publisher()

        read_until(fast, lambda: all(len(c.frames()) >= FRAMES for c in fast), DEADLINE)
        read_until([slow], lambda: self.has_gap(slow.frames()) or len(slow.frames()) > 500,
                   DEADLINE)

        for i, c in enumerate(fast):
            self.assertTrue(c.messages and isinstance(c.messages[0], str)
                            and c.messages[0] == "INIT:20.0:1:%d:%d:0" % (COLS, ROWS),
                            "client %d started with %r" % (i, c.messages[:1]))
            frames = c.frames()
            self.assertEqual(frames, list(range(frames[0], frames[0] + len(frames))),
                             "client %d (relay %s) missed frames" % (i, "ab"[i % 2]))
        self.assertEqual(slow.messages[0], "INIT:20.0:1:%d:%d:0" % (COLS, ROWS))
        self.assertTrue(self.has_gap(slow.frames()),
                        "the client that did not read lost nothing: %r" % slow.frames()[:80])
        self.assertEqual(slow.frames(), sorted(set(slow.frames())))

        for c in fast + [slow]:
            c.ws.close()
        for r in (publisher, relay_a, relay_b):
            r.interrupt()
            code, _, err = r.finish()
            self.assertEqual(code, 0, err)

    def test_viewers_stay_connected_through_a_broker_restart(self):
        relay, port = self.relay()
        clients = [Client(port) for _ in range(3)]
        publisher = self.publisher()
        read_until(clients, lambda: all(len(c.frames()) >= 10 for c in clients), DEADLINE)
        before = [len(c.frames()) for c in clients]

        self.broker.stop()
        relay.wait_for(r"Lost the NATS broker")
        self.broker.start()
        # The relay keeps its viewers and, once the link is back, frames flow again.
        read_until(clients, lambda: all(len(c.frames()) >= n + 10 for c, n in zip(clients, before)),
                   DEADLINE)
        for c in clients:
            self.assertEqual([m for m in c.messages if isinstance(m, str)],
                             ["INIT:20.0:1:%d:%d:0" % (COLS, ROWS)])
            self.assertEqual(c.frames(), sorted(set(c.frames())))
            c.ws.close()
        for r in (publisher, relay):
            r.interrupt()
            code, _, err = r.finish()
            self.assertEqual(code, 0, err)

    @staticmethod
    def has_gap(frames):
        return any(b - a > 1 for a, b in zip(frames, frames[1:]))


if __name__ == "__main__":
    main(sys.modules[__name__])
