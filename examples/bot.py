#!/usr/bin/env python3
"""A bot that goes live through `onair run`: it renders its own frames, speaks
now and then, and chats, while onair encodes, streams, reconnects and serves
its control API, status and metrics.

    ONAIR_STREAM_KEY=... python3 examples/bot.py --server rtmp://127.0.0.1/live

The bot starts `onair run x -s source=pipe ...` as a child process and feeds it:

- frames (BGRA, width x height) on the child's standard input, each after the
  8-byte header b"OAF1" + its length (uint32, little-endian), so a frame of
  the wrong size is refused on its own instead of shifting every later one;
- sound (S16LE, 44.1 kHz, stereo) on a Unix socket onair listens on, written
  only while the bot speaks: onair fills the pauses with silence;
- chat lines, one JSON object a line, on the control socket.

The stream key is read by onair from the environment (-s key=env:...), so it
never shows in a process list. Only Python's standard library is needed;
numpy, when installed, draws a nicer picture. See docs/bots.md.
"""

import argparse
import json
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

try:
    import numpy
except ImportError:  # the standard library is enough
    numpy = None

RATE, CHANNELS = 44100, 2
# What the bot says, again and again: (seconds of speech, seconds of pause after it).
SPEECH = [(1.0, 1.0), (0.6, 1.4), (1.4, 0.8)]


def frame_header(payload_size):
    return struct.pack("<4sI", b"OAF1", payload_size)


