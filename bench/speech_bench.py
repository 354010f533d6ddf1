#!/usr/bin/env python3
"""ttsmix against Liquidsoap, in one run: how soon a queued clip and a said line are heard,
and what mixing with ducking costs against audiomixer.

ttsmix's side runs in process (bench/speech_bench, built with the project). The anchor is
Liquidsoap (Debian's `liquidsoap` package) as people set it up for the same job: a
`request.queue` mixed into a live source by `smooth_add` (its defaults: 0.5 s delay, 1 s
fade), given the same WAV clip through its telnet server on 127.0.0.1, its output written
as raw 48 kHz stereo S16LE to a pipe (flushed every frame) that this script reads. Both
are measured the same way: from the request to the first non-silent sample of the output,
in stream time (the sample's position against where the stream was when the request
went) and in wall time (when the sample reached the reader).

    meson devenv -C build -w . python3 bench/speech_bench.py [items] [cost-rounds]
"""

import math
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave

RATE = 48000
FRAME = 4  # bytes: stereo S16LE


def bench_binary():
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in [os.environ.get("SPEECH_BENCH", ""), "bench/speech_bench",
                      os.path.join(here, "..", "build", "bench", "speech_bench")]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("speech_bench not found: run from the build directory through 'meson devenv'")


def write_clip(path):
    """0.5 s of a 1 kHz tone, stereo 48 kHz, starting at its peak (the first sample sounds)."""
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<hh", v, v) for v in (
            int(12000 * math.cos(2 * math.pi * 1000 * n / RATE)) for n in range(RATE // 2))))


def figures(text):
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith(" "):
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def run_bench(*args):
    r = subprocess.run([bench_binary(), *args], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        sys.exit("speech_bench %s failed:\n%s" % (" ".join(args), r.stderr))
    table = "\n".join(l for l in r.stdout.splitlines() if l.startswith(("ttsmix", "espeak-ng",
                                                                        "CPU", "  ")))
    print(table)
    return figures(r.stdout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiquidsoapOutput:
    """Reads Liquidsoap's raw output; finds the first non-silent sample once armed."""

    def __init__(self, stream):
        self.stream = stream
        self.frames = 0  # frames received so far
        self.cond = threading.Condition()
        self.armed = False
        self.found = None  # (frame position, wall time) of the first sound
        self.last_sound = 0.0  # wall time of the latest non-silent chunk
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        pending = b""
        while True:
            data = self.stream.read1(65536)
            now = time.monotonic()
            if not data:
                return
            data = pending + data
            usable = len(data) - len(data) % FRAME
            chunk, pending = data[:usable], data[usable:]
            samples = memoryview(chunk).cast("h")
            with self.cond:
                sound_at = next((i for i, v in enumerate(samples) if v != 0), None)
                if sound_at is not None:
                    self.last_sound = now
                    if self.armed:
                        self.found = (self.frames + sound_at // 2, now)
                        self.armed = False
                self.frames += len(samples) // 2
                self.cond.notify_all()

    def wait_frames(self, count, timeout=60):
        with self.cond:
            if not self.cond.wait_for(lambda: self.frames >= count, timeout):
                sys.exit("Liquidsoap produced no sound")

    def arm(self):
        with self.cond:
            self.found = None
            self.armed = True
            return self.frames

    def wait_found(self, timeout=60):
        with self.cond:
            if not self.cond.wait_for(lambda: self.found is not None, timeout):
                sys.exit("Liquidsoap never played the clip")
            return self.found

    def wait_silence(self, seconds):
        """Until no sound came for `seconds`."""
        while True:
            with self.cond:
                quiet = time.monotonic() - self.last_sound
            if quiet >= seconds:
                return
            time.sleep(seconds - quiet)


def liquidsoap(clip, items):
    port = free_port()
    script = """
settings.init.allow_root.set(true)
settings.log.stdout.set(false)
settings.log.file.set(false)
settings.server.telnet.set(true)
settings.server.telnet.bind_addr.set("127.0.0.1")
settings.server.telnet.port.set(%d)
q = request.queue(id="q")
s = smooth_add(normal=blank(), special=q)
output.file(%%wav(stereo=true, samplerate=48000, header=false), flush=true, "/dev/stdout", s)
""" % port
    with tempfile.NamedTemporaryFile("w", suffix=".liq", delete=False) as f:
        f.write(script)
    proc = subprocess.Popen(["liquidsoap", f.name], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        out = LiquidsoapOutput(proc.stdout)
        out.wait_frames(RATE)  # a second of output: it runs
        deadline = time.monotonic() + 30
        while True:
            try:
                telnet = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("Liquidsoap's telnet server does not answer")
                time.sleep(0.1)
        replies = telnet.makefile("rb")
        rt, wall = [], []
        for _ in range(items):
            out.wait_silence(0.5)
            at_frame = out.arm()
            sent = time.monotonic()
            telnet.sendall(b"q.push " + clip.encode() + b"\n")
            while replies.readline().strip() != b"END":
                pass
            frame, heard = out.wait_found()
            rt.append((frame - at_frame) * 1000 / RATE)
            wall.append((heard - sent) * 1000)
        telnet.sendall(b"quit\n")
        telnet.close()
    finally:
        proc.kill()
        proc.wait()
        os.unlink(f.name)
    print("Liquidsoap %s, %d pushes, request.queue + smooth_add into blank(), median (min..max)"
          % (subprocess.run(["liquidsoap", "--version"], capture_output=True, text=True)
             .stdout.split("\n")[0].split()[-1], items))
    for what, v in [("push -> first clip sample, stream time", rt),
                    ("push -> first clip sample, wall time", wall)]:
        print("  %-44s %8.1f ms  (%.1f..%.1f)" % (what, statistics.median(v), min(v), max(v)))
    return {"ls_rt_ms": statistics.median(rt), "ls_wall_ms": statistics.median(wall)}


def main():
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rounds = sys.argv[2] if len(sys.argv) > 2 else "9"
    if not shutil.which("liquidsoap"):
        sys.exit("liquidsoap is not installed (apt-get install liquidsoap)")
    with tempfile.TemporaryDirectory(prefix="speech-bench-") as d:
        clip = os.path.join(d, "clip.wav")
        write_clip(clip)
        f = {}
        f.update(run_bench("espeak", str(items)))
        f.update(run_bench("latency", clip, str(items)))
        f.update(liquidsoap(clip, items))
        f.update(run_bench("cost", "10", rounds))
    speech_over = f["say_rt_ms"] - (f["espeak_first_ms"] + f["espeak_leading_silence_ms"])
    print("results")
    rows = [
        ("clip: play -> first sample (running time)", "%.1f ms" % f["play_rt_ms"],
         "goal <= 20 ms", f["play_rt_ms"] <= 20),
        ("speech: say -> first speech sample beyond espeak-ng's own",
         "%.1f ms" % speech_over, "goal <= 20 ms", speech_over <= 20),
        ("Liquidsoap/ttsmix, clip, stream time", "%.0fx" % (f["ls_rt_ms"] / f["play_rt_ms"]),
         "goal >= 10x", f["ls_rt_ms"] / f["play_rt_ms"] >= 10),
        ("Liquidsoap/ttsmix, clip, wall time", "%.0fx" % (f["ls_wall_ms"] / f["play_wall_ms"]),
         "goal >= 10x", f["ls_wall_ms"] / f["play_wall_ms"] >= 10),
        ("CPU ttsmix/audiomixer (the clip's conversion counted)",
         "%.2f" % (f["cost_ttsmix_ms"] / f["cost_audiomixer_ms"]),
         "goal <= 1", f["cost_ttsmix_ms"] <= f["cost_audiomixer_ms"]),
        ("CPU ttsmix/audiomixer, mixing alone (both above the floor)",
         "%.2f" % ((f["cost_ttsmix_ms"] - f["cost_ttsmix_conversion_ms"] - f["cost_floor_ms"])
                   / (f["cost_audiomixer_ms"] - f["cost_floor_ms"])), "", True),
    ]
    for what, value, goal, met in rows:
        verdict = (": met" if met else ": NOT met") if goal else ""
        print("  %-58s %8s  %s%s" % (what, value, goal, verdict))


if __name__ == "__main__":
    main()
