"""Staying on air when the input dies: the rtmp pipeline pulls source=uri from one
nginx-rtmp that ffmpeg publishes a red picture to, and goes live to a second
nginx-rtmp that records. The test kills the source server and its sender
mid-run, sees the slate, brings them back and sees the source again. ffprobe
and ffmpeg judge the recording: no timestamp gap over a second, and decoded
frames that show the source, then the slate, then the source. Also: a source that stays
away is tried ever later (the status tells the next try), and the overlay is drawn on the
slate.

ascii-web does the same with its defaults on a live HLS source whose server the
test kills and starts again: the run goes on, the frames at /ascii/ws show the
slate while the server is away and the source again once it is back.
"""

import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, HERE)

from hls_server import LiveHlsServer  # noqa: E402
from onair_test import DEADLINE, Running, TempDirTest, WebSocket, http_get, main  # noqa: E402
from rtmp_server import RtmpServer, packet_times  # noqa: E402
from test_live import KEY, LiveTest  # noqa: E402

SOURCE_KEY = "source_5d1e"


def publish_red(server):
    """ffmpeg sending a plain red picture (and a tone) to `server`, live, until killed."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", "color=c=red:size=320x240:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", server.url + "/" + SOURCE_KEY],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def colour_kind(r, g, b):
    """'source' (red), 'slate' (the blue card) or 'other', from a picture's mean colour."""
    if r > 150 and g < 80 and b < 80:
        return "source"
    if b > r + 20 and b > g:
        return "slate"
    return "other"


