"""The bundled 'session' pipeline against real senders on 127.0.0.1: ffmpeg pushes MPEG-TS
(H.264 + AAC) over TCP; ffprobe judges the segments and the UDP relay.

Run through meson (`meson test -C build --suite integration`); one class per meson test.
The runs log senderlistensrc's lines (GST_DEBUG), which the tests wait on.
"""

import array
import glob
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import unittest
import wave

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from onair_test import DEADLINE, FFPROBE, Running, TempDirTest, main  # noqa: E402
from onair_test import run as run_onair  # noqa: E402
from ts_tap import TsTap  # noqa: E402

CLIP_SECONDS = 4
CLIP_FPS = 25
CUT_TIMES = (1.6, 3.2, 4.8)
LOG_ENV = dict(os.environ, GST_DEBUG="senderlistensrc:4", GST_DEBUG_NO_COLOR="1")


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_clip(path, seconds=CLIP_SECONDS, sound=True, keyframe_interval=1, preset="ultrafast"):
    """A small H.264 (+ AAC) MPEG-TS clip with a keyframe every `keyframe_interval` seconds
    (only there: no extra keyframes at scene changes), made with ffmpeg."""
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
            "testsrc2=s=320x180:r=%d:d=%g" % (CLIP_FPS, seconds)]
    if sound:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=%g" % seconds,
                 "-c:a", "aac"]
    args += ["-c:v", "libx264", "-preset", preset, "-g", str(CLIP_FPS * keyframe_interval),
             "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-f", "mpegts", path]
    subprocess.run(args, check=True, timeout=120, capture_output=True)
    return path


