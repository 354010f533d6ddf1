#!/usr/bin/env python3
"""A bot's stream, onair against the seed's ffmpeg, side by side in one run.

The same bot (this script) renders 854x480 BGRA frames at 30 fps and speaks
one second in every two, for each publisher in turn:

  onair    `onair run x -s source=pipe`: frames on standard input after their
           8-byte header, sound written only while speaking to a Unix socket
           (onair fills the pauses with silence)
  ffmpeg   the seed's way: raw BGRA frames on ffmpeg's standard input, raw PCM
           on a named pipe that the bot keeps fed (silence while not speaking),
           the seed's options (libx264 veryfast/zerolatency main 1500k, AAC 128k
           with a volume boost), FLV to the server

Both publish to a local nginx-rtmp server started here. Measured: CPU seconds
the publisher process used (all its threads) per second of stream, and the
video frames that reached the server. Rounds alternate, the median is printed
with the ratio onair/ffmpeg. The bot's own work is not counted for either.

Usage: meson devenv -C build -w . bench/bot_bench.py [--rounds 3] [--seconds 20]
"""

import argparse
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "examples"))
import bot  # noqa: E402
from rtmp_server import RtmpServer, packet_times  # noqa: E402

KEY = "benchkey"
WIDTH, HEIGHT, FPS, RATE = 854, 480, 30, 44100
SEED_FFMPEG = [
    "ffmpeg", "-y", "-loglevel", "warning", "-threads", "4",
    "-thread_queue_size", "512", "-f", "rawvideo", "-pix_fmt", "bgra",
    "-s", "%dx%d" % (WIDTH, HEIGHT), "-r", str(FPS), "-i", "pipe:0",
    "-thread_queue_size", "1024", "-f", "s16le", "-ar", str(RATE), "-ac", "2", "-i", "{fifo}",
    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "main",
    "-level", "4.1", "-b:v", "1500k", "-maxrate", "1800k", "-bufsize", "3000k",
    "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
    "-af", "volume=2.5", "-c:a", "aac", "-b:a", "128k", "-ar", str(RATE), "-ac", "2",
    "-profile:a", "aac_low", "-f", "flv", "-flvflags", "no_duration_filesize", "{url}"]


def render_frames(count=60):
    """A moving picture (examples/bot.py's), `count` frames the bot cycles through."""
    painter = bot.Painter(WIDTH, HEIGHT)
    return [painter.frame(n, n % 20 < 10) for n in range(count)]


class Writer:
    """Writes frames at 30 fps and speaks one second in every two."""

    def __init__(self, frames, seconds, video, open_sound, framed, silence_between):
        self.frames, self.seconds = frames, seconds
        # The sound channel is opened in its own thread: ffmpeg reads frames before it
        # opens its sound pipe.
        self.video, self.open_sound = video, open_sound
        self.framed, self.silence_between = framed, silence_between
        self.stop = threading.Event()

    def write_video(self):
        start = time.monotonic()
        for n in range(int(self.seconds * FPS)):
            data = self.frames[n % len(self.frames)]
            if self.framed:
                self.video.write(struct.pack("<4sI", b"OAF1", len(data)))
            self.video.write(data)
            self.video.flush()
            delay = start + (n + 1) / FPS - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def write_sound(self):
        said, quiet = bot.speech(1.0), bytes(RATE // 10 * 4)
        with self.open_sound() as sound:
            start = time.monotonic()
            tenth = 0
            while not self.stop.is_set():
                second, part = divmod(tenth, 10)
                if second % 2 == 0 and part == 0:
                    sound.write(said)   # an utterance, handed over at once
                elif self.silence_between and second % 2 == 1:
                    sound.write(quiet)  # the seed keeps its pipe fed
                sound.flush()
                tenth += 1
                self.stop.wait(max(0.0, start + tenth / 10 - time.monotonic()))

    def run(self):
        sound = threading.Thread(target=self.write_sound, daemon=True)
        sound.start()
        try:
            self.write_video()
        finally:
            self.stop.set()
            sound.join()


def cpu_of(proc):
    """Waits for `proc`; returns the CPU seconds it used."""
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_utime + usage.ru_stime


def run_onair(build, server, frames, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "sound.sock")
        proc = subprocess.Popen(
            [os.path.join(build, "app", "onair"), "run", "x", "--no-http", "--status-interval", "0",
             "--output-dir", tmp, "-s", "key=env:BENCH_KEY", "-s", "server=" + server.url,
             "-s", "quality=medium", "-s", "overlay=off", "-s", "source=pipe",
             "-s", "video_input=-", "-s", "audio_input=unix:" + sock],
            env=dict(os.environ, BENCH_KEY=KEY), stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not os.path.exists(sock):
            if proc.poll() is not None:
                raise RuntimeError("onair ended before it listened")
            time.sleep(0.01)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock)
        with s:
            Writer(frames, seconds, proc.stdin, lambda: s.makefile("wb"), framed=True,
                   silence_between=False).run()
        proc.send_signal(signal.SIGINT)
        proc.stdin.close()
        return cpu_of(proc)


def run_ffmpeg(server, frames, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "audio.pcm")
        os.mkfifo(fifo)
        cmd = [a.format(fifo=fifo, url=server.url + "/" + KEY) for a in SEED_FFMPEG]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        Writer(frames, seconds, proc.stdin, lambda: open(fifo, "wb"), framed=False,
               silence_between=True).run()
        proc.stdin.close()  # the end of the frames ends the stream
        return cpu_of(proc)


def frames_received(server, count_before):
    files = server.recordings(KEY)[count_before:]
    return sum(len(packet_times(f)) for f in files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=20)
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    frames = render_frames()
    results = {"onair": [], "ffmpeg": []}
    received = {"onair": [], "ffmpeg": []}
    with RtmpServer() as server:
        for _ in range(args.rounds):
            for name in ("onair", "ffmpeg"):
                before = len(server.recordings(KEY))
                cpu = (run_onair(build, server, frames, args.seconds) if name == "onair"
                       else run_ffmpeg(server, frames, args.seconds))
                results[name].append(cpu / args.seconds)
                received[name].append(frames_received(server, before))
    print("bot stream 854x480 30 fps BGRA + speech 1 s in 2, %d s a round, median of %d "
          "alternating rounds" % (args.seconds, args.rounds))
    for name in ("onair", "ffmpeg"):
        print("  %-7s %.3f CPU s per s   frames at the server %s" % (
            name, statistics.median(results[name]), received[name]))
    print("  ratio onair/ffmpeg: %.2f" % (statistics.median(results["onair"])
                                         / statistics.median(results["ffmpeg"])))


if __name__ == "__main__":
    main()
