#!/usr/bin/env python3
"""Going live, onair against ffmpeg, side by side in one run.

Both publish the same encode (854x480 30 fps H.264 veryfast/zerolatency at
1500 kbit/s with a 2 s keyframe interval, AAC 128 kbit/s 44.1 kHz stereo) to a
local nginx-rtmp server started here, and we measure:

  start    time from starting the publisher to the first video frame at the server
  return   time from the server coming back after an outage to the first video
           frame on the new connection (ffmpeg restarted by a shell loop)
  cpu      CPU seconds used to publish the same 20 s file in real time
  instr    instructions (valgrind callgrind) to publish the same 3 s file: the same
           question as cpu, without the noise of a shared 2-core machine

Usage: bench/live_bench.py [--build-dir build] [--rounds 3]
"""

import argparse
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from rtmp_server import RtmpServer  # noqa: E402

KEY = "benchkey"
FFMPEG_ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
                 "-b:v", "1500k", "-maxrate", "1500k", "-bufsize", "1500k", "-g", "60",
                 "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                 "-c:a", "aac", "-b:a", "128k", "-ar", "44100", "-ac", "2", "-f", "flv"]


def first_video_frame(path):
    """True once an FLV file holds a coded video frame (not just headers)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    pos = 13  # FLV header + first previous-tag-size
    while pos + 11 <= len(data):
        kind = data[pos]
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        if pos + 11 + size > len(data):
            return False
        if kind == 9 and size > 2 and data[pos + 12] == 1:  # AVC NAL unit
            return True
        pos += 11 + size + 4
    return False


def wait_first_frame(server, count_before, timeout=30):
    """Seconds until the server has a new recording with a video frame."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        files = server.recordings(KEY)
        if len(files) > count_before and first_video_frame(files[-1]):
            return time.monotonic() - start
        time.sleep(0.005)
    raise RuntimeError("no video reached the server")


class Onair:
    def __init__(self, build, server_url, source_file=None):
        self.args = [os.path.join(build, "app", "onair"), "run", "x", "--no-http",
                     "--status-interval", "0", "--output-dir", tempfile.mkdtemp(),
                     "-s", "key=env:BENCH_KEY", "-s", "server=" + server_url,
                     "-s", "quality=medium", "-s", "overlay=off"]  # ffmpeg draws none
        if source_file:
            self.args += ["-s", "source=file", "-s", "file=" + source_file]

    def start(self):
        self.proc = subprocess.Popen(self.args, env=dict(os.environ, BENCH_KEY=KEY),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        return self.proc

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)


class Ffmpeg:
    """ffmpeg -re ... -f flv, restarted by a loop as people script it."""

    def __init__(self, server_url, source_file=None):
        if source_file:
            inputs = ["-re", "-i", source_file]
        else:
            inputs = ["-re", "-f", "lavfi", "-i", "smptebars=size=854x480:rate=30",
                      "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin"] + inputs + \
            FFMPEG_ENCODE + [server_url + "/" + KEY]
        self.loop = source_file is None
        quoted = " ".join("'%s'" % a for a in cmd)
        # The loop a script would use: restart half a second after a failure.
        self.args = ["bash", "-c", "while true; do %s; sleep 0.5; done" % quoted] if self.loop \
            else cmd

    def start(self):
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        return self.proc

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGINT if not self.loop else signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def measure_start(make):
    with RtmpServer() as server:
        p = make(server.url)
        p.start()
        try:
            return wait_first_frame(server, 0)
        finally:
            p.stop()


def measure_return(make, outage):
    with RtmpServer() as server:
        p = make(server.url)
        p.start()
        try:
            wait_first_frame(server, 0)
            time.sleep(2)
            before = len(server.recordings(KEY))
            server.kill()
            time.sleep(outage)
            server.start()
            return wait_first_frame(server, before)
        finally:
            p.stop()


def measure_cpu(make, source_file, seconds):
    with RtmpServer() as server:
        p = make(server.url, source_file)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = p.start()
        proc.wait(timeout=seconds * 3)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure_instructions(make, source_file):
    """Instructions executed, all threads, counted by callgrind."""
    with RtmpServer() as server, tempfile.TemporaryDirectory() as tmp:
        p = make(server.url, source_file)
        log = os.path.join(tmp, "valgrind.log")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        "--log-file=" + log] + p.args,
                       env=dict(os.environ, BENCH_KEY=KEY), stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800,
                       check=True)
        with open(log) as f:
            for line in f:
                if "Collected :" in line:
                    return int(line.split()[-1])
        raise RuntimeError("callgrind printed no count")


def make_source(path, seconds):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=854x480:rate=30:duration=%d" % seconds,
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=%d" % seconds,
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-c:a", "aac",
                    "-b:a", "192k", "-shortest", path], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu-seconds", type=int, default=20)
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    os.environ["GST_PLUGIN_PATH"] = ":".join(
        os.path.join(build, "plugins", p) for p in ("monitor", "output", "overlay"))

    onair = lambda url, src=None: Onair(build, url, src)  # noqa: E731
    ffmpeg = lambda url, src=None: Ffmpeg(url, src)  # noqa: E731
    print("onair vs ffmpeg, rtmp 854x480 30 fps x264 veryfast 1500k + AAC 128k, "
          "median of %d alternating rounds" % args.rounds)

    rows = []
    for label, fn in [("start to first frame at server", measure_start),
                      ("server return to first frame (1 s outage)", lambda m: measure_return(m, 1.0)),
                      ("server return to first frame (3 s outage)", lambda m: measure_return(m, 3.0)),
                      ("server return to first frame (10 s outage)",
                       lambda m: measure_return(m, 10.0))]:
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(fn(onair))
            theirs.append(fn(ffmpeg))
        o, t = statistics.median(ours), statistics.median(theirs)
        rows.append((label, "%.2f s" % o, "%.2f s" % t, o / t))

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "source.mp4")
        make_source(source, args.cpu_seconds)
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(measure_cpu(onair, source, args.cpu_seconds))
            theirs.append(measure_cpu(ffmpeg, source, args.cpu_seconds))
        o, t = statistics.median(ours), statistics.median(theirs)
        rows.append(("CPU for %d s of the X medium encode" % args.cpu_seconds,
                     "%.2f s" % o, "%.2f s" % t, o / t))

        if shutil.which("valgrind"):
            short = os.path.join(tmp, "short.mp4")
            make_source(short, 3)
            o = measure_instructions(onair, short)
            t = measure_instructions(ffmpeg, short)
            rows.append(("instructions for 3 s of the X medium encode",
                         "%.2f G" % (o / 1e9), "%.2f G" % (t / 1e9), o / t))

    width = max(len(r[0]) for r in rows)
    print("%-*s  %10s  %10s  %s" % (width, "", "onair", "ffmpeg", "ratio"))
    for label, o, t, ratio in rows:
        print("%-*s  %10s  %10s  %.2f" % (width, label, o, t, ratio))


if __name__ == "__main__":
    main()