def make_cuts_clip(path, video_options=()):
    """Colour bars, plain orange, a test card and RGB stripes, 1.6 s each, with a tone."""
    pictures = ["smptebars=", "color=c=orange:", "testsrc=", "rgbtestsrc="]
    args = ["ffmpeg", "-v", "error", "-y"]
    for p in pictures:
        args += ["-f", "lavfi", "-i", "%ss=320x180:r=%d:d=1.6" % (p, CLIP_FPS)]
    args += ["-f", "lavfi", "-i", "sine=frequency=440:duration=6.4",
             "-filter_complex", "[0][1][2][3]concat=n=4:v=1:a=0[v]", "-map", "[v]", "-map", "4",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", str(CLIP_FPS), *video_options,
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts", path]
    subprocess.run(args, check=True, timeout=120, capture_output=True)
    return path


def send(clip, port, wait=True, muxer_options=(), container="mpegts"):
    """ffmpeg sends the clip in real time, unchanged, as a sender does."""
    proc = subprocess.Popen(["ffmpeg", "-v", "error", "-re", "-i", clip, "-c", "copy",
                             *muxer_options, "-f", container, "tcp://127.0.0.1:%d" % port],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if wait:
        _, err = proc.communicate(timeout=DEADLINE)
        if proc.returncode != 0:
            raise AssertionError("the sender failed: " + err)
    return proc


def probe(path):
    """ffprobe's streams (codec, duration) and format duration of a file."""
    out = subprocess.run([FFPROBE, "-v", "error", "-show_entries",
                          "stream=codec_name,duration:format=duration", "-of", "json", path],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError("ffprobe could not read %s: %s" % (path, out.stderr))
    info = json.loads(out.stdout)
    streams = {s["codec_name"]: float(s.get("duration", "nan")) for s in info["streams"]}
    return streams, float(info["format"].get("duration", "nan"))


def decode_errors(path):
    """What ffmpeg says when it decodes every frame of the file, but for the demuxer's notes
    that the file ends inside a fragment (a killed recording's last one): empty when all is
    well."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"],
                         capture_output=True, text=True, timeout=60)
    errors = [line for line in out.stderr.splitlines() if not line.endswith(": partial file")]
    return "\n".join(errors) or ("" if out.returncode == 0 else "exit %d" % out.returncode)


class SessionTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.session = os.path.join(self.tmp, "session")
        os.makedirs(os.path.join(self.session, "stream"))
        self.port = free_port()

    def start(self, *extra):
        run = Running("session", "--no-http", "--output-dir", self.out, "--status-interval", "0",
                      "-s", "session_dir=" + self.session,
                      "-s", "listen=127.0.0.1:%d" % self.port, *extra, env=LOG_ENV)
        run.wait_for(r"waiting for a sender on 127\.0\.0\.1:%d" % self.port)
        return run

    def segments(self):
        stream = os.path.join(self.session, "stream")
        return [os.path.join(stream, f) for f in sorted(os.listdir(stream))]

    def assert_whole_sender(self, f):
        """Segment `f` holds one sender's whole clip."""
        streams, duration = probe(f)
        self.assertEqual(sorted(streams), ["aac", "h264"], f)
        # Every frame of the sender, in its own segment, on the sender's own timing.
        self.assertAlmostEqual(streams["h264"], CLIP_SECONDS, delta=2.0 / CLIP_FPS, msg=f)
        # All its sound; a segment may end with the next sender's few sound frames that come
        # before its first keyframe, at most 2 s later (the pause kept between them).
        self.assertGreaterEqual(streams["aac"], CLIP_SECONDS - 0.1, f)
        self.assertLessEqual(duration, CLIP_SECONDS + 2.0, f)

    def stop(self, run):
        run.interrupt()
        code, _, err = run.finish()
        self.assertEqual(code, 0, err)
        return err


class SessionSenders(SessionTest):
    """Senders one after the other, and one at a time."""

    def test_a_sender_that_comes_back_gets_a_second_segment(self):
        clip = make_clip(os.path.join(self.tmp, "clip.ts"))
        run = self.start("-s", "chunk_seconds=2", "-s", "segment_start=7")
        send(clip, self.port)
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        send(clip, self.port)
        run.wait_for(r"sender 2 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        files = self.segments()
        self.assertEqual([os.path.basename(f) for f in files],
                         ["recording_007.mp4", "recording_008.mp4"])
        for f in files:
            self.assert_whole_sender(f)
        # The sound also went into WAV chunks of about two seconds.
        chunks = sorted(os.listdir(os.path.join(self.session, "audio")))
        self.assertGreaterEqual(len(chunks), 3, chunks)
        self.assertEqual(chunks[0], "chunk_0000.wav")

    def test_an_flv_sender_is_recorded_like_an_mpegts_one(self):
        # FLV (what OBS and ffmpeg push to RTMP servers) is remuxed, not re-encoded, and can
        # alternate with MPEG-TS senders in one session.
        clip = make_clip(os.path.join(self.tmp, "clip.ts"))
        run = self.start()
        send(clip, self.port, container="flv")
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        send(clip, self.port)
        run.wait_for(r"sender 2 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        files = self.segments()
        self.assertEqual(len(files), 2, files)
        for f in files:
            self.assert_whole_sender(f)
            self.assertEqual(decode_errors(f), "", f)

    def test_a_second_sender_is_refused_and_the_first_goes_on(self):
        clip = make_clip(os.path.join(self.tmp, "clip.ts"))
        run = self.start()
        first = send(clip, self.port, wait=False)
        run.wait_for(r"sender 1 connected from 127\.0\.0\.1")
        second = send(clip, self.port, wait=False)
        run.wait_for(r"Refused a second sender from 127\.0\.0\.1:\d+: sender 1 is being served")
        _, err = second.communicate(timeout=DEADLINE)
        self.assertNotEqual(second.returncode, 0, "the second sender was not refused")
        _, err = first.communicate(timeout=DEADLINE)
        self.assertEqual(first.returncode, 0, err)
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        files = self.segments()
        self.assertEqual(len(files), 1, files)
        streams, _ = probe(files[0])
        self.assertAlmostEqual(streams["h264"], CLIP_SECONDS, delta=2.0 / CLIP_FPS)

    def test_max_segment_starts_a_new_segment_within_a_sender(self):
        clip = make_clip(os.path.join(self.tmp, "clip.ts"))
        run = self.start("-s", "max_segment=2")
        send(clip, self.port)
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        files = self.segments()
        self.assertEqual(len(files), 2, files)
        for f in files:
            streams, _ = probe(f)
            self.assertAlmostEqual(streams["h264"], CLIP_SECONDS / 2, delta=2.0 / CLIP_FPS, msg=f)

    def test_senders_without_sound_with_audio_off(self):
        clip = make_clip(os.path.join(self.tmp, "silent.ts"), sound=False)
        run = self.start("-s", "audio=off")
        send(clip, self.port)
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        files = self.segments()
        self.assertEqual(len(files), 1, files)
        streams, _ = probe(files[0])
        self.assertEqual(sorted(streams), ["h264"])
        self.assertAlmostEqual(streams["h264"], CLIP_SECONDS, delta=2.0 / CLIP_FPS)
        self.assertFalse(os.path.exists(os.path.join(self.session, "audio")))


class SessionSound(SessionTest):
    def test_the_audio_chunks_joined_are_the_recorded_sound(self):
        # A rising tone (no two stretches alike, so the comparison cannot slip by a period).
        clip = os.path.join(self.tmp, "clip.ts")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=s=320x180:r=%d:d=7" % CLIP_FPS, "-f", "lavfi", "-i",
                        "aevalsrc=0.5*sin(2*PI*(200+300*t)*t):s=48000:d=7", "-c:a", "aac",
                        "-c:v", "libx264", "-preset", "ultrafast", "-g", str(CLIP_FPS),
                        "-pix_fmt", "yuv420p", "-f", "mpegts", clip],
                       check=True, timeout=120, capture_output=True)
        run = self.start("-s", "chunk_seconds=2", "-s", "audio_rate=48000",
                         "-s", "audio_channels=1")
        send(clip, self.port)
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        audio = os.path.join(self.session, "audio")
        chunks = sorted(os.listdir(audio))
        self.assertGreaterEqual(len(chunks), 3, chunks)
        joined = b""
        for name in chunks:
            with wave.open(os.path.join(audio, name)) as w:
                self.assertEqual((w.getframerate(), w.getnchannels(), w.getsampwidth()),
                                 (48000, 1, 2), name)
                joined += w.readframes(w.getnframes())
        joined = array.array("h", joined)
        # The segment's sound as ffmpeg decodes it, in the chunks' format.
        decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", self.segments()[0], "-vn",
                                  "-f", "s16le", "-ac", "1", "-ar", "48000", "-"],
                                 capture_output=True, timeout=60, check=True).stdout
        decoded = array.array("h", decoded)
        # The two may start apart by the AAC encoder's priming, which one decoder trims.
        shift = best_alignment(joined, decoded, 2048)
        a, b = (joined[shift:], decoded) if shift >= 0 else (joined, decoded[-shift:])
        self.assertLessEqual(abs(len(a) - len(b)), 1024, (len(joined), len(decoded), shift))
        n = min(len(a), len(b))
        self.assertGreater(n, 6 * 48000)
        # Sample for sample, up to the rounding of float to 16 bits (dither on one side).
        worst = max(abs(a[i] - b[i]) for i in range(n))
        self.assertLessEqual(worst, 3, "shift %d" % shift)


def best_alignment(a, b, limit):
    """The shift s (|s| <= limit) for which a[s+i] best matches b[i], over a stretch from the
    middle of both."""
    start, length = len(b) // 2, 4800

    def mismatch(s):
        return sum(abs(a[start + s + i] - b[start + i]) for i in range(0, length, 3))
    return min(range(-limit, limit + 1), key=mismatch)


class SessionRelay(SessionTest):
    def test_the_relay_is_received_on_udp(self):
        clip = make_clip(os.path.join(self.tmp, "clip.ts"), seconds=8)
        relay = free_port(socket.SOCK_DGRAM)
        run = self.start("-s", "relay_port=%d" % relay)
        listener = subprocess.Popen(
            [FFPROBE, "-v", "error", "-show_entries", "stream=codec_name", "-of", "json",
             "udp://127.0.0.1:%d" % relay], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        sender = send(clip, self.port, wait=False)
        out, err = listener.communicate(timeout=DEADLINE)
        self.assertEqual(listener.returncode, 0, err)
        codecs = sorted(s["codec_name"] for s in json.loads(out)["streams"])
        self.assertEqual(codecs, ["aac", "h264"])
        sender.communicate(timeout=DEADLINE)
        self.stop(run)


class SessionScenes(SessionTest):
    def test_each_cut_of_the_sender_gives_a_snapshot(self):
        clip = make_cuts_clip(os.path.join(self.tmp, "cuts.ts"))
        run = self.start()
        send(clip, self.port)
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        frames = os.path.join(self.session, "frames")
        with open(os.path.join(frames, "index.json"), encoding="utf-8") as f:
            index = json.load(f)
        self.assertEqual([e["id"] for e in index], ["F0001", "F0002", "F0003"])
        for entry in index:
            self.assertTrue(os.path.getsize(os.path.join(frames, entry["path"])) > 0)
        # The cuts are as far apart in the session as in the clip.
        times = [e["running_time"] for e in index]
        self.assertAlmostEqual(times[1] - times[0], CUT_TIMES[1] - CUT_TIMES[0], delta=0.1)
        self.assertAlmostEqual(times[2] - times[1], CUT_TIMES[2] - CUT_TIMES[1], delta=0.1)


class SessionKilled(SessionTest):
    def kill_and_check(self, clip, kill_at):
        """Kills the recorder once the sender's stream has reached it up to `kill_at` seconds;
        everything that reached it must play, but for the last 2 seconds at most."""
        run = self.start()
        # The sender goes through a tap that notes how far its stream has reached the recorder.
        tap = TsTap(self.port)
        sender = send(clip, tap.port, wait=False)
        while tap.latest() < kill_at:
            self.assertIsNone(run.proc.poll(), "the recorder exited")
            self.assertIsNone(sender.poll(), "the sender ended")
            time.sleep(0.01)
        run.proc.send_signal(signal.SIGKILL)
        reached = tap.latest()
        run.kill()
        sender.kill()
        sender.communicate()
        tap.close()
        streams, _ = probe(self.segments()[0])
        self.assertEqual(sorted(streams), ["aac", "h264"])
        self.assertGreaterEqual(streams["h264"], reached - 2.0, "reached %.2f s" % reached)
        self.assertGreaterEqual(streams["aac"], reached - 2.0, "reached %.2f s" % reached)
        self.assertLessEqual(streams["h264"], reached + 1.0 / CLIP_FPS)
        self.assertEqual(decode_errors(self.segments()[0]), "")

    def test_a_killed_session_keeps_all_but_the_last_two_seconds(self):
        # Killed just before a keyframe (one a second): the most a keyframe interval holds.
        self.kill_and_check(make_clip(os.path.join(self.tmp, "clip.ts"), seconds=20),
                            6.0 - 1.0 / CLIP_FPS)

    def test_a_long_keyframe_interval_is_not_held_back(self):
        # ffmpeg's own defaults (B-frames, long GOPs) with a keyframe every 10 s, killed 7 s
        # into the first interval: the segmenter must not wait for the next keyframe.
        clip = make_clip(os.path.join(self.tmp, "clip.ts"), seconds=20, keyframe_interval=10,
                         preset="veryfast")
        self.kill_and_check(clip, 7.0)


class SessionDiskFull(SessionTest):
    """Runs in a mount namespace of its own (meson starts it under `unshare`), where a small
    tmpfs stands for a disk that fills up."""

    def setUp(self):
        super().setUp()
        self.disk = os.path.join(self.tmp, "disk")
        os.makedirs(self.disk)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", self.disk],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            raise AssertionError("this test needs a mount namespace of its own (run it under "
                                 "unshare --user --map-root-user --mount): " + mounted.stderr)

    def tearDown(self):
        subprocess.run(["umount", "-l", self.disk], capture_output=True)
        super().tearDown()

    def test_a_full_disk_stops_the_session_and_keeps_what_was_recorded(self):
        # Both senders code losslessly, so they share their coding parameters; the second
        # sends noise, a couple of MB a second.
        cuts = make_cuts_clip(os.path.join(self.tmp, "cuts.ts"), video_options=("-qp", "0"))
        flood = os.path.join(self.tmp, "flood.ts")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "nullsrc=s=320x180:r=%d:d=6,geq=random(1)*255:128:128" % CLIP_FPS,
                        "-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-c:a", "aac",
                        "-c:v", "libx264", "-preset", "ultrafast", "-g", str(CLIP_FPS), "-qp", "0",
                        "-pix_fmt", "yuv420p", "-f", "mpegts", flood],
                       check=True, timeout=120, capture_output=True)
        root = os.path.join(self.disk, "sessions")
        env = dict(LOG_ENV, GST_DEBUG="senderlistensrc:4,scenedetect:4")
        run = Running("session", "--no-http", "--output-dir", self.out, "--status-interval", "0",
                      "--sessions-dir", root, "-s", "listen=127.0.0.1:%d" % self.port,
                      "-s", "chunk_seconds=2", env=env)
        run.wait_for(r"waiting for a sender on 127\.0\.0\.1:%d" % self.port)
        send(cuts, self.port)
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        run.wait_for(r"snapshot-id=\(string\)F0003")
        flooding = send(flood, self.port, wait=False)
        code, _, err = run.finish()
        flooding.communicate(timeout=DEADLINE)  # ends when the recorder goes away
        self.assertNotEqual(code, 0, err)
        self.assertIn("No space left", err)
        # The cause is told; the branches that stop after it are not each told again.
        self.assertNotIn("Internal data stream error", err)

        (session,) = os.listdir(root)
        directory = os.path.join(root, session)
        with open(os.path.join(directory, "session.json")) as f:
            record = json.load(f)
        self.assertEqual(record["id"], session)
        # The first sender's segment is whole; the second one's plays up to where the disk
        # filled, in the middle of a frame: that one is cut short, every other decodes.
        first, second = sorted(glob.glob(os.path.join(directory, "stream", "*.mp4")))
        streams, _ = probe(first)
        self.assertAlmostEqual(streams["h264"], 6.4, delta=2.0 / CLIP_FPS)
        self.assertEqual(decode_errors(first), "")
        frames, decoded = video_frames(second)
        self.assertGreater(frames, CLIP_FPS // 2)
        self.assertGreaterEqual(decoded, frames - 1)
        # The snapshots and their index are intact; every audio chunk is complete.
        with open(os.path.join(directory, "frames", "index.json")) as f:
            entries = json.load(f)
        self.assertEqual([e["id"] for e in entries], ["F0001", "F0002", "F0003"])
        for e in entries:
            self.assertEqual(jpeg_errors(os.path.join(directory, "frames", e["path"])), "")
        chunks = sorted(glob.glob(os.path.join(directory, "audio", "chunk_*.wav")))
        self.assertGreaterEqual(len(chunks), 2)
        for chunk in chunks:
            with wave.open(chunk) as w:
                frames = w.getnframes()
            self.assertEqual(os.path.getsize(chunk), 44 + 2 * frames, chunk)
        # The app still reads the session.
        code, out, err = run_onair("sessions", "show", session, "--json", "--sessions-dir", root)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["id"], session)


