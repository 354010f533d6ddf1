#!/usr/bin/env python3
"""SDI previews: CPU of a 720p preview port against the seed's ffmpeg command, and how many
ports this machine previews in real time.

Both take the same simulated 1080i50 port (onair's simulated VideoMaster library with
picture=moving: a textured picture scrolling 8 pixels a frame, as costly to encode as camera
pictures, with the time drawn across its top):

  onair    `onair run sdi-preview -s ports=0.0`: sdisrc captures the port through the
           DELTACAST backend, deinterlaces, scales to 1280x720, x264 ultrafast/zerolatency at
           5 Mb/s, AAC 128 kb/s, hlssink2 with 1 s segments
  ffmpeg   the seed's command line (-c:v libx264 -preset ultrafast -tune zerolatency -b:v 5M
           -s 1280x720 -c:a aac -b:a 128k -f hls, the same 1 s segments), fed the same raw
           UYVY frames on its standard input by a gst-launch-1.0 sdivideosrc capturing the same
           simulated port (the feeder's own CPU is not counted; onair's includes its capture)
           and a 1 kHz tone from lavfi

CPU: user + system seconds of the process (all its threads) over the run, rounds alternating,
medians reported; the feeder's CPU is printed beside ffmpeg's, since the seed's ffmpeg does
its own capture. Then onair with 2, 3, ... ports at once: a configuration keeps real time
when every port's last complete segments hold 25 frames a second (ffprobe counts them).

Usage: meson devenv -C build -w . bench/sdi_preview_bench.py [--seconds 20] [--rounds 3]
       [--max-ports 6]
"""

import argparse
import glob
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("MESON_BUILD_ROOT", os.path.join(ROOT, "build"))
ONAIR = os.path.join(BUILD, "app", "onair")
FAKE = os.path.join(BUILD, "tests", "fakes", "videomaster", "libvideomasterhd.so")
FPS = 25  # 1080i50: 25 frames a second


def card_env(ports):
    env = dict(os.environ)
    env["ONAIR_VIDEOMASTER_LIBRARY"] = FAKE
    env["ONAIR_FAKE_VIDEOMASTER"] = "boards=1;ports=%d;signal=1080i50;picture=moving" % ports
    return env


def cpu_seconds(rusage):
    return rusage.ru_utime + rusage.ru_stime


def run_onair(ports, seconds, out):
    """onair previewing `ports` ports for `seconds`; (CPU seconds, wall seconds the process
    ran, frames a second per port)."""
    names = ",".join("0.%d" % p for p in range(ports))
    proc = subprocess.Popen([ONAIR, "run", "sdi-preview", "--no-http", "--output-dir", out,
                             "--status-interval", "0", "-s", "ports=" + names],
                            env=card_env(ports), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    _, status, rusage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    err = proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("onair failed: " + err[-2000:])
    # The playlists end whole on the interrupt and keep their last segments.
    return cpu_seconds(rusage), wall, [port_rate(out, "0.%d" % p) for p in range(ports)]


def port_rate(out, port):
    """Frames a second in the port's last three segments before the final one (None: none)."""
    playlists = glob.glob(os.path.join(out, "*", "previews", port, "playlist.m3u8"))
    if not playlists:
        return None
    with open(playlists[0]) as f:
        segments = [line.strip() for line in f if line.strip().endswith(".ts")]
    folder = os.path.dirname(playlists[0])
    frames = duration = 0.0
    for name in segments[-4:-1]:  # the newest may still be written
        info = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                               "-count_frames", "-show_entries",
                               "stream=nb_read_frames:format=duration", "-of", "json",
                               os.path.join(folder, name)],
                              capture_output=True, text=True, timeout=60)
        if info.returncode != 0:
            continue
        data = json.loads(info.stdout)
        frames += int(data["streams"][0]["nb_read_frames"])
        duration += float(data["format"]["duration"])
    return frames / duration if duration else None


