"""A bot feeds `onair run` from its own process (source=pipe): the Python
example of docs/bots.md against a real RTMP server, frames of the wrong size
and a writer that leaves mid-frame, and a server outage during a bot stream.
ffprobe and decoded frames and sound judge what the server received.
"""

import array
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "examples"))

import bot  # noqa: E402
from onair_test import DEADLINE, Running, TempDirTest, http_get, main  # noqa: E402
from rtmp_server import RtmpServer, packet_times, probe_streams  # noqa: E402

KEY = "bot_5d0c2e71a9f3_streamkey"
RATE = 44100
WINDOW = RATE // 50  # 20 ms of sound


class BotRun:
    """examples/bot.py in the background; its output (and onair's, which it
    passes on) is read line by line as it comes."""

    def __init__(self, server, seconds, *extra, onair_args=()):
        env = dict(os.environ, ONAIR_STREAM_KEY=KEY)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "examples", "bot.py"), "--onair",
             os.environ["ONAIR_BIN"], "--server", server.url, "--seconds", str(seconds), *extra,
             "--", *onair_args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, pattern, timeout=DEADLINE):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0 or not self._reader.is_alive():
                    raise AssertionError("no line matching %r in:\n%s"
                                         % (pattern, "".join(self.lines)))
                self._changed.wait(left)

    def count(self, text):
        with self._changed:
            return sum(line.count(text) for line in self.lines)

    def finish(self, timeout=DEADLINE + 60):
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(10)
        return code, "".join(self.lines)


def decoded_sound(path):
    """The recording's sound, mono 16-bit samples at 44.1 kHz."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:a", "-ac", "1",
                          "-ar", str(RATE), "-f", "s16le", "-"], capture_output=True,
                         timeout=120, check=True).stdout
    return array.array("h", raw)


def window_rms(samples, w):
    part = samples[w * WINDOW:(w + 1) * WINDOW]
    return math.sqrt(sum(x * x for x in part) / WINDOW)


def tone_windows(samples, pitch=440.0):
    """For each 20 ms window: whether it holds a tone at `pitch`: loud, and
    most of its energy at that frequency (Goertzel)."""
    coeff = 2 * math.cos(2 * math.pi * pitch / RATE)
    flags = []
    for w in range(len(samples) // WINDOW):
        part = samples[w * WINDOW:(w + 1) * WINDOW]
        s1 = s2 = 0.0
        energy = 0
        for x in part:
            s1, s2 = x + coeff * s1 - s2, s1
            energy += x * x
        power = s1 * s1 + s2 * s2 - coeff * s1 * s2
        loud = energy > WINDOW * 1000 ** 2
        flags.append(loud and power > 0.5 * energy * WINDOW / 2)
    return flags


def runs_of(flags):
    """(start, length) of each run of true values."""
    runs, start = [], None
    for i, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def decoded_frames(path, width, height, fps=2):
    """Small grey pictures of the recording, `fps` a second, as bytes."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-vf",
                          "fps=%d,scale=%d:%d" % (fps, width, height), "-f", "rawvideo",
                          "-pix_fmt", "gray", "-"], capture_output=True, timeout=120,
                         check=True).stdout
    size = width * height
    return [raw[i:i + size] for i in range(0, len(raw) - size + 1, size)]


