"""Going live against a real RTMP server (nginx-rtmp on 127.0.0.1, started
here): platform pipelines, reconnection through server restarts, simulcast
with a destination down, RTMPS, platform limits, and the stream key kept out
of every output. ffprobe judges what the server received.
"""

import json
import os
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, HERE)
import subprocess  # noqa: E402

from onair_test import Running, TempDirTest, http_get, main, run  # noqa: E402
from rtmp_server import RtmpServer, duration, packet_times, probe_streams  # noqa: E402

KEY = "live_8c1f0e9d2b7a_streamkey"


class LiveTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.seen = []  # every text onair showed: checked for the key at the end

    def tearDown(self):
        try:
            for text in self.seen:
                self.assertNotIn(KEY, text, "the stream key leaked")
        finally:
            super().tearDown()

    def start(self, pipeline, *sets, key=KEY, env_name="STREAM_KEY", extra_env=None, wrapper=()):
        env = dict(os.environ, **{env_name: key}, **(extra_env or {}))
        args = [pipeline, "--http", "127.0.0.1:0", "--output-dir", self.out,
                "--status-interval", "1", "-s", "quality=low"]
        for s in sets:
            args += ["-s", s]
        r = Running(*args, env=env, wrapper=wrapper)
        r.url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
        return r

    def output_pipeline(self, name, pattern="smpte", encoder="key-int-max=30", sink=""):
        """A small test pipeline file: a 320x240 picture and a tone into one
        resilientrtmpsink named `out` (variables `key` and `server`)."""
        path = os.path.join(self.tmp, name + ".pipeline")
        with open(path, "w") as f:
            f.write("""name: %s
var key: required secret
var server: required
---
videotestsrc is-live=true pattern=%s ! video/x-raw,width=320,height=240,framerate=30/1
  ! x264enc tune=zerolatency speed-preset=ultrafast %s ! h264parse ! out.video
audiotestsrc is-live=true ! audioconvert ! voaacenc ! aacparse ! out.audio
resilientrtmpsink name=out location="${server}/${key}" %s
""" % (name, pattern, encoder, sink))
        return path

    def make_clip(self, name, sound=True):
        """A 12 s 320x240 H.264 clip (with a 300 Hz AAC tone) in the test's directory."""
        path = os.path.join(self.tmp, name)
        sound_input = ["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000:duration=12"]
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=320x240:rate=25:duration=12",
                        *(sound_input if sound else []), "-c:v", "libx264", "-preset", "ultrafast",
                        *(["-c:a", "aac", "-shortest"] if sound else []), path], check=True)
        return path

    def start_file(self, path, server_url):
        """Runs a test's own pipeline file (variables `key` and `server`)."""
        r = Running(path, "--http", "127.0.0.1:0", "--output-dir", self.out,
                    "--status-interval", "0", "-s", "key=env:STREAM_KEY",
                    "-s", "server=" + server_url, env=dict(os.environ, STREAM_KEY=KEY))
        r.url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
        return r

    def status(self, r):
        _, _, body = http_get(r.url + "api/status")
        self.seen.append(body.decode())
        return json.loads(body)

    def metrics(self, r):
        _, _, body = http_get(r.url + "metrics")
        self.seen.append(body.decode())
        return body.decode()

    def wait_output(self, r, name, state, timeout=20, reconnects=None, frames_sent=None):
        """Polls /api/status until output `name` is in `state` (with that many
        reconnects, and more than `frames_sent` frames sent); returns it."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            outputs = {o["name"]: o for o in self.status(r)["outputs"]}
            o = outputs.get(name)
            if (o and o["state"] == state
                    and (frames_sent is None or o["frames_sent"] > frames_sent)
                    and (reconnects is None or o["reconnects"] == reconnects)):
                return o
            time.sleep(0.1)
        raise AssertionError("output %s never reached %s: %s" % (name, state, outputs))

    def stop(self, r):
        r.interrupt()
        code, out, err = r.finish()
        self.seen += [out, err]
        self.assertEqual(code, 0, err)
        return err

    def check_received(self, path, width, height, fps=30, keyframe_interval=2.0):
        streams = probe_streams(path)
        v, a = streams["video"], streams["audio"]
        self.assertEqual(v["codec_name"], "h264")
        self.assertEqual((v["width"], v["height"]), (width, height))
        self.assertEqual(v["r_frame_rate"], "%d/1" % fps)
        self.assertEqual(a["codec_name"], "aac")
        self.assertEqual(int(a["sample_rate"]), 44100)
        self.assertEqual(a["channels"], 2)
        keys = [t for t, k in packet_times(path) if k]
        self.assertGreaterEqual(len(keys), 2, "too short to see the keyframe interval")
        gaps = [b - a for a, b in zip(keys, keys[1:])]
        for g in gaps:
            self.assertAlmostEqual(g, keyframe_interval, delta=0.05)


class Platforms(LiveTest):
    """Each platform pipeline, pointed at the local server, publishes what the
    platform asks for. They run at the same time to keep the suite short."""

    def test_every_platform_pipeline(self):
        with RtmpServer(tls=True) as server:
            cases = {
                "x": ["server=" + server.tls_url, "insecure=on"],
                "youtube": ["server=" + server.url],
                "twitch": ["server=" + server.url],
                "rtmp": ["server=" + server.url],
            }
            runs = {}
            for name, sets in cases.items():
                runs[name] = self.start(name, "key=env:STREAM_KEY", *sets, key=KEY + "_" + name)
            for name, r in runs.items():
                self.wait_output(r, "live", "live")
            time.sleep(5)
            for name, r in runs.items():
                # Four encoders at once may run behind real time on a slow machine.
                o = self.wait_output(r, "live", "live", frames_sent=90, timeout=60)
                self.assertGreater(o["bitrate"], 200000)  # ~928 kbit/s for quality=low
                self.assertGreater(o["uptime"], 3)
                self.assertGreater(o["encoding_latency_ms"], 0)  # capture to send
                self.assertIn("onair_output_live{", self.metrics(r))
                err = self.stop(r)
                self.assertIn("live", err)
            for name in cases:
                (path,) = server.recordings(KEY + "_" + name)
                self.check_received(path, 640, 360)


class Presets(LiveTest):
    """Every platform pipeline encodes each quality preset as seed 000 set it, with a
    keyframe every 2 s and AAC at 128 kbit/s, or refuses it where the platform does."""

    QUALITIES = {"low": (640, 360, 30, 800), "medium": (854, 480, 30, 1500),
                 "high": (1920, 1080, 30, 6000), "ultra": (1920, 1080, 60, 8000)}

    def test_every_quality_of_every_platform(self):
        import re
        env = dict(os.environ, STREAM_KEY=KEY)
        for platform in ("x", "youtube", "twitch", "rtmp", "hls", "simulcast"):
            for quality, (w, h, fps, kbps) in self.QUALITIES.items():
                args = ["check", platform, "-s", "quality=" + quality]
                if platform == "simulcast":
                    args += ["-s", "x_key=env:STREAM_KEY", "-s", "youtube_key=env:STREAM_KEY"]
                elif platform != "hls":
                    args += ["-s", "key=env:STREAM_KEY"]
                if platform == "rtmp":
                    args += ["-s", "server=rtmp://127.0.0.1/live"]
                code, out, err = run(*args, env=env)
                self.seen += [out, err]
                where = "%s %s" % (platform, quality)
                if platform == "twitch" and quality == "ultra":
                    self.assertEqual(code, 2, where)
                    self.assertIn("Twitch accepts at most 6000 kbit/s", err)
                    continue
                self.assertEqual(code, 0, where + ": " + err)
                text = (out + err).replace("\\", "")
                self.assertIn("format=(string)I420, width=(int)%d, height=(int)%d, "
                              "framerate=(fraction)%d/1" % (w, h, fps), text, where)
                encoder = text[text.index("(x264enc)"):]
                self.assertEqual(re.search(r"bitrate=(\d+)", encoder).group(1), str(kbps), where)
                self.assertEqual(re.search(r"key-int-max=(\d+)", encoder).group(1),
                                 str(fps * 2), where)
                self.assertIn("speed-preset=veryfast", encoder)
                self.assertIn("tune=Zero latency", encoder)
                self.assertNotIn("(voaacenc)\n    bitrate=", text, where)  # 128000, the default


class Reconnect(LiveTest):
    def test_three_server_restarts_during_one_stream(self):
        server = RtmpServer()
        try:
            server.start()
            r = self.start("rtmp", "key=env:STREAM_KEY", "server=" + server.url, "record=on")
            r.wait_for(r"^playing")
            started = time.monotonic()
            self.wait_output(r, "live", "live")
            for restart in range(1, 4):
                time.sleep(2)
                server.kill()
                self.wait_output(r, "live", "reconnecting")
                time.sleep(1)
                server.start()
                o = self.wait_output(r, "live", "live", reconnects=restart)
                self.assertEqual(o["location"], server.url + "/***")
            time.sleep(2)
            o = self.wait_output(r, "live", "live")
            self.assertGreater(o["frames_sent"], 100)
            self.assertGreater(o["frames_dropped"], 0)
            r.interrupt()
            stopped = time.monotonic()
            code, out, err = r.finish()
            self.seen += [out, err]
            self.assertEqual(code, 0, err)
            self.assertEqual(err.count("(" + server.url + "/***): live"), 4, err)

            # Every connection started on a keyframe, as a fresh publish at time 0.
            recordings = server.recordings(KEY)
            self.assertEqual(len(recordings), 4)
            for path in recordings:
                packets = packet_times(path)
                self.assertTrue(packets[0][1], "%s does not start on a keyframe" % path)
                self.assertLess(packets[0][0], 0.1)

            # The local recording went on through all of it.
            (run_dir,) = self.runs()
            local = os.path.join(self.out, run_dir, "recording.mp4")
            self.assertAlmostEqual(duration(local), stopped - started, delta=1.0)
            times = [t for t, _ in packet_times(local)]
            steps = [b - a for a, b in zip(times, times[1:])]
            self.assertLess(max(steps), 0.05, "the local recording has a gap")
        finally:
            server.close()


class DebugLog(LiveTest):
    def test_gstreamer_debug_output_hides_the_key(self):
        # Elements log their locations and the launch line at these levels.
        debug = {"GST_DEBUG": "GST_PIPELINE:4,rtmp*:5,resilientrtmpsink:6"}
        with RtmpServer() as server:
            r = self.start("rtmp", "key=env:STREAM_KEY", "server=" + server.url, extra_env=debug)
            self.wait_output(r, "live", "live")
            err = self.stop(r)  # checked for the key with everything else
            self.assertIn("rtmp2locationhandler", err)  # the debug log did run
            self.assertIn(server.url + "/***", err)

    def test_a_secret_url_hides_its_stream_name_in_the_debug_output(self):
        # rtmp-capture's secret is the whole URL; the RTMP client also logs the
        # stream name (the key) on its own.
        debug = {"GST_DEBUG": "rtmp*:5"}
        with RtmpServer() as server:
            publisher = self.start("rtmp", "key=env:STREAM_KEY", "server=" + server.url)
            self.wait_output(publisher, "live", "live")
            env = dict(os.environ, STREAM_URL=server.url + "/" + KEY, **debug)
            r = Running("rtmp-capture", "-s", "url=env:STREAM_URL", "--no-http",
                        "--output-dir", self.out, env=env)
            r.wait_for(r"Sending play for '\*\*\*'")  # the client did log the stream name
            self.stop(r)  # checked for the key with everything else
            self.stop(publisher)


class ServerComesBack(LiveTest):
    """However long the backoff has grown, a server that accepts connections
    again is used at once: the output checks it while it waits."""

    def test_reconnects_long_before_its_backoff_delay(self):
        path = self.output_pipeline(
            "patient", sink="retry-initial=60000000000 retry-max=60000000000")
        server = RtmpServer()
        try:
            server.start()
            r = self.start_file(path, server.url)
            self.wait_output(r, "out", "live")
            server.kill()
            # The first retry is due in 48 to 72 s (60 s +- 20 %).
            delay = float(r.wait_for(r"reconnecting, attempt \d+ in ([0-9.]+) s").group(1))
            self.assertGreater(delay, 45)
            time.sleep(2)
            server.start()
            self.wait_output(r, "out", "live", timeout=20, reconnects=1)
            self.stop(r)
        finally:
            server.close()


class ReconnectCommand(LiveTest):
    def control(self, r, body):
        import urllib.error
        import urllib.request
        token_file = os.path.join(os.environ["XDG_CONFIG_HOME"], "onair", "api-token")
        with open(token_file) as f:
            token = f.read().strip()
        req = urllib.request.Request(r.url + "api/outputs/reconnect", data=body.encode(),
                                     method="POST",
                                     headers={"Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


    def test_the_api_reconnects_an_output_at_once(self):
        with RtmpServer() as server:
            r = self.start("rtmp", "key=env:STREAM_KEY", "server=" + server.url)
            live = "(" + server.url + "/***): live"
            r.wait_for_count(live, 1)
            time.sleep(1)
            self.assertEqual(self.control(r, '{"output":"nope"}'),
                             (404, {"ok": False, "error": "no output named 'nope' (outputs: live)"}))
            self.assertEqual(self.control(r, '{"output":"live"}'), (200, {"ok": True}))
            r.wait_for_count(live, 2)
            time.sleep(1)
            self.assertEqual(self.control(r, ""), (200, {"ok": True}))  # every output
            r.wait_for_count(live, 3)
            time.sleep(1)
            err = self.stop(r)
            self.assertEqual(err.count("(" + server.url + "/***): live"), 3, err)
            # A fresh publish each time, each starting on a keyframe.
            recordings = server.recordings(KEY)
            self.assertEqual(len(recordings), 3)
            for path in recordings:
                self.assertTrue(packet_times(path)[0][1])


    def test_the_api_revives_an_output_that_gave_up(self):
        server = RtmpServer()  # not started yet: connections are refused
        try:
            r = self.start("rtmp", "key=env:STREAM_KEY", "server=" + server.url, "max_attempts=2")
            o = self.wait_output(r, "live", "failed")
            self.assertEqual(o["attempt"], 2)
            server.start()
            time.sleep(1)
            self.assertEqual(self.wait_output(r, "live", "failed")["attempt"], 2)  # stays down
            self.assertEqual(self.control(r, '{"output":"live"}'), (200, {"ok": True}))
            self.wait_output(r, "live", "live")
            err = self.stop(r)
            self.assertIn("Giving up on " + server.url + "/*** after 2 attempts", err)
        finally:
            server.close()


class KeyframeRequest(LiveTest):
    def test_each_connection_asks_the_encoder_for_its_first_keyframe(self):
        # The encoder's own keyframes are minutes apart here: only the output's
        # request can start its connections.
        path = self.output_pipeline("longgop", encoder="key-int-max=100000")
        server = RtmpServer()
        try:
            server.start()
            r = self.start_file(path, server.url)
            time.sleep(3)  # past the encoder's first keyframe
            self.wait_output(r, "out", "live", timeout=15)
            server.kill()
            self.wait_output(r, "out", "reconnecting")
            server.start()
            self.wait_output(r, "out", "live", timeout=15, reconnects=1)
            time.sleep(1)
            self.stop(r)
            recordings = server.recordings(KEY)
            self.assertEqual(len(recordings), 2)
            for rec in recordings:
                self.assertTrue(packet_times(rec)[0][1], rec)
        finally:
            server.close()


class FrozenServer(LiveTest):
    """A server that stops reading without closing the connection (frozen, or a
    network that drops everything): the output must notice within its timeout,
    reconnect, and be live again when the server is."""

    def test_stall_is_detected_and_survived(self):
        path = self.output_pipeline("stall", pattern="snow", encoder="bitrate=2000 key-int-max=30",
                                    sink="timeout=2")
        with RtmpServer(rcvbuf=4096) as server:
            r = self.start_file(path, server.url)
            self.wait_output(r, "out", "live")
            time.sleep(1)
            server.freeze()
            try:
                o = self.wait_output(r, "out", "reconnecting", timeout=30)
                # The socket write that cannot complete times out after `timeout`.
                self.assertIn("timed out", o["last_error"])
            finally:
                server.thaw()
            o = self.wait_output(r, "out", "live", timeout=30, reconnects=1)
            self.stop(r)


class Simulcast(LiveTest):
    def test_one_destination_down_disturbs_no_other(self):
        up = RtmpServer()
        down = RtmpServer()  # never started: its port refuses connections
        try:
            up.start()
            r = self.start("simulcast", "custom_key=env:STREAM_KEY", "custom_server=" + up.url,
                           "x_key=env:STREAM_KEY", "x_server=" + down.url, "record=on")
            r.wait_for(r"^playing")
            self.wait_output(r, "custom", "live")
            time.sleep(6)
            # Between attempts "reconnecting"; an attempt in progress is "connecting".
            end = time.monotonic() + 20
            while True:
                outputs = {o["name"]: o for o in self.status(r)["outputs"]}
                if outputs["x"]["state"] == "reconnecting" and outputs["x"]["attempt"] > 2:
                    break
                self.assertLess(time.monotonic(), end, outputs)
                time.sleep(0.1)
            self.assertEqual(outputs["custom"]["state"], "live")
            self.assertEqual(outputs["custom"]["reconnects"], 0)
            self.stop(r)
            (path,) = up.recordings(KEY)
            times = [t for t, _ in packet_times(path)]
            self.assertGreater(times[-1] - times[0], 5)
            steps = [b - a for a, b in zip(times, times[1:])]
            self.assertLess(max(steps), 0.05, "the live destination has a gap")
            (run_dir,) = self.runs()
            self.assertGreater(duration(os.path.join(self.out, run_dir, "recording.mp4")), 5)
        finally:
            up.close()
            down.close()


    def test_a_frozen_destination_leaves_the_others_keyframes_alone(self):
        # The outputs share one encoder: a destination that hangs must not ask
        # it for keyframes while it waits, or every other output gets them.
        up = RtmpServer()
        frozen = RtmpServer()
        try:
            up.start()
            frozen.start()
            frozen.freeze()  # accepts connections (the kernel does), answers nothing
            r = self.start("simulcast", "custom_key=env:STREAM_KEY", "custom_server=" + up.url,
                           "x_key=env:STREAM_KEY", "x_server=" + frozen.url)
            self.wait_output(r, "custom", "live")
            time.sleep(15)
            err = self.stop(r)
            frozen.thaw()
            self.assertNotIn("(" + frozen.url + "/***): live", err)
            x_connects = err.count("(" + frozen.url + "/***): connecting")
            (path,) = up.recordings(KEY)
            keys = [t for t, k in packet_times(path) if k]
            self.assertGreaterEqual(keys[-1] - keys[0], 11.9)  # at least 7 keyframes
            gaps = [b - a for a, b in zip(keys, keys[1:])]
            # At most one asked-for keyframe per connection the frozen output
            # opens; the encoder's own come every 2 s.
            early = [g for g in gaps if g < 1.95]
            self.assertLessEqual(len(early), x_connects, gaps)
        finally:
            up.close()
            frozen.close()


class Rtmps(LiveTest):
    def test_self_signed_certificate_is_refused_unless_allowed(self):
        with RtmpServer(tls=True) as server:
            r = self.start("rtmp", "key=env:STREAM_KEY", "server=" + server.tls_url)
            r.wait_for(r"^playing")
            o = self.wait_output(r, "live", "reconnecting")
            self.assertRegex(o["last_error"].lower(), r"certificate|tls|handshake")
            err = self.stop(r)
            self.assertNotIn("): live", err)
            self.assertEqual(server.recordings(KEY), [])

    def test_a_certificate_from_a_trusted_authority_is_accepted(self):
        # Validation stays on. For this run alone, the test's authority is the
        # system's trusted one: bound over the system bundle in a mount
        # namespace of its own (root only).
        bundle = "/etc/ssl/certs/ca-certificates.crt"
        try:
            probe = subprocess.run(["unshare", "-m", "--propagation", "private", "mount",
                                    "--bind", bundle, bundle], capture_output=True).returncode
        except OSError:  # no unshare
            probe = -1
        if probe != 0:
            self.skipTest("trusting a test authority needs a bind mount over " + bundle)
        with RtmpServer(tls="ca") as server:
            wrapper = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                       'mount --bind "$1" "$2" && shift 2 && exec "$@"', "trust", server.ca_file, bundle]
            r = self.start("x", "key=env:STREAM_KEY", "server=" + server.tls_url, wrapper=wrapper)
            self.wait_output(r, "live", "live", frames_sent=100)
            err = self.stop(r)
            self.assertIn("(" + server.tls_url + "/***): live", err)
            (path,) = server.recordings(KEY)
            self.check_received(path, 640, 360)

    def test_limits_are_checked_before_connecting(self):
        code, out, err = run("run", "x", "-s", "key=env:STREAM_KEY", "-s", "keyframe_interval=4",
                             "--no-http", "--output-dir", self.out,
                             env=dict(os.environ, STREAM_KEY=KEY))
        self.seen += [out, err]
        self.assertEqual(code, 2)
        self.assertIn("X needs a keyframe at least every 3 seconds (keyframe_interval is 4", err)
        code, out, err = run("run", "twitch", "-s", "key=env:STREAM_KEY", "-s", "quality=ultra",
                             "--no-http", "--output-dir", self.out,
                             env=dict(os.environ, STREAM_KEY=KEY))
        self.seen += [out, err]
        self.assertEqual(code, 2)
        self.assertIn("Twitch accepts at most 6000 kbit/s of video (bitrate is 8000", err)
        # Simulcast checks the limits of every platform it sends to, and only those.
        for platform, message in (("x", "X accepts at most 1920x1080 (width is 2560"),
                                  ("twitch", "Twitch accepts at most 1920x1080 (width is 2560")):
            code, out, err = run("run", "simulcast", "-s", platform + "_key=env:STREAM_KEY",
                                 "-s", "width=2560", "-s", "height=1440", "-s", "bitrate=5000",
                                 "--no-http", "--output-dir", self.out,
                                 env=dict(os.environ, STREAM_KEY=KEY))
            self.seen += [out, err]
            self.assertEqual(code, 2, err)
            self.assertIn(message, err)
        code, out, err = run("check", "simulcast", "-s", "youtube_key=env:STREAM_KEY",
                             "-s", "width=2560", "-s", "height=1440",
                             env=dict(os.environ, STREAM_KEY=KEY))
        self.seen += [out, err]
        self.assertEqual(code, 0, err)
        self.assertEqual(self.runs(), [])


class HlsFromFile(LiveTest):
    """The HLS pull output, fed from a file: segments of the keyframe interval,
    six in the playlist, older ones deleted, a finished playlist at the end."""

    def test_file_to_hls(self):
        source = self.make_clip("talk.mp4")
        r = self.start("hls", "source=file", "file=" + source, "keyframe_interval=1")
        r.wait_for(r"^playing")
        started = time.monotonic()
        deadline = time.monotonic() + 20
        playlist = b""
        while time.monotonic() < deadline and playlist.count(b".ts") < 6:
            time.sleep(0.5)
            _, _, playlist = http_get(r.url + "hls/playlist.m3u8")
        self.assertEqual(playlist.count(b"#EXTINF"), 6, playlist)
        self.assertIn(b"#EXT-X-TARGETDURATION:1", playlist)
        code, out, err = r.finish()  # the file ends by itself
        self.seen += [out, err]
        self.assertEqual(code, 0, err)
        # A file plays in real time, as a live source would (12 s here).
        self.assertGreater(time.monotonic() - started, 10)
        self.assertIn("end of stream", err)
        (run_dir,) = self.runs()
        directory = os.path.join(self.out, run_dir)
        with open(os.path.join(directory, "playlist.m3u8")) as f:
            final = f.read()
        self.assertIn("#EXT-X-ENDLIST", final)
        segments = sorted(n for n in os.listdir(directory) if n.endswith(".ts"))
        self.assertLessEqual(len(segments), 8, "old segments must be deleted")
        self.assertNotIn("segment00000.ts", segments)
        streams = probe_streams(os.path.join(directory, segments[-2]))
        self.assertEqual((streams["video"]["width"], streams["video"]["height"]), (640, 360))
        self.assertEqual(int(streams["audio"]["sample_rate"]), 44100)


class Sources(LiveTest):
    def test_uri_source_goes_live(self):
        source = self.make_clip("clip.mkv")
        with RtmpServer() as server:
            r = self.start("rtmp", "key=env:STREAM_KEY", "server=" + server.url, "source=uri",
                           "uri=file://" + source)
            self.wait_output(r, "live", "live")
            code, out, err = r.finish()  # the clip ends by itself
            self.seen += [out, err]
            self.assertEqual(code, 0, err)
            (path,) = server.recordings(KEY)
            self.assertGreater(duration(path), 6)
            self.check_received(path, 640, 360)

    def test_file_without_sound_goes_live_and_ends(self):
        source = self.make_clip("silent.mp4", sound=False)
        with RtmpServer() as server:
            r = self.start("rtmp", "key=env:STREAM_KEY", "server=" + server.url, "source=file",
                           "file=" + source)
            code, out, err = r.finish()  # ends with the file, though no sound ever came
            self.seen += [out, err]
            self.assertEqual(code, 0, err)
            # Live while the file plays, not only once it has ended.
            live = err.find("(" + server.url + "/***): live")
            self.assertGreater(live, 0, err)
            self.assertGreater(err.find("end of stream"), live, err)
            (path,) = server.recordings(KEY)
            self.assertGreater(duration(path), 3)
            self.assertEqual(list(probe_streams(path)), ["video"])

    def test_app_source_is_refused_by_the_app(self):
        # Nothing in `onair run` pushes into source=app's feedsrc elements:
        # refused at once instead of streaming black forever.
        code, out, err = run("run", "rtmp", "-s", "key=env:STREAM_KEY", "-s", "server=rtmp://h/a",
                             "-s", "source=app", "--no-http", "--output-dir", self.out,
                             env=dict(os.environ, STREAM_KEY=KEY))
        self.seen += [out, err]
        self.assertEqual(code, 2)
        self.assertIn("which 'onair run' cannot do", err)
        self.assertIn("feedsrc 'audio_in' has no location", err)
        self.assertEqual(self.runs(), [])
        code, out, err = run("check", "rtmp", "-s", "key=env:STREAM_KEY", "-s", "server=rtmp://h/a",
                             "-s", "source=app", env=dict(os.environ, STREAM_KEY=KEY))
        self.seen += [out, err]
        self.assertEqual(code, 0, err)
        self.assertIn("feedsrc name=video_in", out + err)
        # A bot's own process feeds source=pipe; standard input cannot carry
        # both its frames and control commands.
        code, out, err = run("run", "rtmp", "-s", "key=env:STREAM_KEY", "-s", "server=rtmp://h/a",
                             "-s", "source=pipe", "--control", "stdin", "--no-http",
                             "--output-dir", self.out, env=dict(os.environ, STREAM_KEY=KEY))
        self.seen += [out, err]
        self.assertEqual(code, 2)
        self.assertIn("feedsrc 'video_in' reads standard input", err)
        self.assertEqual(self.runs(), [])


class Embedding(LiveTest):
    """The example programs of docs/embedding.md, and the rtmp-capture pipeline."""

    def wait_published(self, server, who):
        # nginx records from the moment a stream is published.
        end = time.monotonic() + 20
        while not server.recordings(KEY):
            self.assertLess(time.monotonic(), end, who + " never published")
            time.sleep(0.1)

    def start_capture_app(self, env):
        r = Running("rtmp-capture", "-s", "url=env:STREAM_URL", "--http", "127.0.0.1:0",
                    "--output-dir", self.out, env=env)
        r.url = r.wait_for(r"open (http://\S+)").group(1)
        r.wait_for(r"^playing")
        return r

    def wait_monitors(self, r, ready):
        """Polls the app's monitors (by name) until ready(monitors); returns them."""
        end = time.monotonic() + 20
        while True:
            monitors = {m["name"]: m for m in self.status(r)["monitors"]}
            if ready(monitors):
                return monitors
            self.assertLess(time.monotonic(), end, monitors)
            time.sleep(0.2)

    def run_capture_example(self, url, seconds, env):
        """Runs examples/capture_frames; returns its summary line as a dict."""
        got = subprocess.run([os.environ["CAPTURE_FRAMES"], url, str(seconds)], env=env,
                             capture_output=True, text=True, timeout=30)
        self.seen += [got.stdout, got.stderr]
        self.assertEqual(got.returncode, 0, got.stderr)
        return dict(kv.split("=") for kv in got.stdout.splitlines()[-1].split())

    def test_push_frames_then_capture_them(self):
        push, capture = os.environ.get("PUSH_FRAMES"), os.environ.get("CAPTURE_FRAMES")
        if not push or not capture:
            self.skipTest("examples not built")
        with RtmpServer() as server:
            env = dict(os.environ, ONAIR_STREAM_KEY=KEY, STREAM_URL=server.url + "/" + KEY)
            pusher = subprocess.Popen([push, server.url, "40"], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            try:
                self.wait_published(server, "push_frames")
                # The monitor, then the capture example, one subscriber at a time.
                monitor = self.start_capture_app(env)
                # The first figures come once a whole second of frames has been seen.
                monitors = self.wait_monitors(monitor, lambda m: m.get("video", {}).get("fps")
                                              and m.get("audio", {}).get("media"))
                self.assertAlmostEqual(monitors["video"]["fps"], 30, delta=3)
                self.assertEqual(monitors["audio"]["media"], "audio/mpeg")
                self.stop(monitor)
                # Up to a 2 s wait for the next keyframe (and, rarely, one rejoin
                # after 3 s without a picture), then frames.
                summary = self.run_capture_example(server.url, 8, env)
                self.assertGreater(int(summary["frames"]), 60)
                self.assertEqual(summary["size"], "640x360")
                self.assertGreater(int(summary["audio_samples"]), 16000)
                # Every frame but the first one or two (before sound arrives) has its audio.
                self.assertGreaterEqual(int(summary["pairs"]), int(summary["frames"]) - 2)
                out, err = pusher.communicate(timeout=30)
            finally:
                if pusher.poll() is None:
                    pusher.kill()
            self.seen += [out, err]
            self.assertEqual(pusher.returncode, 0, err)
            self.assertIn("output live rtmp://127.0.0.1:%d/live/***" % server.port, out)
            self.assertIn("pushed 1200 frames: 1200 sent, 0 dropped", out)

    def test_a_stream_without_sound_is_captured(self):
        if not os.environ.get("CAPTURE_FRAMES"):
            self.skipTest("examples not built")
        with RtmpServer() as server:
            env = dict(os.environ, ONAIR_STREAM_KEY=KEY, STREAM_URL=server.url + "/" + KEY)
            publisher = subprocess.Popen(
                ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                 "testsrc2=size=320x240:rate=30", "-c:v", "libx264", "-preset", "ultrafast",
                 "-g", "30", "-t", "25", "-f", "flv", server.url + "/" + KEY],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                self.wait_published(server, "ffmpeg")
                # The example: frames, no sound, and no wait for it per frame.
                summary = self.run_capture_example(server.url, 6, env)
                self.assertGreater(int(summary["frames"]), 60)
                self.assertEqual(summary["audio_samples"], "0")

                # The app's pipeline plays the picture without waiting for sound...
                monitor = self.start_capture_app(env)
                monitors = self.wait_monitors(
                    monitor, lambda m: m.get("video", {}).get("buffers", 0) > 30)
                self.assertNotIn("audio", monitors)
                # ...and ends when the publisher does, though no sound ever came.
                code, out, err = monitor.finish()
                self.seen += [out, err]
                self.assertEqual(code, 0, err)
                self.assertIn("the media may not have that stream", err)
                self.assertIn("end of stream", err)
            finally:
                publisher.kill()
                publisher.wait()

if __name__ == "__main__":
    main(sys.modules[__name__])
