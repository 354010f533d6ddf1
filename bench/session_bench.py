#!/usr/bin/env python3
"""Recording a sender, onair's session against the seed's ffmpeg processes, in one run.

The same 60 s 1080p30 6 Mb/s sender (ffmpeg pushing MPEG-TS H.264 + AAC over TCP at real
time, a hard cut every 10 s) is recorded twice, one after the other:

  onair    `onair run session`: one pipeline receives, writes the segments, relays to
           UDP, detects scene cuts (a JPEG and an index entry each) and cuts the sound into
           WAV chunks as it flows
  seed     the seed's way: one ffmpeg receives, writes fragmented MP4 and relays to UDP;
           every 2 s an ffmpeg runs scene detection (select=gt(scene,0.3)) over the new part
           of the growing file (up to 2 s before its end, as the seed keeps a safety
           margin), and every 10 s an ffmpeg extracts the new sound as a WAV chunk

Measured: CPU seconds of every process of each approach over the whole recording (the
sender's own work is not counted), and for each cut the delay from the moment the cut reaches
the recorder to the moment its snapshot is listed in index.json (polled every 20 ms). The
sender talks to the recorder through a relay (tests/pylib/ts_tap.py), which reads the MPEG-TS
as it passes and notes when the first packet of each cut's frame goes through.

Usage: meson devenv -C build -w . bench/session_bench.py [--seconds 60]
"""

import argparse
import glob
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
from ts_tap import TsTap  # noqa: E402
CUT_EVERY = 10  # seconds between the clip's hard cuts
PATTERNS = ["testsrc2", "smptehdbars", "mandelbrot", "rgbtestsrc", "pal75bars", "yuvtestsrc"]


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_clip(path, seconds):
    """1080p30 H.264 at 6 Mb/s with AAC, a different picture every CUT_EVERY seconds."""
    parts = []
    inputs = []
    n = max(1, seconds // CUT_EVERY)
    for i in range(n):
        source = PATTERNS[i % len(PATTERNS)]
        inputs += ["-f", "lavfi", "-i", "%s=size=1920x1080:rate=30" % source]
        parts.append("[%d:v]trim=duration=%d,setpts=PTS-STARTPTS,format=yuv420p[v%d]"
                     % (i, CUT_EVERY, i))
    graph = ";".join(parts) + ";" + "".join("[v%d]" % i for i in range(n)) + \
        "concat=n=%d:v=1:a=0[v]" % n
    inputs += ["-f", "lavfi", "-i", "sine=frequency=440:duration=%d" % (n * CUT_EVERY)]
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *inputs,
                    "-filter_complex", graph, "-map", "[v]", "-map", "%d:a" % n,
                    "-c:v", "libx264", "-preset", "veryfast", "-b:v", "6M", "-maxrate", "6M",
                    "-bufsize", "12M", "-g", "60", "-c:a", "aac", "-b:a", "128k",
                    "-f", "mpegts", path], check=True)
    return [CUT_EVERY * i for i in range(1, n)]


def send(clip, port):
    """Pushes the clip at real time; returns the process."""
    proc = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", clip,
                             "-c", "copy", "-f", "mpegts", "tcp://127.0.0.1:%d" % port],
                            stdin=subprocess.DEVNULL)
    return proc


def listening(port):
    """Whether a socket listens on the port, read from /proc: a probing connection would be
    taken for the sender."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
                return True
    return False


def wait_for_port(port, proc, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("the recorder exited before listening")
        if listening(port):
            return
        time.sleep(0.05)
    raise RuntimeError("the recorder never listened on %d" % port)


class IndexWatch:
    """Polls an index.json (found by a glob) and notes when each entry first appears."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.seen = {}  # id -> (wall time, entry)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            for path in glob.glob(self.pattern):
                try:
                    with open(path) as f:
                        entries = json.load(f)
                except (OSError, ValueError):
                    continue  # being written (the seed's) or not there yet
                now = time.monotonic()
                for e in entries:
                    # When it first appeared, and what it says now (onair's app adds the
                    # segment fields within a second of the element's entry).
                    first = self.seen.get(e.get("id"), (now, e))[0]
                    self.seen[e.get("id")] = (first, e)
            self.stop.wait(0.02)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return sorted(self.seen.values(), key=lambda v: v[0])