class Painter:
    """Frames of a moving picture, BGRA. `mouth_open` draws a bar that shows
    when the bot speaks."""

    def __init__(self, width, height):
        self.width, self.height = width, height
        self.size = width * height * 4
        if numpy is not None:
            y, x = numpy.mgrid[0:height, 0:width]
            self.x, self.y = x, y
        else:
            # Without numpy: one picture twice its size, and each frame a
            # window into it that moves by a few pixels a frame.
            row = bytearray()
            for x in range(width):
                row += bytes(((x * 255) // width, 96, 255 - (x * 255) // width, 255))
            picture = bytearray()
            for y in range(height):
                shade = (y * 200) // height
                picture += bytes(b if i % 4 != 1 else (b + shade) % 256 for i, b in enumerate(row))
            self.strip = bytes(picture) * 2

    def frame(self, n, mouth_open):
        if numpy is not None:
            img = numpy.empty((self.height, self.width, 4), numpy.uint8)
            img[..., 0] = (self.x + 4 * n) % 256                         # blue
            img[..., 1] = (self.y + 2 * n) % 256                         # green
            img[..., 2] = 128 + 127 * math.sin(n / 20.0)                 # red
            img[..., 3] = 255
            if mouth_open:
                h, w = self.height, self.width
                img[h * 2 // 3:h * 2 // 3 + h // 12, w // 3:w * 2 // 3] = (0, 0, 0, 255)
            return img.tobytes()
        offset = (n * 16) % self.size
        picture = self.strip[offset:offset + self.size]
        if mouth_open:  # a black band across the lower third
            band = self.width * 4 * (self.height // 12)
            start = self.width * 4 * (self.height * 2 // 3)
            picture = picture[:start] + bytes(band) + picture[start + band:]
        return picture


def speech(seconds, pitch=440.0):
    """Speech-like sound: a tone whose loudness rises and falls four times a
    second, as syllables do. S16LE stereo bytes."""
    samples = int(seconds * RATE)
    if numpy is not None:
        t = numpy.arange(samples) / RATE
        level = 9000 * (0.7 + 0.3 * numpy.sin(2 * math.pi * 4 * t))
        mono = (level * numpy.sin(2 * math.pi * pitch * t)).astype(numpy.int16)
        return numpy.repeat(mono, CHANNELS).tobytes()
    out = bytearray()
    for i in range(samples):
        t = i / RATE
        v = int(9000 * (0.7 + 0.3 * math.sin(2 * math.pi * 4 * t)) * math.sin(2 * math.pi * pitch * t))
        out += struct.pack("<hh", v, v)
    return bytes(out)


def connect_unix(path, child, timeout=30.0):
    """Connects to a Unix socket onair is about to open; waits for it while the
    child runs (it listens once its pipeline is built)."""
    end = time.monotonic() + timeout
    while True:
        if child.poll() is not None:
            raise SystemExit("onair ended (exit code %d) before it listened on %s"
                             % (child.returncode, path))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > end:
                raise SystemExit("onair did not listen on %s within %.0f s" % (path, timeout))
            time.sleep(0.05)


class Bot:
    def __init__(self, args):
        self.args = args
        self.stop = threading.Event()
        self.speaking = threading.Event()
        self.frames = 0
        self.spoken = []  # seconds of each utterance, in order
        self.chat_replies = []
        self.dir = tempfile.mkdtemp(prefix="onair-bot-")  # 0700: the sockets are ours alone
        self.sound_path = os.path.join(self.dir, "sound.sock")
        self.control_path = os.path.join(self.dir, "control.sock")

    def command(self):
        a = self.args
        cmd = [a.onair, "run", a.pipeline, "-s", "source=pipe", "-s", "video_input=-",
               "-s", "audio_input=unix:" + self.sound_path, "-s", "key=env:ONAIR_STREAM_KEY",
               "-s", "width=%d" % a.width, "-s", "height=%d" % a.height, "-s", "fps=%d" % a.fps,
               "--control-socket", self.control_path]
        if a.server:
            cmd += ["-s", "server=" + a.server]
        for s in a.set or []:
            cmd += ["-s", s]
        cmd += a.onair_args or []
        return cmd

    def write_frames(self, stdin):
        painter = Painter(self.args.width, self.args.height)
        start = time.monotonic()
        while not self.stop.is_set():
            data = painter.frame(self.frames, self.speaking.is_set())
            try:
                stdin.write(frame_header(len(data)))
                stdin.write(data)
                stdin.flush()
            except (BrokenPipeError, ValueError):
                return  # onair ended; main() reports how
            self.frames += 1
            # Pace by our own clock: a late frame is not made up by skipping.
            delay = start + self.frames / self.args.fps - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)

    def speak(self, sound):
        n = 0
        while not self.stop.is_set():
            seconds, pause = SPEECH[n % len(SPEECH)]
            # A text-to-speech engine hands over a whole utterance at once;
            # onair plays it out at its own pace.
            self.speaking.set()
            try:
                sound.sendall(speech(seconds))
            except OSError:
                return
            self.spoken.append(seconds)
            print("bot: said %.1f s" % seconds, flush=True)
            self.stop.wait(seconds)
            self.speaking.clear()
            self.stop.wait(pause)
            n += 1

    def chat(self, control):
        lines = ["hello, chat!", "I render my own frames", "and speak when I like"]
        reader = control.makefile("r", encoding="utf-8")
        n = 0
        while not self.stop.wait(self.args.chat_every):
            line = json.dumps({"cmd": "chat", "user": "bot", "text": lines[n % len(lines)]})
            try:
                control.sendall(line.encode() + b"\n")
                reply = json.loads(reader.readline() or "{}")
            except (OSError, ValueError):
                return
            self.chat_replies.append(reply.get("ok") is True)
            print("bot: chat %s" % ("ok" if reply.get("ok") else reply), flush=True)
            n += 1

    def run(self):
        child = subprocess.Popen(self.command(), stdin=subprocess.PIPE)
        threads = []
        try:
            video = threading.Thread(target=self.write_frames, args=(child.stdin,))
            video.start()
            threads.append(video)
            sound = connect_unix(self.sound_path, child)
            control = connect_unix(self.control_path, child)
            for target, arg in ((self.speak, sound), (self.chat, control)):
                t = threading.Thread(target=target, args=(arg,))
                t.start()
                threads.append(t)
            deadline = time.monotonic() + self.args.seconds
            while (child.poll() is None and not self.stop.is_set()
                   and time.monotonic() < deadline):
                self.stop.wait(min(0.2, max(0.0, deadline - time.monotonic())))
        finally:
            self.stop.set()
            for t in threads:
                t.join()
            # An interrupt finishes the stream properly (and any recording).
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
            try:
                child.stdin.close()
            except BrokenPipeError:
                pass
            try:
                code = child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                code = child.wait()
            shutil.rmtree(self.dir, ignore_errors=True)
        print("bot: %d frames, said %.1f s in %d utterances, %d/%d chat lines accepted, "
              "onair exit code %d" % (self.frames, sum(self.spoken), len(self.spoken),
                                      sum(self.chat_replies), len(self.chat_replies), code),
              flush=True)
        return code


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="The stream key comes from ONAIR_STREAM_KEY.")
    p.add_argument("--onair", default=os.environ.get("ONAIR_BIN") or shutil.which("onair") or "onair",
                   help="the onair program (default: $ONAIR_BIN, else onair on PATH)")
    p.add_argument("--pipeline", default="x", help="pipeline to run (default: x)")
    p.add_argument("--server", help="ingest URL without the key (default: the pipeline's)")
    p.add_argument("--seconds", type=float, default=30, help="how long to stay live (default 30)")
    p.add_argument("--width", type=int, default=854)
    p.add_argument("--height", type=int, default=480)
    p.add_argument("--fps", type=int, default=30)
    p.add_argument("--chat-every", type=float, default=2.0, help="seconds between chat lines")
    p.add_argument("-s", "--set", action="append", metavar="KEY=VALUE",
                   help="more pipeline values, as onair run -s takes them")
    p.add_argument("onair_args", nargs="*", help="more onair run options, after --")
    args = p.parse_args()
    if "ONAIR_STREAM_KEY" not in os.environ:
        p.error("set ONAIR_STREAM_KEY to the stream key")
    signal.signal(signal.SIGINT, lambda *_: bot.stop.set())
    bot = Bot(args)
    return bot.run()


if __name__ == "__main__":
    sys.exit(main())