def picture_kinds(path):
    """Each decoded frame (5 a second) as colour_kind() says."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", "fps=5,scale=16:16",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, timeout=120, check=True).stdout
    kinds = []
    size = 16 * 16 * 3
    for i in range(0, len(out) - size + 1, size):
        frame = out[i:i + size]
        kinds.append(colour_kind(*(sum(frame[c::3]) / 256 for c in range(3))))
    return kinds


def runs_of(kinds):
    """['source', 'source', 'slate'] -> ['source', 'slate'] (without 'other')."""
    out = []
    for k in kinds:
        if k != "other" and (not out or out[-1] != k):
            out.append(k)
    return out


class SlateFailover(LiveTest):
    def source(self, r):
        return {s["name"]: s for s in self.status(r)["sources"]}["input"]

    def wait_source(self, r, state, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.source(r)
            if s["state"] == state:
                return s
            time.sleep(0.1)
        raise AssertionError("source never %s: %s" % (state, s))

    def test_source_server_killed_and_back(self):
        with RtmpServer() as source_server, RtmpServer() as out_server:
            sender = publish_red(source_server)
            try:
                r = self.start("rtmp", "source=uri", "input_end=retry", "overlay=off", "speech=off",
                               "uri=%s/%s" % (source_server.url, SOURCE_KEY),
                               "key=env:STREAM_KEY", "server=" + out_server.url)
                self.wait_source(r, "live")
                sent = self.wait_output(r, "live", "live", timeout=60)["frames_sent"]
                self.wait_output(r, "live", "live", frames_sent=sent + 60)

                # The source goes away: the slate within the timeout, the output stays live.
                stop(sender)
                source_server.kill()
                r.wait_for(r"input: input lost")
                lost = self.wait_source(r, "lost")
                self.assertGreaterEqual(lost["lost_count"], 1)
                self.assertIn(lost["reason"], ("stalled", "error", "ended"))
                self.assertIn("onair_source_up{", self.metrics(r))
                sent = self.wait_output(r, "live", "live")["frames_sent"]
                self.wait_output(r, "live", "live", frames_sent=sent + 90)

                # Back: the source shows again.
                source_server.start()
                sender = publish_red(source_server)
                r.wait_for(r"input: input back after")
                self.wait_source(r, "live")
                sent = self.wait_output(r, "live", "live")["frames_sent"]
                self.wait_output(r, "live", "live", frames_sent=sent + 60)
                self.stop(r)
            finally:
                stop(sender)

            recordings = out_server.recordings(KEY)
            self.assertEqual(len(recordings), 1, recordings)  # one unbroken connection
            times = [t for t, _ in packet_times(recordings[0])]
            self.assertGreater(len(times), 100)
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertLessEqual(max(gaps), 1.0, "a timestamp gap over 1 s")
            kinds = runs_of(picture_kinds(recordings[0]))
            # In order: the source, the slate, the source (a slate may open the stream).
            self.assertIn(["source", "slate", "source"],
                          [kinds[i:i + 3] for i in range(len(kinds))], kinds)

    def test_a_source_that_stays_away_is_tried_ever_later(self):
        # Nothing listens on port 1: each opening fails and the next waits longer (1, 2, 4 s
        # ...). The status tells the wait planned after the latest failure, not the first.
        with RtmpServer() as out_server:
            r = self.start("rtmp", "source=uri", "uri=rtmp://127.0.0.1:1/live/none",
                           "overlay=off", "speech=off", "key=env:STREAM_KEY",
                           "server=" + out_server.url)
            self.wait_source(r, "lost")
            end = time.monotonic() + 60
            while True:
                source = self.source(r)
                if (source.get("next_attempt_in") or 0) > 1.5:
                    break
                self.assertLess(time.monotonic(), end, "the next try never moved past 1.5 s: %s"
                                % source)
                time.sleep(0.1)
            self.assertEqual(source["state"], "lost")
            # The status line too.
            r.wait_for(r"\| input SLATE [^|]* retry in ([2-9]|[1-9]\d) s")
            self.stop(r)

    def test_the_overlay_is_drawn_on_the_slate(self):
        # A source that never opens: the slate from the start, and the overlay's status line
        # on it (the overlay comes after the switch in the platform pipelines).
        r = self.start("hls", "source=uri", "uri=rtmp://127.0.0.1:1/live/none", "speech=off",
                       "status=ON AIR")
        self.wait_source(r, "lost")
        (run,) = os.listdir(self.out)
        run_dir = os.path.join(self.out, run)
        r.wait_for(r"^status: playing 00:00:0[3-9]")  # two-second segments: one is whole
        self.stop(r)
        with open(os.path.join(run_dir, "playlist.m3u8"), encoding="utf-8") as f:
            segment = [line for line in f.read().split() if line.endswith(".ts")][0]
        w, h = 640, 360
        frame = subprocess.run(["ffmpeg", "-v", "error", "-i", os.path.join(run_dir, segment),
                                "-frames:v", "1", "-vf", "scale=%d:%d" % (w, h),
                                "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                               capture_output=True, timeout=60, check=True).stdout
        self.assertEqual(len(frame), w * h * 3)

        def pixels(x0, y0, x1, y1):
            return [frame[(y * w + x) * 3:(y * w + x) * 3 + 3]
                    for y in range(y0, y1) for x in range(x0, x1)]

        def white(box):
            return sum(1 for p in pixels(*box) if min(p) > 180)

        # The card: a blue band across the middle.
        band = pixels(0, h // 2 - 10, w, h // 2 + 10)
        self.assertGreater(sum(p[2] for p in band) / len(band),
                           sum(p[0] for p in band) / len(band) + 20, "no slate card")
        # The status line top right, nothing top left.
        self.assertGreater(white((w - 120, 0, w, 50)), 20, "no status line on the slate")
        self.assertEqual(white((0, 0, 120, 50)), 0)


class AsciiFrames:
    """Every frame of an asciiline WebSocket (mode 2 or more: glyph, R, G, B a cell), read
    by a thread of its own as it comes and kept as its colour_kind()."""

    def __init__(self, port):
        self.ws = WebSocket(port, "/ascii/ws", timeout=DEADLINE)
        opcode, init = self.ws.receive()
        if opcode != 1 or not init.startswith(b"INIT:"):
            raise AssertionError("no INIT first: %r" % init[:40])
        self.kinds = []
        self.error = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        try:
            while True:
                opcode, frame = self.ws.receive()
                if opcode != 2:
                    continue
                cells = frame[4:]
                n = len(cells) // 4
                kind = colour_kind(*(sum(cells[c::4]) / n for c in (1, 2, 3)))
                with self._changed:
                    self.kinds.append(kind)
                    self._changed.notify_all()
        except (OSError, EOFError, AssertionError) as e:
            with self._changed:
                self.error = e
                self._changed.notify_all()

    def count(self):
        with self._changed:
            return len(self.kinds)

    def wait_for(self, kind, count, after=0):
        """Waits until `count` frames of `kind` came after the first `after` frames."""
        def enough():
            return self.error or self.kinds[after:].count(kind) >= count
        with self._changed:
            if not self._changed.wait_for(enough, DEADLINE) or self.error:
                raise AssertionError("fewer than %d %s frames after frame %d (%s): %s"
                                     % (count, kind, after, self.error, self.kinds[after:]))

    def close(self):
        self.ws.sock.close()
        self._thread.join(10)


class AsciiWebLiveHls(TempDirTest):
    """ascii-web with its defaults on a live HLS source whose server goes away and comes
    back: the run goes on with the slate meanwhile."""

    def source(self, url):
        _, _, body = http_get(url + "api/status")
        [source] = json.loads(body)["sources"]
        return source

    def wait_source(self, url, state):
        end = time.monotonic() + DEADLINE
        while True:
            s = self.source(url)
            if s["state"] == state:
                return s
            self.assertLess(time.monotonic(), end, "source never %s: %s" % (state, s))
            time.sleep(0.1)

    def test_server_killed_and_back(self):
        with LiveHlsServer(self.tmp) as server:
            r = Running("ascii-web", "-s", "uri=" + server.url, "-s", "quality=low",
                        "-s", "presets=off", "-s", "changed_cells=false", "--http", "127.0.0.1:0",
                        "--output-dir", self.out, "--status-interval", "1")
            try:
                m = r.wait_for(r"open (http://127\.0\.0\.1:(\d+)/)ascii/$")
                url, port = m.group(1), int(m.group(2))
                frames = AsciiFrames(port)
                try:
                    frames.wait_for("source", 20)
                    self.wait_source(url, "live")

                    # The server goes away: the run goes on, frames keep coming, the slate.
                    server.kill()
                    r.wait_for(r"input lost")
                    frames.wait_for("slate", 40, after=frames.count())
                    lost = self.wait_source(url, "lost")
                    self.assertGreaterEqual(lost["lost_count"], 1)
                    self.assertIsNone(r.proc.poll(), "the run ended")

                    # Back: the source's frames return.
                    server.start()
                    r.wait_for(r"input back after")
                    frames.wait_for("source", 20, after=frames.count())
                    self.wait_source(url, "live")
                finally:
                    frames.close()
                r.interrupt()
                code, _, err = r.finish()
                self.assertEqual(code, 0, err)
            finally:
                r.kill()


if __name__ == "__main__":
    main(sys.modules[__name__])