def cpu_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def media_time(entry):
    """Where in the sender's stream a snapshot is: onair's index says it as the offset in its
    segment (the timestamps count from when the session started waiting)."""
    return float(entry.get("segment_offset", entry.get("timestamp", -100)))


def delays(appeared, cuts, tap):
    """Delay of each cut's snapshot (the entry within a second of the cut): when it was
    listed against when the cut's frame reached the recorder."""
    out = []
    for cut in cuts:
        near = [wall for wall, e in appeared if abs(media_time(e) - cut) <= 1.0]
        arrived = tap.arrival(cut)
        if near and arrived is not None:
            out.append(min(near) - arrived)
    return out


def record_with_onair(build, clip, cuts, tmp):
    port, relay = free_port(), free_port(socket.SOCK_DGRAM)
    sessions = os.path.join(tmp, "onair-sessions")
    proc = subprocess.Popen(
        [os.path.join(build, "app", "onair"), "run", "session", "--sessions-dir", sessions,
         "-s", "listen=127.0.0.1:%d" % port, "-s", "relay_port=%d" % relay, "--no-http",
         "--status-interval", "0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        watch = IndexWatch(os.path.join(sessions, "*", "frames", "index.json"))
        cpu0 = cpu_of(proc.pid)
        tap = TsTap(port)
        sender = send(clip, tap.port)
        sender.wait()
        tap.close()
        # Until the last cut's snapshot is listed (or a few seconds after the sender left).
        end = time.monotonic() + 5

        def listed():
            return [e for _, e in list(watch.seen.values()) if e.get("kind") == "cut"]
        while time.monotonic() < end and (len(listed()) < len(cuts) or
                                          any("segment_offset" not in e for e in listed())):
            time.sleep(0.05)
        cpu = cpu_of(proc.pid) - cpu0
        appeared = [v for v in watch.finish() if v[1].get("kind") == "cut"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    return cpu, delays(appeared, cuts, tap), len(appeared)


def record_the_seeds_way(clip, cuts, tmp, threshold=0.3):
    port, relay = free_port(), free_port(socket.SOCK_DGRAM)
    root = os.path.join(tmp, "seed")
    for d in ("stream", "frames", "audio"):
        os.makedirs(os.path.join(root, d))
    recording = os.path.join(root, "stream", "recording_000.mp4")
    index_path = os.path.join(root, "frames", "index.json")
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    recorder = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i",
         "tcp://127.0.0.1:%d?listen=1" % port, "-map", "0", "-c", "copy",
         "-bsf:a", "aac_adtstoasc", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov",
         recording,
         "-map", "0", "-c", "copy", "-f", "mpegts", "udp://127.0.0.1:%d" % relay],
        stdin=subprocess.DEVNULL)
    stop = threading.Event()

    def probe_duration():
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                              "format=duration:stream=duration", "-of", "json", recording],
                             capture_output=True, text=True)
        try:
            info = json.loads(out.stdout)
        except ValueError:
            return 0.0
        durations = [float(info.get("format", {}).get("duration", 0) or 0)]
        durations += [float(s.get("duration", 0) or 0) for s in info.get("streams", [])]
        return max(durations)

    def scene_detector():
        processed = 0.0
        while not stop.wait(2.0):
            if not os.path.exists(recording) or os.path.getsize(recording) < 100_000:
                continue
            process_to = probe_duration() - 2  # the seed's margin for the unfinished tail
            if process_to <= processed + 0.5:
                continue
            try:
                with open(index_path) as f:
                    index = json.load(f)
            except (OSError, ValueError):
                index = []
            first = len(index) + 1
            done = subprocess.run(
                ["ffmpeg", "-hide_banner", "-ss", "%.3f" % processed, "-t",
                 "%.3f" % (process_to - processed), "-i", recording, "-vf",
                 "select='gt(scene,%g)',showinfo" % threshold, "-vsync", "vfr",
                 "-start_number", str(first), os.path.join(root, "frames", "F%04d.jpg")],
                capture_output=True, text=True)
            number = first
            for line in done.stderr.splitlines():
                if "showinfo" in line and "pts_time:" in line:
                    t = float(line.split("pts_time:")[1].split()[0]) + processed
                    index.append({"id": "F%04d" % number, "timestamp": t, "kind": "cut",
                                  "path": "F%04d.jpg" % number, "sent_to_agent": False})
                    number += 1
            with open(index_path, "w") as f:
                json.dump(index, f)
            processed = process_to

    def audio_extractor():
        processed, chunk = 0.0, 0
        while not stop.wait(10.0):
            process_to = probe_duration() - 2
            if process_to <= processed + 1:
                continue
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-ss",
                            "%.3f" % processed, "-t", "%.3f" % (process_to - processed), "-i",
                            recording, "-vn", "-ac", "1", "-ar", "16000",
                            os.path.join(root, "audio", "chunk_%04d.wav" % chunk)])
            processed, chunk = process_to, chunk + 1

    threads = [threading.Thread(target=scene_detector), threading.Thread(target=audio_extractor)]
    wait_for_port(port, recorder)
    watch = IndexWatch(index_path)
    for t in threads:
        t.start()
    tap = TsTap(port)
    sender = send(clip, tap.port)
    sender.wait()
    tap.close()
    end = time.monotonic() + 8  # the detector runs behind by its margin and its period
    while len(watch.seen) < len(cuts) and time.monotonic() < end:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    recorder.wait(timeout=30)  # ends with the sender's connection
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    appeared = watch.finish()
    # The sender ran as a child too: its CPU is taken out below.
    cpu = (usage.ru_utime + usage.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    return cpu, delays(appeared, cuts, tap), len(appeared)


def sender_cpu(clip, tmp):
    """CPU of the sender alone, into a plain TCP sink, to take out of the seed's figure."""
    port = free_port()
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen(1)

    def drain():
        conn, _ = server.accept()
        while conn.recv(1 << 16):
            pass
        conn.close()
    t = threading.Thread(target=drain, daemon=True)
    t.start()
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = send(clip, port)
    proc.wait()
    t.join(10)
    server.close()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) - (usage0.ru_utime + usage0.ru_stime)


