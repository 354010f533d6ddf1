"""WebSocket fan-out through a NATS broker: a real nats-server started here, one
publisher (`onair run` of a test-pattern pipeline whose webstreamsink publishes and
serves nothing), two relays (`onair run ascii-relay`, whose sound branch gets nothing from
that publisher), 100 plain WebSocket clients split over both and one that does not read.
Every client gets INIT first; every fast client gets consecutive frame numbers; the one
that does not read loses frames of its own; a broker restart costs the viewers frames, not
their connections.

RelayChangedCellsAndSound: `onair run ascii-web` with nats publishes a clip; a relay's
changed-cells client rebuilds the origin's pictures from its full and delta frames, and the
relay's sound (WebSocket and HTTP) is ADTS AAC that ffprobe decodes.
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

from onair_test import (DEADLINE, FFPROBE, Running, TempDirTest, WebSocket,  # noqa: E402
                        adts_frames, main, write_pipeline)
from rtmp_server import free_port, wait_for_port  # noqa: E402
from test_session import make_clip  # noqa: E402

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
    the asciiline frame number (its first 4 bytes); the binary messages whole in `binary`."""

    def __init__(self, port, rcvbuf=None, path="/ascii/ws"):
        self.ws = WebSocket(port, path, timeout=DEADLINE)
        self.sock = self.ws.sock
        if rcvbuf:
            self.ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.ws.sock.setblocking(False)
        self.messages = []  # "INIT:..." strings and frame numbers
        self.binary = []

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
                self.binary.append(payload)

    def frames(self):
        return [m for m in self.messages if isinstance(m, int)]


def read_until(clients, done, timeout):
    sel = selectors.DefaultSelector()
    for c in clients:
        sel.register(c.sock, selectors.EVENT_READ, c)
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


class HttpStream:
    """An endless chunked HTTP answer read without blocking: the head, then the body with the
    chunking undone."""

    def __init__(self, port, path):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path, port)).encode())
        self.sock.setblocking(False)
        self.raw = b""
        self.head = None
        self.body = b""

    def read(self):
        try:
            chunk = self.sock.recv(1 << 16)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        self.raw += chunk
        if self.head is None:
            if b"\r\n\r\n" not in self.raw:
                return True
            self.head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        while b"\r\n" in self.raw:
            line, rest = self.raw.split(b"\r\n", 1)
            size = int(line, 16)
            if len(rest) < size + 2:
                break
            self.body += rest[:size]
            self.raw = rest[size + 2:]
        return True


def apply_changed_cells(grid, frame, cell_bytes):
    """The picture after a changed-cells frame (docs/protocol/asciiline.md, ext 1): a full
    frame replaces `grid`, a delta changes its runs' cells."""
    if frame[4] == 0:
        return bytes(frame[5:])
    if frame[4] != 1:
        raise AssertionError("frame type %d" % frame[4])
    if grid is None:
        raise AssertionError("a delta before any full frame")
    out = bytearray(grid)
    runs, pos = int.from_bytes(frame[5:9], "big"), 9
    for _ in range(runs):
        first = int.from_bytes(frame[pos:pos + 4], "big") * cell_bytes
        count = int.from_bytes(frame[pos + 4:pos + 6], "big") * cell_bytes
        out[first:first + count] = frame[pos + 6:pos + 6 + count]
        pos += 6 + count
    if pos != len(frame) or len(out) != len(grid):
        raise AssertionError("a delta frame that does not add up")
    return bytes(out)


class BrokerTest(TempDirTest):
    """A nats-server of the test's own, and ascii-relay runs reading it."""

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

    def stop(self, *runs):
        for r in runs:
            r.interrupt()
            code, _, err = r.finish()
            self.assertEqual(code, 0, err)


class RelayFanOut(BrokerTest):
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
        # The relays' sound branch (audio=on) gets nothing from this publisher: they play
        # regardless.
        for r in (relay_a, relay_b):
            r.wait_for(r"^playing$")
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