def decoded_colours(path, fps=5):
    """Mean (R, G, B) of the recording's pictures, `fps` a second."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-vf",
                          "fps=%d,scale=32:18" % fps, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, timeout=120, check=True).stdout
    size = 32 * 18 * 3
    return [tuple(sum(raw[i + c:i + size:3]) / (32 * 18) for c in range(3))
            for i in range(0, len(raw) - size + 1, size)]


class BotTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.seen = []  # everything onair showed: checked for the key at the end

    def tearDown(self):
        try:
            for text in self.seen:
                self.assertNotIn(KEY, text, "the stream key leaked")
        finally:
            super().tearDown()

    def status(self, url):
        _, _, body = http_get(url + "api/status")
        self.seen.append(body.decode())
        return json.loads(body)

    def wait_output(self, url, state, timeout=30, reconnects=None):
        end = time.monotonic() + timeout
        while True:
            outputs = {o["name"]: o for o in self.status(url)["outputs"]}
            o = outputs.get("live")
            if o and o["state"] == state and (reconnects is None or o["reconnects"] == reconnects):
                return o
            self.assertLess(time.monotonic(), end, "never %s: %s" % (state, outputs))
            time.sleep(0.1)

    def check_continuous(self, path, fps=30):
        """Picture and sound cover the whole recording without a gap."""
        video = [t for t, _ in packet_times(path, "v")]
        sound = [t for t, _ in packet_times(path, "a")]
        self.assertGreater(len(video), fps * 3)
        steps = [b - a for a, b in zip(video, video[1:])]
        self.assertLess(max(steps), 1.5 / fps, "the picture has a gap")
        steps = [b - a for a, b in zip(sound, sound[1:])]
        aac_frame = 1024 / RATE
        self.assertLess(max(steps), aac_frame + 0.002, "the sound has a gap")
        # Sound from the first picture to the end of the last one, within a frame.
        self.assertLessEqual(sound[0], video[0] + 1.0 / fps)
        self.assertGreaterEqual(sound[-1] + aac_frame, video[-1])


class BotExample(BotTest):
    def check_bot_recording(self, path):
        """The bots' stream: 854x480 at 30 fps, a moving picture, continuous
        sound with each utterance whole and silence between."""
        streams = probe_streams(path)
        self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (854, 480))
        self.assertEqual(streams["video"]["r_frame_rate"], "30/1")
        self.assertEqual(int(streams["audio"]["sample_rate"]), RATE)
        self.check_continuous(path)

        # A picture, not a solid colour, and a moving one.
        frames = decoded_frames(path, 107, 60)
        self.assertGreater(len(frames), 15)
        for f in frames:
            self.assertGreater(statistics.pstdev(f), 10, "a flat picture")
        moved = [sum(abs(x - y) for x, y in zip(a, b)) / len(a) > 1
                 for a, b in zip(frames, frames[1:])]
        self.assertGreater(sum(moved), len(moved) * 0.8)

        # Each utterance plays whole, at its length, with silence between:
        # the tone runs follow the bot's sentences in order.
        samples = decoded_sound(path)
        runs = runs_of(tone_windows(samples))
        # The first and last run may be cut by the start and the end of the publish.
        inner = [length * WINDOW / RATE for _, length in runs[1:-1]]
        self.assertGreaterEqual(len(inner), 3, runs)
        pattern = [s for s, _ in bot.SPEECH]
        offset = min(range(len(pattern)), key=lambda k: abs(pattern[k] - inner[0]))
        for i, seconds in enumerate(inner):
            self.assertAlmostEqual(seconds, pattern[(offset + i) % len(pattern)], delta=0.06,
                                   msg="tone runs %s" % inner)
        # Silence between the utterances, not noise.
        first, last = runs[1][0], runs[-2][0] + runs[-2][1]
        quiet = [w for w in range(first, last)
                 if all(not (s - 3 <= w < s + n + 3) for s, n in runs)]
        self.assertGreater(len(quiet), 50)
        self.assertLess(max(window_rms(samples, w) for w in quiet), 50)

    def test_the_example_goes_live_with_its_picture_its_speech_and_chat(self):
        with RtmpServer() as server:
            b = BotRun(server, 14, onair_args=["--no-http", "--output-dir", self.out,
                                               "--status-interval", "0"])
            code, out = b.finish()
            self.seen.append(out)
            self.assertEqual(code, 0, out)
            summary = re.search(r"bot: (\d+) frames, said ([\d.]+) s in (\d+) utterances, "
                                r"(\d+)/(\d+) chat lines accepted, onair exit code 0", out)
            self.assertIsNotNone(summary, out)
            self.assertGreater(int(summary.group(1)), 300)
            self.assertGreaterEqual(int(summary.group(5)), 4)
            self.assertEqual(summary.group(4), summary.group(5), out)
            (path,) = server.recordings(KEY)
            self.check_bot_recording(path)

    def test_the_cpp_example_does_the_same_in_its_own_process(self):
        example = os.environ.get("BOT_EMBEDDED")
        if not example:
            self.skipTest("examples/bot_embedded not built")
        with RtmpServer() as server:
            env = dict(os.environ, ONAIR_STREAM_KEY=KEY,
                       ONAIR_PIPELINE_PATH=os.path.join(ROOT, "pipelines"))
            got = subprocess.run([example, server.url, "14", "--http", "0"], env=env,
                                 capture_output=True, text=True, timeout=DEADLINE,
                                 stdin=subprocess.DEVNULL, cwd=self.tmp)
            self.seen += [got.stdout, got.stderr]
            self.assertEqual(got.returncode, 0, got.stderr)
            summary = re.search(r"bot: (\d+) frames, said ([\d.]+) s, (\d+) chat lines shown, "
                                r"exit code 0", got.stdout)
            self.assertIsNotNone(summary, got.stdout + got.stderr)
            self.assertGreater(int(summary.group(1)), 300)
            self.assertGreaterEqual(int(summary.group(3)), 4)
            # The app's web server ran inside the example.
            self.assertRegex(got.stdout, r"status: http://127\.0\.0\.1:\d+/api/status")
            (path,) = server.recordings(KEY)
            self.check_bot_recording(path)

    def test_the_picture_without_numpy(self):
        # The example also runs on the bare standard library.
        saved = bot.numpy
        bot.numpy = None
        try:
            painter = bot.Painter(854, 480)
            a, b = painter.frame(0, False), painter.frame(10, True)
        finally:
            bot.numpy = saved
        self.assertEqual(len(a), 854 * 480 * 4)
        self.assertEqual(len(b), 854 * 480 * 4)
        self.assertNotEqual(a, b)
        self.assertGreater(len(set(a[::4])), 100)  # not one colour
        self.assertEqual(len(bot.speech(0.5)), int(0.5 * RATE) * 4)


class FrameWriter:
    """Writes framed BGRA frames of one colour to a Unix socket at 30 a second
    until stopped."""

    def __init__(self, path, width, height, bgra):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.frame = bytes(bgra) * (width * height)
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self):
        start = time.monotonic()
        while not self.stop.is_set():
            try:
                self.sock.sendall(bot.frame_header(len(self.frame)) + self.frame)
            except OSError:
                return
            self.sent += 1
            self.stop.wait(max(0.0, start + self.sent / 30 - time.monotonic()))

    def send_now(self, data):
        """Stops the paced frames, then sends `data` as it is."""
        self.stop.set()
        self.thread.join()
        self.sock.sendall(data)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def wait_for_socket(path, run):
    """Waits until onair made its socket at `path`."""
    end = time.monotonic() + DEADLINE
    while not os.path.exists(path):
        if run.proc.poll() is not None or time.monotonic() > end:
            raise AssertionError("onair never listened on " + path)
        time.sleep(0.05)


class BotInput(BotTest):
    def test_wrong_sizes_and_a_writer_leaving_mid_frame(self):
        width, height = 640, 360  # quality=low
        size = width * height * 4
        red, green, blue = (0, 0, 255, 255), (0, 255, 0, 255), (255, 0, 0, 255)
        video_sock = os.path.join(self.tmp, "video.sock")
        with RtmpServer() as server:
            r = Running("x", "-s", "key=env:STREAM_KEY", "-s", "server=" + server.url,
                        "-s", "source=pipe", "-s", "video_input=unix:" + video_sock,
                        "-s", "quality=low", "-s", "overlay=off", "--http", "127.0.0.1:0",
                        "--output-dir", self.out, "--status-interval", "0",
                        env=dict(os.environ, STREAM_KEY=KEY))
            url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
            wait_for_socket(video_sock, r)
            self.wait_output(url, "live")

            first = FrameWriter(video_sock, width, height, red)
            r.wait_for(r"video_in: a writer connected")
            # A frame of the wrong size among good ones: refused, and the stream goes on.
            while first.sent < 30:
                time.sleep(0.02)
            wrong = bytes(green) * (320 * 240)
            first.send_now(bot.frame_header(len(wrong)) + wrong)
            r.wait_for(r"refused.*%d" % size)
            # Then the writer goes away in the middle of a frame.
            first.sock.sendall(bot.frame_header(size) + bytes(red) * (width * height // 2))
            first.close()
            r.wait_for(r"went away.*%d" % size)

            second = FrameWriter(video_sock, width, height, blue)
            while second.sent < 90:
                time.sleep(0.02)
            second.close()
            o = self.wait_output(url, "live")
            self.assertEqual(o["reconnects"], 0)
            # The input's figures in the status and the metrics.
            inputs = {i["name"]: i for i in self.status(url)["inputs"]}
            video_in = inputs["video_in"]
            self.assertEqual(video_in["frames_refused"], 1)
            self.assertGreaterEqual(video_in["frames_received"], first.sent + second.sent - 1)
            self.assertGreater(video_in["frames_repeated"], 0)
            _, _, metrics = http_get(url + "metrics")
            self.assertRegex(metrics.decode(),
                             r'onair_input_frames_refused_total\{pipeline="x",input="video_in"\} 1\n')
            r.interrupt()
            code, out, err = r.finish()
            self.seen += [out, err]
            self.assertEqual(code, 0, err)
            self.assertIn(str(len(wrong)), err)

            (path,) = server.recordings(KEY)
            self.check_continuous(path)
            colours = decoded_colours(path)
            reddish = [c for c in colours if c[0] > 150 and c[1] < 80 and c[2] < 80]
            bluish = [c for c in colours if c[2] > 150 and c[0] < 80 and c[1] < 80]
            greenish = [c for c in colours if c[1] > 150 and c[0] < 80 and c[2] < 80]
            self.assertGreater(len(reddish), 3)
            self.assertGreater(len(bluish), 10, "the second writer's frames never came out")
            self.assertEqual(greenish, [], "the refused frame came out")
            # Red before blue: the last picture of the first writer repeated until
            # the second one came.
            last_red = max(i for i, c in enumerate(colours) if c[0] > 150 and c[2] < 80)
            first_blue = min(i for i, c in enumerate(colours) if c[2] > 150 and c[0] < 80)
            self.assertLess(last_red, first_blue)


class BotOutage(BotTest):
    def test_server_restart_during_a_bot_stream(self):
        server = RtmpServer()
        try:
            server.start()
            b = BotRun(server, 60, "--chat-every", "0.5",
                       onair_args=["--http", "127.0.0.1:0", "--output-dir", self.out,
                                   "--status-interval", "0"])
            url = b.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
            self.wait_output(url, "live")
            server.kill()
            self.wait_output(url, "reconnecting")
            # The control channel and the status answer while the server is away.
            accepted = b.count("bot: chat ok")
            end = time.monotonic() + 30
            while b.count("bot: chat ok") < accepted + 2:
                self.assertLess(time.monotonic(), end, "chat stopped during the outage")
                time.sleep(0.1)
            self.assertEqual(self.status(url)["outputs"][0]["state"], "reconnecting")
            before = len(server.recordings(KEY))
            self.assertEqual(before, 1)
            server.start()
            o = self.wait_output(url, "live", reconnects=1)
            self.assertEqual(o["location"], server.url + "/***")
            # Frames flow on the new connection.
            end = time.monotonic() + 30
            while (len(server.recordings(KEY)) == before
                   or len(packet_times(server.recordings(KEY)[-1])) < 60):
                self.assertLess(time.monotonic(), end, "no frames after the restart")
                time.sleep(0.2)
            b.proc.send_signal(signal.SIGINT)  # the bot's Ctrl-C: it stops onair cleanly
            code, out = b.finish()
            self.seen.append(out)
            self.assertEqual(code, 0, out)
            self.assertIn("onair exit code 0", out)
            self.assertNotIn("chat {", out)  # every chat line answered ok
        finally:
            server.close()


if __name__ == "__main__":
    main(sys.modules[__name__])