def summary(values):
    if not values:
        return "none"
    return "median %.2f s, worst %.2f s" % (statistics.median(values), max(values))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--onair-only", action="store_true", help="skip the seed's approach")
    args = ap.parse_args()
    build = os.path.abspath(args.build_dir)
    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "sender.ts")
        cuts = make_clip(clip, args.seconds)
        print("A %d s 1080p30 6 Mb/s sender with %d hard cuts, recorded with relay, "
              "snapshots and audio chunks" % (args.seconds, len(cuts)))
        results = [("onair session", *record_with_onair(build, clip, cuts, tmp))]
        if not args.onair_only:
            sending = sender_cpu(clip, tmp)
            seed_cpu, seed_delays, seed_found = record_the_seeds_way(clip, cuts, tmp)
            results.append(("seed's ffmpeg", seed_cpu - sending, seed_delays, seed_found))
        for label, cpu, found, listed in results:
            print("  %-14s CPU %.1f s; %d of %d cuts listed (%d entries), snapshot listed "
                  "after the cut reached the recorder: %s" % (label, cpu, len(found), len(cuts), listed,
                                                  summary(found)))
        if len(results) == 2 and results[1][1] > 0:
            print("  ratio onair/seed CPU: %.2f" % (results[0][1] / results[1][1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