class RelayChangedCellsAndSound(BrokerTest):
    PICTURES = 40  # pictures the relay's changed-cells client rebuilds and compares
    SOUND_FRAMES = 50  # ADTS frames (about a second) from each of the relay's sound paths

    def test_relay_serves_changed_cells_and_sound_as_the_origin_does(self):
        clip = make_clip(os.path.join(self.tmp, "clip.ts"), seconds=40)
        relay, relay_port = self.relay()
        origin = Running("ascii-web", "-s", "uri=" + clip, "-s", "presets=off", "-s",
                         "quality=low", "-s", "nats=env:TEST_NATS_URL", "-s", "subject=" + SUBJECT,
                         "--http", "127.0.0.1:0", "--output-dir", self.out,
                         "--status-interval", "0", env=self.env)
        origin_port = int(origin.wait_for(r"open http://127\.0\.0\.1:(\d+)/ascii/$").group(1))

        seed = Client(origin_port)  # the origin's full frames, the reference pictures
        changed = Client(relay_port, path="/ascii/ws?cells=changed")
        sound_ws = Client(relay_port, path="/ascii/audio.ws")
        sound_http = HttpStream(relay_port, "/ascii/audio.aac")

        pictures = {}  # frame index -> the relay client's picture after that frame
        deltas = []

        def rebuild():
            grid = None
            pictures.clear()
            deltas.clear()
            for frame in changed.binary:
                grid = apply_changed_cells(grid, frame, 4)  # quality=low: mode 2, 4 bytes a cell
                pictures[int.from_bytes(frame[:4], "big")] = grid
                if frame[4] == 1:
                    deltas.append(frame)

        def compared():
            references = {int.from_bytes(f[:4], "big") for f in seed.binary}
            return len(references & set(pictures))

        def done():
            rebuild()
            return (compared() >= self.PICTURES and deltas
                    and len(adts_frames(b"".join(sound_ws.binary))) >= self.SOUND_FRAMES
                    and len(adts_frames(sound_http.body)) >= self.SOUND_FRAMES)

        read_until([seed, changed, sound_ws, sound_http], done, DEADLINE)

        # INIT first, with the changed-cells header the origin's sink offers.
        seed_init = seed.messages[0]
        self.assertRegex(seed_init, r"^INIT:20\.0:2:80:34:0$")
        self.assertEqual(changed.messages[0], seed_init[:-1] + "1")
        # The client joined mid-stream: its first frame is a full one, and every delta it
        # got applied to what it had gives the origin's picture of that frame.
        self.assertEqual(changed.binary[0][4], 0)
        self.assertTrue(any(int.from_bytes(d[5:9], "big") > 0 for d in deltas),
                        "no delta changed a cell: nothing was compared")
        for frame in seed.binary:
            index = int.from_bytes(frame[:4], "big")
            if index in pictures:
                self.assertEqual(pictures[index], frame[4:], "frame %d differs" % index)

        # The sound: ADTS AAC over WebSocket and endless HTTP, which ffprobe decodes.
        self.assertIn(b"200 OK", sound_http.head)
        self.assertIn(b"Content-Type: audio/aac", sound_http.head)
        for name, data in (("ws", b"".join(sound_ws.binary)), ("http", sound_http.body)):
            frames = adts_frames(data)
            path = os.path.join(self.tmp, "sound-%s.aac" % name)
            with open(path, "wb") as f:
                f.write(b"".join(frames))
            probe = subprocess.run([FFPROBE, "-v", "error", "-count_frames", "-select_streams",
                                    "a", "-show_entries", "stream=codec_name,nb_read_frames",
                                    "-of", "csv=p=0", path],
                                   capture_output=True, text=True, timeout=DEADLINE)
            self.assertEqual(probe.returncode, 0, probe.stderr)
            self.assertEqual(probe.stderr, "", "ffprobe found errors in the %s sound" % name)
            codec, decoded = probe.stdout.strip().split(",")
            self.assertEqual(codec, "aac")
            self.assertEqual(int(decoded), len(frames))

        for c in (seed, changed, sound_ws):
            c.ws.close()
        sound_http.sock.close()
        self.stop(origin, relay)


if __name__ == "__main__":
    main(sys.modules[__name__])