def video_frames(path):
    """(video frames in the file, frames of them that decode), as ffprobe counts them."""
    out = subprocess.run([FFPROBE, "-v", "quiet", "-count_frames", "-count_packets",
                          "-select_streams", "v", "-show_entries",
                          "stream=nb_read_packets,nb_read_frames", "-of", "json", path],
                         capture_output=True, text=True, timeout=60)
    stream = json.loads(out.stdout)["streams"][0]
    return int(stream["nb_read_packets"]), int(stream["nb_read_frames"])


def jpeg_errors(path):
    """What ffmpeg says when it decodes the picture: empty when all is well."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"],
                         capture_output=True, text=True, timeout=30)
    return out.stderr.strip() or ("" if out.returncode == 0 else "exit %d" % out.returncode)


class SessionGarbage(SessionTest):
    """What is not a media stream is dropped with a clear line; the session goes on."""

    def connect_and_send(self, data, close=True):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.sendall(data)
        if close:
            s.close()
        return s

    def test_garbage_then_a_real_sender(self):
        clip = make_clip(os.path.join(self.tmp, "clip.ts"))
        run = self.start()
        # Random bytes, the same each run: some random bytes look like a text format to
        # GStreamer's type finders (a refusal as well, with another reason).
        self.connect_and_send(random.Random(1).randbytes(20000))
        run.wait_for(r"Sender 1 \(127\.0\.0\.1:\d+\) sent no media stream \(20000 bytes")
        # An HTTP request.
        self.connect_and_send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        run.wait_for(r'Sender 2 \(127\.0\.0\.1:\d+\) sent no media stream \(\d+ bytes '
                     r'beginning "GET / HTTP/1.1..Host')
        # A truncated MPEG-TS that stops in the middle of a packet.
        with open(clip, "rb") as f:
            head = f.read(188 * 300 + 100)
        self.connect_and_send(head)
        run.wait_for(r"sender 3 \(127\.0\.0\.1:\d+\) left: closed after %d bytes" % len(head))
        # Then a real sender: recorded in full, in a segment of its own.
        send(clip, self.port)
        run.wait_for(r"sender 4 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        files = self.segments()
        self.assertEqual(len(files), 2, files)
        streams, _ = probe(files[-1])
        self.assertAlmostEqual(streams["h264"], CLIP_SECONDS, delta=2.0 / CLIP_FPS)
        probe(files[0])

    def test_senders_the_recording_cannot_take_are_refused(self):
        clip = make_clip(os.path.join(self.tmp, "clip.ts"))
        silent = make_clip(os.path.join(self.tmp, "silent.ts"), sound=False)
        larger = os.path.join(self.tmp, "larger.ts")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=s=640x360:r=%d:d=2" % CLIP_FPS, "-f", "lavfi", "-i",
                        "sine=sample_rate=44100:duration=2", "-ac", "2", "-c:a", "aac",
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                        "-f", "mpegts", larger], check=True, timeout=120, capture_output=True)
        run = self.start()
        send(clip, self.port)
        run.wait_for(r"sender 1 \(127\.0\.0\.1:\d+\) left: closed")
        # Other stream PIDs: the demuxer would end its streams, and the session with them.
        refused = send(clip, self.port, wait=False, muxer_options=("-mpegts_start_pid", "0x200"))
        run.wait_for(r"Sender 2 \(127\.0\.0\.1:\d+\) sends other streams \(video 0x200 "
                     r"\(H\.264\), audio 0x201 \(AAC\)\) than the first sender \(video 0x100 "
                     r"\(H\.264\), audio 0x101 \(AAC\)\)")
        refused.communicate(timeout=DEADLINE)
        # No sound while the session records sound: the segment would wait for it forever.
        refused = send(silent, self.port, wait=False)
        run.wait_for(r"Sender 3 \(127\.0\.0\.1:\d+\) sends no sound \(video 0x100 \(H\.264\)\)")
        refused.communicate(timeout=DEADLINE)
        # Another picture size and sound format: a segment file keeps one of each, and the
        # file before would be damaged by the muxer taking the new ones.
        refused = send(larger, self.port, wait=False)
        run.wait_for(r"Sender 4 \(127\.0\.0\.1:\d+\) codes its streams with other parameters "
                     r"\(H\.264 profile \d+ level [\d.]+, AAC 44100 Hz 2 channels\) than the "
                     r"first sender \(H\.264 profile \d+ level [\d.]+, AAC 48000 Hz 1 channel\)")
        refused.communicate(timeout=DEADLINE)
        send(clip, self.port)
        run.wait_for(r"sender 5 \(127\.0\.0\.1:\d+\) left: closed")
        self.stop(run)
        files = self.segments()
        self.assertEqual(len(files), 2, files)
        for f in files:
            streams, _ = probe(f)
            self.assertAlmostEqual(streams["h264"], CLIP_SECONDS, delta=2.0 / CLIP_FPS, msg=f)
            self.assertEqual(decode_errors(f), "")


if __name__ == "__main__":
    main(sys.modules[__name__])