def run_ffmpeg(seconds, out):
    """The seed's ffmpeg fed the simulated port's raw frames; its CPU seconds and the
    feeder's."""
    feeder = subprocess.Popen(["gst-launch-1.0", "-q", "sdivideosrc", "!", "queue", "!",
                               "fdsink", "fd=1", "sync=false"],
                              env=card_env(1), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    os.makedirs(out, exist_ok=True)
    ffmpeg = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "uyvy422", "-video_size",
         "1920x1080", "-framerate", str(FPS), "-i", "pipe:0", "-f", "lavfi", "-i",
         "sine=frequency=1000:sample_rate=48000", "-map", "0:v", "-map", "1:a", "-shortest",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-b:v", "5M",
         "-s", "1280x720", "-c:a", "aac", "-b:a", "128k", "-f", "hls", "-hls_time", "1",
         "-hls_list_size", "6", "-hls_flags", "delete_segments",
         os.path.join(out, "port_0.m3u8")],
        stdin=feeder.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    feeder.stdout.close()
    time.sleep(seconds)
    feeder.send_signal(signal.SIGINT)
    _, _, feeder_rusage = os.wait4(feeder.pid, 0)
    _, status, rusage = os.wait4(ffmpeg.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("ffmpeg failed: " + ffmpeg.stderr.read()[-2000:])
    segments = [f for f in os.listdir(out) if f.endswith(".ts")]
    if not segments:
        raise SystemExit("ffmpeg wrote no segment")
    return cpu_seconds(rusage), cpu_seconds(feeder_rusage)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-ports", type=int, default=6)
    args = parser.parse_args()
    for path in (ONAIR, FAKE):
        if not os.path.exists(path):
            raise SystemExit("missing %s: build first (meson compile -C build)" % path)

    with tempfile.TemporaryDirectory(prefix="onair-sdi-bench-") as tmp:
        print("One simulated 1080i50 port previewed at 1280x720, 5 Mb/s, %d s" % args.seconds)
        ours, theirs, feeders, rates = [], [], [], []
        for r in range(args.rounds):
            cpu, _, port_rates = run_onair(1, args.seconds, os.path.join(tmp, "onair-1-%d" % r))
            ours.append(cpu)
            rates.append(port_rates[0] or 0)
            cpu, feeder = run_ffmpeg(args.seconds, os.path.join(tmp, "ffmpeg-%d" % r))
            theirs.append(cpu)
            feeders.append(feeder)
        print("  onair sdi-preview  CPU %.1f s (%.0f %% of a core; rounds %s), %.1f frames/s"
              % (statistics.median(ours), 100 * statistics.median(ours) / args.seconds,
                 ", ".join("%.1f" % c for c in ours), min(rates)))
        print("  seed's ffmpeg      CPU %.1f s (%.0f %% of a core; rounds %s), its feeder's "
              "capture %.1f s more" % (statistics.median(theirs),
                                       100 * statistics.median(theirs) / args.seconds,
                                       ", ".join("%.1f" % c for c in theirs),
                                       statistics.median(feeders)))
        print("  ratio onair/ffmpeg CPU: %.2f (onair's capture included, ffmpeg's not); "
              "%.2f counting the feeder" % (statistics.median(ours) / statistics.median(theirs),
                                            statistics.median(ours) / (statistics.median(theirs)
                                                                        + statistics.median(feeders))))

        print("Ports previewed at once (real time: every port 25 frames a second)")
        for ports in range(2, args.max_ports + 1):
            cpu, wall, rates = run_onair(ports, args.seconds,
                                         os.path.join(tmp, "onair-%d" % ports))
            real_time = all(r is not None and r >= FPS - 0.5 for r in rates)
            print("  %d ports: CPU %.1f s in %.1f s (%.0f %% of the machine), frames/s per port "
                  "%s: %s" % (ports, cpu, wall, 100 * cpu / wall / os.cpu_count(),
                     ", ".join("%.1f" % (r or 0) for r in rates),
                     "real time" if real_time else "NOT real time"))
            if not real_time:
                break


if __name__ == "__main__":
    main()
