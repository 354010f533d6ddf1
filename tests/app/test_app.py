"""Tests of the real `onair` binary: command line, pipeline files, running,
interrupting, the web server and secrets.

Run through meson (`meson test -C build --suite app`), which passes the binary
in ONAIR_BIN; one test class per meson test so they run in parallel.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from onair_test import (DEADLINE, ONAIR, HandshakeRefused, Running, TempDirTest,  # noqa: E402
                        WebSocket, adts_frames, api, ffprobe_duration, http_get, main, raw_request,
                        run, write_pipeline)


class CommandLine(TempDirTest):
    def test_help_and_version(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        self.assertIn("Usage: onair COMMAND", out)
        code, out, _ = run("help", "run")
        self.assertEqual(code, 0)
        self.assertIn("--eos-timeout", out)
        code, out, _ = run("--version")
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^onair \d+\.\d+\.\d+ \(GStreamer 1\.")
        # From the build tree, the source tree's pages.
        web = os.path.join(os.environ["ONAIR_SOURCE_DIR"], "web")
        self.assertIn("\nweb pages: %s\n" % web, out)
        self.assertTrue(os.path.isfile(os.path.join(web, "ascii", "index.html")))

    def test_usage_errors_exit_2_with_one_line(self):
        for args in (["fly"], ["run"], ["run", "demo", "--http", "nope"], ["list", "extra"]):
            code, out, err = run(*args)
            self.assertEqual(code, 2, args)
            self.assertTrue(err.startswith("onair: "), err)
            self.assertNotIn("Traceback", err)

    def test_list_and_show(self):
        code, out, _ = run("list")
        self.assertEqual(code, 0)
        self.assertRegex(out, r"(?m)^demo +Live test scene")
        self.assertRegex(out, r"(?m)^record ")
        code, out, _ = run("show", "demo")
        self.assertEqual(code, 0)
        self.assertIn("pattern default=smpte allowed=smpte,ball", out)
        self.assertIn("hlssink2", out)
        code, out, _ = run("show", "x")
        self.assertEqual(code, 0)
        self.assertIn("key (secret) (required)", out)
        self.assertIn("  quality=high: width=1920 height=1080 bitrate=6000\n", out)
        self.assertIn("  keyframe_interval <= 3  (X needs a keyframe at least every 3 seconds)", out)

    def test_show_never_prints_a_secret_default(self):
        path = write_pipeline(self.tmp, "s", """
            name: s
            var key: secret default=topsecretdefault
            ---
            fakesrc ! fakesink name="${key}"
            """)
        code, out, _ = run("show", path)
        self.assertEqual(code, 0)
        self.assertIn("key (secret) default=***", out)
        self.assertNotIn("topsecretdefault", out)

    def test_pipelines_are_found_on_the_search_path(self):
        write_pipeline(self.tmp, "mine", """
            name: mine
            description: found via ONAIR_PIPELINE_PATH
            ---
            fakesrc num-buffers=1 ! fakesink
            """)
        env = dict(os.environ, ONAIR_PIPELINE_PATH=self.tmp)
        code, out, _ = run("list", env=env)
        self.assertEqual(code, 0)
        self.assertRegex(out, r"(?m)^mine +found via ONAIR_PIPELINE_PATH")
        code, _, err = run("run", "mine", "--no-http", "--output-dir", self.out, env=env)
        self.assertEqual(code, 0, err)


class PipelineFileErrors(TempDirTest):
    def expect_error(self, args, *fragments):
        code, out, err = run(*args, "--output-dir", self.out, "--no-http") if args[0] == "run" \
            else run(*args)
        self.assertEqual(code, 2, err)
        lines = [l for l in err.splitlines() if l.startswith("onair: ")]
        self.assertEqual(len(lines), 1, err)
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        self.assertNotIn("Traceback", err)
        self.assertEqual(self.runs(), [], "a failed start must leave no run directory")
        return lines[0]

    def test_unknown_pipeline(self):
        self.expect_error(["run", "no-such-pipeline"], "no pipeline named 'no-such-pipeline'")
        self.expect_error(["run", "/nonexistent/x.pipeline"], "no such pipeline file")

    def test_malformed_file(self):
        path = write_pipeline(self.tmp, "bad", """
            name: bad
            var a: default=1 colour=red
            ---
            fakesrc ! fakesink
            """)
        self.expect_error(["run", path], path + ":2: variable 'a': unknown attribute 'colour'")

    def test_unknown_element_names_the_line(self):
        path = write_pipeline(self.tmp, "el", """
            name: el
            ---
            fakesrc
              ! nosuchelement
              ! fakesink
            """)
        self.expect_error(["run", path], path + ":4:", "no element \"nosuchelement\"")

    def test_bad_property_value(self):
        path = write_pipeline(self.tmp, "prop", """
            name: prop
            ---
            videotestsrc pattern=not-a-pattern ! fakesink
            """)
        self.expect_error(["run", path], path + ":3:", "pattern", "not-a-pattern")

    def test_bad_value_names_its_line_and_variable(self):
        path = write_pipeline(self.tmp, "prop", """
            name: prop
            var p: default=smpte
            ---
            videotestsrc num-buffers=1
              pattern=${p} ! fakesink
            """)
        self.expect_error(["run", path, "-s", "p=plaid"],
                          path + ':5: could not set property "pattern" in element "videotestsrc" '
                          "to \"plaid\" (value of variable 'p')")
        # The element tells which of several settings of a property is meant.
        path = write_pipeline(self.tmp, "two", """
            name: two
            var vb: type=int default=1000
            var ab: default=128000
            ---
            videotestsrc num-buffers=1 ! x264enc bitrate=${vb} ! fakesink
            audiotestsrc num-buffers=1 ! voaacenc bitrate=${ab} ! fakesink
            """)
        self.expect_error(["check", path, "-s", "ab=loud"],
                          path + ':6: could not set property "bitrate" in element "voaacenc" to '
                          "\"loud\" (value of variable 'ab')")
        path = write_pipeline(self.tmp, "noprop", """
            name: noprop
            ---
            videotestsrc num-buffers=1
              ! fakesink no-such-prop=1
            """)
        self.expect_error(["check", path], path + ':4: no property "no-such-prop" in element "fakesink"')

    def test_syntax_errors_name_the_line(self):
        path = write_pipeline(self.tmp, "syn", """
            name: syn
            var w: type=int default=320
            ---
            videotestsrc num-buffers=1
              ! video/x-raw,width=${w} !

              ! fakesink
            """)
        self.expect_error(["run", path], path + ":7: syntax error: '!' follows the '!' on line 5 "
                          "with no element between")
        path = write_pipeline(self.tmp, "ends", """
            name: ends
            ---
            videotestsrc num-buffers=1 ! fakesink !
            """)
        self.expect_error(["run", path], path + ":3: syntax error: '!' with no element after it")
        path = write_pipeline(self.tmp, "quote", """
            name: quote
            ---
            videotestsrc num-buffers=1
              ! textoverlay text="hello
              ! fakesink
            """)
        self.expect_error(["check", path], path + ":4: syntax error: unterminated quote")

    def test_variable_errors_name_file_line_and_variable(self):
        path = os.path.join(os.environ["ONAIR_SOURCE_DIR"], "pipelines", "demo.pipeline")
        self.expect_error(["run", "demo", "-s", "nope=1"], "unknown variable 'nope'")
        self.expect_error(["run", "demo", "-s", "pattern=plaid"],
                          path + ":4: variable 'pattern': 'plaid': value must be one of")
        self.expect_error(["run", "demo", "-s", "width=wide"],
                          path + ":5: variable 'width'", "whole number")
        self.expect_error(["run", "demo", "-s", "bitrate=1"], path + ":7:", "at least 100")
        self.expect_error(["check", "demo", "-s", "title=" + "\u00e9" * 5000], "longer than")

    def test_missing_required_variable(self):
        path = write_pipeline(self.tmp, "req", """
            name: req
            var key: required secret
            ---
            fakesrc ! fakesink name="${key}"
            """)
        self.expect_error(["run", path], path + ":2: variable 'key' is required")


class Injection(TempDirTest):
    """A value is one value whatever characters it holds."""

    def test_quotes_bangs_and_names_stay_inside_one_property(self):
        hostile = 'x" ! fakesink name=evil "y'
        code, out, err = run("check", "demo", "-s", "title=" + hostile)
        self.assertEqual(code, 0, err)
        self.assertIn("pipeline builds with 20 elements", out)
        self.assertNotIn("evil (", out)
        self.assertIn('status="x\\" ! fakesink name=evil \\"y \u00b7 {time}"', out)

    def test_value_runs_as_given(self):
        path = write_pipeline(self.tmp, "inj", """
            name: inj
            var title: default=plain
            var sink: default=out.txt
            ---
            fakesrc num-buffers=3 sizetype=fixed sizemax=4 ! identity name=${title}
              ! filesink location="${run_dir}/${sink}"
            """)
        for value in ['a ! fakesink', 'name=x', 'a"b', "it's", 'a\\"b', "  spaced  ", 'x"']:
            code, out, err = run("check", path, "-s", "title=" + value)
            self.assertEqual(code, 0, (value, err))
            self.assertIn("pipeline builds with 3 elements", out)
            self.assertIn("  %s (identity)" % value, out)
        code, _, err = run("check", path, "-s", 'title="quoted"')
        self.assertEqual(code, 2, err)
        self.assertIn("may not begin with a double quote", err)
        code, _, err = run("run", path, "--no-http", "--output-dir", self.out,
                           "-s", 'sink=we"ird ! name.txt')
        self.assertEqual(code, 0, err)
        (run_dir,) = self.runs()
        self.assertEqual(os.listdir(os.path.join(self.out, run_dir)), ['we"ird ! name.txt'])


class Running_(TempDirTest):
    def test_bus_error_exits_1_with_element_and_detail(self):
        path = write_pipeline(self.tmp, "fail", """
            name: fail
            ---
            filesrc location=/nonexistent/input.mp4 ! fakesink
            """)
        code, out, err = run("run", path, "--no-http", "--output-dir", self.out)
        self.assertEqual(code, 1, err)
        self.assertRegex(err, r"error: /pipeline0/filesrc0: .*")
        self.assertIn("detail:", err)
        self.assertEqual(self.runs(), [])

    def test_natural_end_exits_0(self):
        # 5 s: four measuring windows close, so several status ticks show the rate.
        path = write_pipeline(self.tmp, "end", """
            name: end
            ---
            videotestsrc num-buffers=100 ! video/x-raw,framerate=20/1 ! streammonitor name=m
              ! fakesink sync=true
            """)
        code, out, err = run("run", path, "--no-http", "--output-dir", self.out,
                             "--status-interval", "0.5")
        self.assertEqual(code, 0, err)
        self.assertIn("end of stream", err)
        self.assertRegex(err, r"status: playing \d\d:\d\d:\d\d \| m 20\.0 fps")

    def test_status_line_is_redrawn_in_place_on_a_terminal(self):
        import pty
        # 5 s at the terminal's 1 s interval: several ticks after the first window.
        path = write_pipeline(self.tmp, "tty", """
            name: tty
            ---
            videotestsrc num-buffers=100 ! video/x-raw,framerate=20/1 ! streammonitor name=cam
              ! fakesink sync=true
            """)
        leader, follower = pty.openpty()
        proc = subprocess.Popen([ONAIR, "run", path, "--no-http", "--output-dir", self.out],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=follower)
        os.close(follower)
        screen = b""
        try:
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal closes when onair exits
                    break
                if not chunk:
                    break
                screen += chunk
            self.assertEqual(proc.wait(timeout=DEADLINE), 0)
        finally:
            os.close(leader)
            if proc.poll() is None:
                proc.kill()
        # Redrawn lines start with carriage return + erase-line, and carry no newline.
        self.assertRegex(screen, rb"\r\x1b\[2Kplaying 00:00:\d\d \| cam 20\.0 fps")
        self.assertNotIn(b"status: ", screen)

    def finishes_the_recording_on(self, signum):
        # A live source records no more than the wall time since the app started;
        # "playing" may be read late on a loaded machine, so that is the reference.
        launched = time.monotonic()
        r = Running("record", "--no-http", "--output-dir", self.out, "--status-interval", "0")
        try:
            r.wait_for(r"^playing")
            time.sleep(4)
            r.proc.send_signal(signum)
            stopped = time.monotonic()
            code, _, err = r.finish()
        finally:
            r.kill()
        self.assertEqual(code, 0, err)
        self.assertIn("outputs finished", err)
        (run_dir,) = self.runs()
        duration = ffprobe_duration(os.path.join(self.out, run_dir, "recording.mp4"))
        # A loaded machine records less media than wall time, never more.
        self.assertGreater(duration, 2.0)
        self.assertLess(duration, stopped - launched + 1.5)

    def keeps_all_but_the_last_seconds_when_killed(self, *args, file="recording.mp4"):
        # What reached the muxer, from the video monitor's count (media time, so a loaded
        # machine that encodes slower than real time does not matter), against what plays
        # after SIGKILL.
        r = Running(*args, "--http", "127.0.0.1:0", "--output-dir", self.out,
                    "--status-interval", "0")
        try:
            url = r.wait_for(r"open (http://\S+)").group(1)
            r.wait_for(r"^playing")
            (run_dir,) = self.runs()
            recording = os.path.join(self.out, run_dir, file)
            # Until the file holds a few fragments: it plays while being written.
            seen = 0.0
            deadline = time.monotonic() + DEADLINE
            while seen < 3.0:
                self.assertLess(time.monotonic(), deadline, "the recording did not grow")
                time.sleep(0.2)
                if os.path.exists(recording):
                    try:
                        seen = ffprobe_duration(recording)
                    except (AssertionError, KeyError, ValueError):
                        pass  # not one fragment in it yet
            _, _, body = http_get(url + "api/status")
            video = next(m for m in json.loads(body)["monitors"] if m["name"] == "video")
            r.proc.kill()
            r.proc.wait(timeout=DEADLINE)
        finally:
            r.kill()
        recorded = video["buffers"] / 30.0
        duration = ffprobe_duration(recording)
        self.assertGreaterEqual(duration, recorded - 2.0, (duration, recorded))
        self.assertLessEqual(duration, recorded + 1.0, (duration, recorded))
        # Every frame in it decodes.
        decoded = subprocess.run([shutil.which("ffmpeg"), "-v", "error", "-i", recording, "-f", "null", "-"],
                                 capture_output=True, text=True, timeout=DEADLINE)
        self.assertEqual(decoded.returncode, 0, decoded.stderr)

    def test_killed_recording_keeps_all_but_the_last_seconds(self):
        self.keeps_all_but_the_last_seconds_when_killed("record")

    def test_killed_run_with_record_on_keeps_its_recording(self):
        self.keeps_all_but_the_last_seconds_when_killed(
            "hls", "-s", "record=on", "-s", "quality=low", "-s", "overlay=off")

    def test_interrupt_finishes_the_recording(self):
        self.finishes_the_recording_on(signal.SIGINT)

    def test_sigterm_finishes_the_recording(self):
        self.finishes_the_recording_on(signal.SIGTERM)

    def test_interrupt_while_a_source_is_blocked_before_playing(self):
        # The source thread sleeps in identity before the sink prerolls, so the
        # pipeline never reaches PLAYING and sending EOS blocks for good.
        path = write_pipeline(self.tmp, "blocked", """
            name: blocked
            ---
            fakesrc is-live=true sizetype=2 sizemax=10 ! identity sleep-time=8000000 ! fakesink
            """)
        r = Running(path, "--no-http", "--output-dir", self.out, "--eos-timeout", "2",
                    "--status-interval", "0")
        try:
            r.wait_for(r"^output: ")
            time.sleep(2)
            r.interrupt()
            # eos-timeout plus the bounded stop, with a wide margin; a hang fails here.
            code, _, err = r.finish(timeout=40)
        finally:
            r.kill()
        self.assertNotRegex(err, r"(?m)^playing$")
        self.assertEqual(code, 1, err)
        self.assertIn("did not finish within the end-of-stream timeout", err)
        self.assertEqual(self.runs(), [])

        r = Running(path, "--no-http", "--output-dir", self.out, "--eos-timeout", "600",
                    "--status-interval", "0")
        try:
            r.wait_for(r"^output: ")
            time.sleep(2)
            r.interrupt()
            r.wait_for(r"interrupt again to stop at once")
            r.proc.send_signal(signal.SIGTERM)
            code, _, err = r.finish(timeout=40)
        finally:
            r.kill()
        self.assertEqual(code, 1, err)
        self.assertIn("stopped at once", err)

    def test_runtime_error_finishes_the_recording(self):
        # The slow stage after the encoder keeps frames queued when identity
        # fails, so an app that stops at once leaves an mp4 without its index.
        path = write_pipeline(self.tmp, "fails", """
            name: fails
            ---
            videotestsrc is-live=true ! identity error-after=60
              ! x264enc tune=zerolatency ! queue ! identity sleep-time=50000
              ! mp4mux ! filesink location=${run_dir}/rec.mp4
            """)
        code, _, err = run("run", path, "--no-http", "--output-dir", self.out,
                           "--status-interval", "0")
        self.assertEqual(code, 1, err)
        self.assertRegex(err, r"error: /pipeline0/identity0: ")
        self.assertIn("finishing outputs after the error", err)
        self.assertIn("outputs finished", err)
        (run_dir,) = self.runs()
        self.assertGreater(ffprobe_duration(os.path.join(self.out, run_dir, "rec.mp4")), 0)

    def test_eos_timeout_and_second_interrupt(self):
        path = write_pipeline(self.tmp, "stuck", """
            name: stuck
            ---
            videotestsrc is-live=true ! valve drop=true ! fakesink async=false
            """)
        r = Running(path, "--no-http", "--output-dir", self.out, "--eos-timeout", "1")
        try:
            r.wait_for(r"^playing")
            r.interrupt()
            code, _, err = r.finish()
        finally:
            r.kill()
        self.assertEqual(code, 1)
        self.assertIn("did not finish within the end-of-stream timeout", err)

        r = Running(path, "--no-http", "--output-dir", self.out, "--eos-timeout", "600")
        try:
            r.wait_for(r"^playing")
            r.interrupt()
            r.wait_for(r"interrupt again to stop at once")
            r.interrupt()
            code, _, err = r.finish()
        finally:
            r.kill()
        self.assertEqual(code, 1)
        self.assertIn("stopped at once", err)


class WebServer(TempDirTest):
    def start_demo(self, *extra):
        r = Running("demo", "--http", "127.0.0.1:0", "--output-dir", self.out,
                    "--status-interval", "0", "-s", "width=320", "-s", "height=180", *extra)
        m = r.wait_for(r"open (http://127\.0\.0\.1:(\d+)/)")
        return r, m.group(1), int(m.group(2))

    def test_demo_serves_page_hls_and_status(self):
        r, url, port = self.start_demo()
        try:
            status, headers, body = http_get(url)
            self.assertEqual(status, 200)
            self.assertIn(b"<video", body)
            self.assertTrue(headers["Content-Type"].startswith("text/html"))
            status, _, body = http_get(url + "vendor/hls.min.js")
            self.assertEqual(status, 200)
            self.assertGreater(len(body), 10000)

            # The playlist appears once the first 2 s segment is complete.
            deadline = time.monotonic() + DEADLINE
            playlist = b""
            while time.monotonic() < deadline and playlist.count(b".ts") < 2:
                time.sleep(0.5)
                status, headers, playlist = http_get(url + "hls/playlist.m3u8")
            self.assertIn(b"#EXT-X-TARGETDURATION:2", playlist)
            self.assertEqual(headers["Content-Type"], "application/vnd.apple.mpegurl")
            segment = re.search(rb"(segment\d+\.ts)", playlist).group(1).decode()
            status, headers, body = http_get(url + "hls/" + segment)
            self.assertEqual(status, 200)
            self.assertEqual(body[0], 0x47)  # MPEG-TS sync byte

            status, headers, body = http_get(url + "api/status")
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "application/json")
            s = json.loads(body)
            self.assertEqual(s["pipeline"], "demo")
            self.assertEqual(s["state"], "playing")
            self.assertGreater(s["uptime"], 1)
            monitors = {m["name"]: m for m in s["monitors"]}
            self.assertEqual(set(monitors), {"audio", "video"})
            self.assertAlmostEqual(monitors["video"]["fps"], 30, delta=3)
            self.assertEqual(monitors["video"]["media"], "video/x-h264")
            self.assertGreater(monitors["audio"]["bitrate"], 50000)
        finally:
            r.interrupt()
            code, _, err = r.finish()
            r.kill()
        self.assertEqual(code, 0, err)
        (run_dir,) = self.runs()
        with open(os.path.join(self.out, run_dir, "playlist.m3u8"), "rb") as f:
            self.assertIn(b"#EXT-X-ENDLIST", f.read())

    def test_hostile_requests(self):
        r, url, port = self.start_demo()
        try:
            for path in ["hls/../../../etc/passwd", "hls/%2e%2e/%2e%2e/etc/passwd",
                         "..%2f..%2fetc%2fpasswd", "hls/.hidden", "nonexistent.html",
                         "hls/%00", "api/nothing", "api/status/../../index.html%ff"]:
                status, _, body = http_get(url + path)
                self.assertIn(status, (400, 404), path)
                self.assertNotIn(b"root:", body)
            status, headers, _ = http_get(url + "api/status", method="POST")
            self.assertEqual(status, 405)
            self.assertEqual(headers["Allow"], "GET, HEAD, OPTIONS")
            self.assertRegex(raw_request(port, b"GARBAGE\x00\xff\r\n\r\n"), r"^HTTP/1\.[01] 4\d\d")
            # An over-long request line is refused or the connection dropped.
            self.assertRegex(raw_request(port, b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n"),
                             r"^(HTTP/1\.[01] 4\d\d|)$")
            status, _, _ = http_get(url + "api/status")
            self.assertEqual(status, 200, "the server must survive bad requests")
        finally:
            r.interrupt()
            code, _, err = r.finish()
            r.kill()
        self.assertEqual(code, 0, err)

    def test_port_in_use_exits_2_and_leaves_nothing(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            code, _, err = run("run", "demo", "--http", "127.0.0.1:%d" % port,
                               "--output-dir", self.out)
        self.assertEqual(code, 2, err)
        self.assertIn("cannot listen on 127.0.0.1:%d" % port, err)
        self.assertEqual(self.runs(), [])


def catches_sigint(pid):
    """True once process `pid` has a handler for SIGINT (its SigCgt mask in /proc)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    except OSError:
        pass
    return False


class Interrupting(TempDirTest):
    """An interrupt at any point of start-up ends the run cleanly: exit 0, every
    output finished, and whatever was written is readable. The points are the
    start-up's own events (each line it prints, its first files), and each line
    comes twice, since the pipeline is at a different stage each time."""

    LINES = [r"^pipeline '", r"^output: ", r"^open http", r"^control API", r"^playing$"]

    def wait_for_file(self, r, path):
        """Waits until `path` exists and is not empty (the run ending first fails)."""
        end = time.monotonic() + DEADLINE
        while not (os.path.exists(path) and os.path.getsize(path) > 0):
            self.assertIsNone(r.proc.poll(), "the run ended before %s appeared" % path)
            self.assertLess(time.monotonic(), end, "%s never appeared" % path)
            time.sleep(0.02)

    def interrupt_at(self, point, args):
        """Runs `onair run ARGS`, interrupts it at `point` (a line pattern, or a
        file name in the run directory) and checks the end; returns the run
        directory, or None when the run left none."""
        out = os.path.join(self.tmp, "runs-%d" % len(os.listdir(self.tmp)))
        r = Running(*args, "--http", "127.0.0.1:0", "--output-dir", out,
                    "--status-interval", "0")
        try:
            if point.startswith("^"):
                r.wait_for(point)
            else:
                self.wait_for_file(r, os.path.join(r.wait_for(r"^output: (.*)$").group(1), point))
            r.interrupt()
            code, _, err = r.finish()
        finally:
            r.kill()
        what = "interrupted at %r:\n%s" % (point, err)
        self.assertEqual(code, 0, what)
        self.assertIn("outputs finished", err, what)
        self.assertNotIn("error:", err, what)
        runs = os.listdir(out) if os.path.isdir(out) else []
        self.assertLessEqual(len(runs), 1, what)
        return (os.path.join(out, runs[0]), what) if runs else (None, what)

    def test_hls_demo(self):
        for point in [p for p in self.LINES for _ in range(2)] + ["segment00000.ts",
                                                                 "playlist.m3u8"]:
            run_dir, what = self.interrupt_at(point, ["demo", "-s", "width=320",
                                                      "-s", "height=180"])
            playlist = run_dir and os.path.join(run_dir, "playlist.m3u8")
            if not playlist or not os.path.exists(playlist):
                continue
            with open(playlist) as f:
                text = f.read()
            self.assertIn("#EXT-X-ENDLIST", text, what)
            # Every segment it lists holds MPEG-TS packets.
            segments = re.findall(r"(?m)^#EXTINF:[0-9.]+,\n(\S+)$", text)
            self.assertTrue(segments, what + text)
            for name in segments:
                with open(os.path.join(run_dir, name), "rb") as f:
                    data = f.read()
                self.assertTrue(data and len(data) % 188 == 0 and data[0] == 0x47,
                                "%s (%d bytes): %s" % (name, len(data), what))

    def test_before_the_pipeline_is_built(self):
        # The earliest point the app can answer: as soon as it catches SIGINT (its first
        # step), while it still loads plugins and builds the pipeline. It stops at once,
        # exit 0, and leaves no empty run directory behind.
        out = os.path.join(self.tmp, "early")
        r = Running("demo", "--http", "127.0.0.1:0", "--output-dir", out,
                    "--status-interval", "0")
        try:
            end = time.monotonic() + DEADLINE
            while not catches_sigint(r.proc.pid):
                self.assertIsNone(r.proc.poll(), "the run ended before it caught interrupts")
                self.assertLess(time.monotonic(), end, "the app never caught SIGINT")
                time.sleep(0.002)
            r.interrupt()
            code, _, err = r.finish()
        finally:
            r.kill()
        self.assertEqual(code, 0, err)
        self.assertIn("interrupted while starting: stopped before anything ran", err)
        self.assertNotIn("error:", err)
        self.assertEqual(os.listdir(out) if os.path.isdir(out) else [], [], err)

    def test_recording(self):
        for point in [r"^output: ", r"^playing$", "recording.mp4"]:
            run_dir, what = self.interrupt_at(point, ["record"])
            recording = run_dir and os.path.join(run_dir, "recording.mp4")
            if recording and os.path.exists(recording):
                self.assertGreater(ffprobe_duration(recording), 0, what)


class Secrets(TempDirTest):
    KEY = "live_9f8e7d6c5b4a_secret"

    def test_secret_never_reaches_output_or_status(self):
        path = write_pipeline(self.tmp, "sec", """
            name: sec
            var key: required secret
            ---
            videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=10/1
              ! streammonitor name=${key} ! fakesink name="sink-${key}"
            """)
        env = dict(os.environ, STREAM_KEY=self.KEY)
        r = Running(path, "--http", "127.0.0.1:0", "--output-dir", self.out,
                    "--status-interval", "0.5", "-s", "key=env:STREAM_KEY", env=env)
        try:
            url = r.wait_for(r"open (http://\S+)").group(1)
            r.wait_for(r"status: playing .*\| \*\*\* ")
            with open("/proc/%d/cmdline" % r.proc.pid, "rb") as f:
                self.assertNotIn(self.KEY.encode(), f.read())
            _, _, body = http_get(url + "api/status")
            self.assertIn(b'"name":"***"', body)
            self.assertNotIn(self.KEY.encode(), body)
        finally:
            r.interrupt()
            code, out, err = r.finish()
            r.kill()
        self.assertEqual(code, 0, err)
        self.assertNotIn(self.KEY, out + err)

    def test_secret_value_in_a_property_error(self):
        key_file = os.path.join(self.tmp, "keyfile")
        with open(key_file, "w") as f:
            f.write("hunter2-secret\n")
        path = write_pipeline(self.tmp, "psec", """
            name: psec
            var k: secret required
            ---
            fakesrc num-buffers=1 ! fakesink
              sync=${k}
            """)
        code, out, err = run("run", path, "--no-http", "--output-dir", self.out,
                             "-s", "k=@" + key_file)
        self.assertEqual(code, 2, err)
        self.assertIn(path + ':5: could not set property "sync" in element "fakesink" to "***" '
                      "(value of variable 'k')", err)
        self.assertNotIn("hunter2-secret", out + err)

    def test_secret_from_file_and_in_errors(self):
        key_file = os.path.join(self.tmp, "key")
        with open(key_file, "w") as f:
            f.write(self.KEY + "\n")
        path = write_pipeline(self.tmp, "secerr", """
            name: secerr
            var key: required secret
            ---
            videotestsrc pattern=${key} ! fakesink
            """)
        code, out, err = run("run", path, "--no-http", "--output-dir", self.out,
                             "-s", "key=@" + key_file)
        self.assertEqual(code, 2, err)
        self.assertIn("***", err)
        self.assertNotIn(self.KEY, out + err)
        code, _, err = run("run", path, "--no-http", "-s", "key=env:ONAIR_TEST_UNSET_VARIABLE")
        self.assertEqual(code, 2)
        self.assertIn("environment variable 'ONAIR_TEST_UNSET_VARIABLE' is not set", err)
        code, _, err = run("check", path, "-s", "key=" + self.KEY)
        self.assertIn("given on the command line", err)
        self.assertNotIn(self.KEY, err)

    def test_check_prints_the_launch_line_with_secrets_hidden(self):
        env = dict(os.environ, ONAIR_TEST_KEY=self.KEY)
        code, out, err = run("check", "x", "-s", "key=env:ONAIR_TEST_KEY", "-s", "source=app",
                             env=env)
        self.assertEqual(code, 0, err)
        self.assertIn("\nlaunch line:\n", out)
        launch = out.split("\nlaunch line:\n", 1)[1]
        # The expanded line: ${} values substituted, @if branches chosen, key hidden.
        self.assertIn("feedsrc name=video_in", launch)
        # Four bytes a pixel: a tightly packed frame is valid at any width (854 * 3 is not).
        self.assertIn("video/x-raw,format=BGRA,width=854,height=480", launch)
        self.assertIn('resilientrtmpsink name=live location="rtmps://va.pscp.tv:443/x/***"', launch)
        self.assertNotIn("${", launch)
        self.assertNotIn("@if", launch)
        self.assertNotIn(self.KEY, out + err)



def video_filter_available(element):
    """Whether a video filter is in the registry the tests use. The app itself is asked
    (gst-inspect-1.0 could not load plugins built with the sanitizers)."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="onair-probe-") as d:
        path = write_pipeline(d, "probe", """
            name: probe
            ---
            videotestsrc ! %s ! fakesink
            """ % element)
        try:
            return run("check", path)[0] == 0
        except subprocess.TimeoutExpired:
            return False


HAVE_OVERLAY = video_filter_available("broadcastoverlay")
LOGO = os.path.join(os.environ.get("ONAIR_SOURCE_DIR", "."), "web", "logo.png")


class ControlRun(TempDirTest):
    """An `onair run` of a small live pipeline with one broadcastoverlay (when the
    element is built), its control API and token file in the test's directory."""

    BODY = """
        videotestsrc pattern=black is-live=true
          ! video/x-raw,format=RGBx,width=320,height=240,framerate=10/1
          ! broadcastoverlay name=overlay ! fakesink
        """

    def pipeline(self, header="", body=None):
        body = body or (self.BODY if HAVE_OVERLAY else
                        "videotestsrc is-live=true ! video/x-raw,framerate=10/1 ! fakesink")
        text = "name: ctl\n" + header + "---\n" + textwrap.dedent(body).strip() + "\n"
        path = os.path.join(self.tmp, "ctl.pipeline")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def start(self, *extra, header="", body=None, http=True, stdin=subprocess.DEVNULL):
        self.token_file = os.path.join(self.tmp, "conf", "api-token")
        args = [self.pipeline(header, body), "--output-dir", self.out, "--status-interval", "0",
                "--token-file", self.token_file, *extra]
        args += ["--http", "127.0.0.1:0"] if http else ["--no-http"]
        r = Running(*args, stdin=stdin)
        self.addCleanup(r.kill)
        if http:
            m = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)")
            self.url = m.group(1)
            with open(self.token_file) as f:
                self.token = f.read().strip()
        r.wait_for(r"^playing")
        return r

    def stop(self, r):
        r.interrupt()
        code, out, err = r.finish()
        self.assertEqual(code, 0, err)
        return out, err

    def assert_still_playing(self):
        status, _, body = http_get(self.url + "api/status")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["state"], "playing")


class ControlApi(ControlRun):
    def test_token_file_and_authentication(self):
        r = self.start()
        # The token: 64 hex digits in a file only its owner can read, never on the command line.
        self.assertRegex(self.token, r"^[0-9a-f]{64}$")
        self.assertEqual(os.stat(self.token_file).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(self.token_file)).st_mode & 0o777, 0o700)
        code, out, _ = run("token", "--token-file", self.token_file)
        self.assertEqual((code, out), (0, self.token + "\n"))
        with open("/proc/%d/cmdline" % r.proc.pid, "rb") as f:
            self.assertNotIn(self.token.encode(), f.read())

        chat = '{"user":"bot","text":"hello"}'
        status, headers, body = api(self.url, "POST", "api/overlay/chat", chat)
        self.assertEqual(status, 401)
        self.assertEqual(headers["WWW-Authenticate"], 'Bearer realm="onair"')
        self.assertEqual(body["ok"], False)
        for wrong in ["0" * 64, self.token[:-1], self.token + "0", self.token.upper(), ""]:
            status, headers, body = api(self.url, "POST", "api/overlay/chat", chat, token=wrong)
            self.assertEqual(status, 401, wrong)
            self.assertFalse(body["ok"])
        status, _, _ = api(self.url, "POST", "api/overlay/chat", chat,
                           headers={"Authorization": "Basic " + self.token})
        self.assertEqual(status, 401)
        for method, path in [("GET", "api/overlay"), ("DELETE", "api/overlay/chat"),
                             ("PUT", "api/overlay/status"), ("PUT", "api/overlay/logo"),
                             ("POST", "api/overlay/alert"), ("DELETE", "api/overlay/alert")]:
            status, _, _ = api(self.url, method, path, "{}")
            self.assertEqual(status, 401, path)

        status, _, body = api(self.url, "GET", "api/overlay", token=self.token)
        self.assertEqual(status, 200)
        self.assertEqual(body["ok"], True)
        self.assertEqual([o["name"] for o in body["overlays"]], ["overlay"] if HAVE_OVERLAY else [])
        status, _, body = api(self.url, "POST", "api/overlay/chat", chat, token=self.token)
        self.assertEqual((status, body), (200, {"ok": True}) if HAVE_OVERLAY else
                         (404, {"ok": False, "error": "the pipeline has no broadcastoverlay element"}))
        self.assert_still_playing()
        out, err = self.stop(r)
        self.assertIn("token in " + self.token_file, err)
        self.assertNotIn(self.token, out + err)

        # The next run reuses the token.
        r = self.start()
        with open(self.token_file) as f:
            self.assertEqual(f.read().strip(), self.token)
        self.stop(r)

    def test_a_token_file_others_can_read_is_refused(self):
        os.makedirs(os.path.join(self.tmp, "conf"))
        path = os.path.join(self.tmp, "conf", "api-token")
        with open(path, "w") as f:
            f.write("a-token-others-can-read-0123456789\n")
        os.chmod(path, 0o644)
        code, out, err = run("run", self.pipeline(), "--http", "127.0.0.1:0", "--output-dir",
                             self.out, "--token-file", path)
        self.assertEqual(code, 2, err)
        self.assertIn("may be read or written by other users", err)
        self.assertNotIn("a-token-others-can-read", out + err)
        self.assertEqual(self.runs(), [])
        code, out, err = run("token", "--token-file", path)
        self.assertEqual(code, 2)
        self.assertEqual(out, "")

    def test_bad_requests_are_refused_and_the_pipeline_goes_on(self):
        r = self.start()
        t = self.token

        def refused(method, path, body, expected_status, fragment=""):
            status, _, reply = api(self.url, method, path, body, token=t)
            self.assertEqual(status, expected_status, (path, (body or "")[:80], reply))
            self.assertEqual(reply["ok"], False)
            self.assertIn(fragment, reply["error"])
            self.assertNotIn(t, reply["error"])

        chat = "api/overlay/chat"
        refused("POST", chat, '{"user":"bot","text":"hi"', 400, "invalid JSON")
        refused("POST", chat, "not json", 400, "expected a JSON object")
        refused("POST", chat, "[]", 400, "expected a JSON object")
        refused("POST", chat, "", 400, "empty command")
        refused("POST", chat, b'{"user":"bot","text":"caf\xe9"}', 400, "not valid UTF-8")
        refused("POST", chat, b'{"user":"\xff\xfe","text":"x"}', 400, "not valid UTF-8")
        refused("POST", chat, '{"user":"bot","text":"two\\nlines"}', 400, "control characters")
        refused("POST", chat, '{"user":"bot","text":"bell\\u0007"}', 400, "control characters")
        refused("POST", chat, '{"user":"bot","text":"c1\u0085"}', 400, "control characters")
        refused("POST", chat, '{"user":"bot\\u0000","text":"nul"}', 400, "control characters")
        refused("POST", chat, '{"user":"bot","text":"' + "x" * 501 + '"}', 400,
                "longer than 500 characters")
        refused("POST", chat, '{"user":"' + "u" * 65 + '","text":"x"}', 400,
                "longer than 64 characters")
        refused("POST", "api/overlay/alert", '{"text":"' + "x" * 201 + '"}', 400,
                "longer than 200 characters")
        refused("POST", "api/overlay/alert", '{"text":"x","duration":61}', 400, "0 to 60")
        refused("POST", "api/overlay/alert", '{"text":"x","type":"panic"}', 400, "one of")
        refused("PUT", "api/overlay/status", '{"text":"' + "x" * 201 + '"}', 400,
                "longer than 200 characters")
        refused("PUT", "api/overlay/status", '{"text":5}', 400, "must be a string")
        refused("PUT", "api/overlay/logo", '{"scale":2}', 400, "0 to 1")
        refused("POST", chat, '{"user":"bot","text":"x","extra":1}', 400, "unknown field")
        refused("POST", chat, '{"user":"bot","text":"x","overlay":"nosuch"}', 404,
                "no overlay named" if HAVE_OVERLAY else "no broadcastoverlay")
        refused("POST", chat, '{"user":"bot","text":"' + "x" * 20000 + '"}', 413, "16 KiB")
        refused("POST", chat, "{" + " " * (1 << 20) + "}", 413, "16 KiB")
        refused("GET", chat, None, 405, "not allowed")
        refused("PUT", "api/overlay", "{}", 405, "not allowed")
        refused("POST", "api/overlay/nothing", "{}", 404, "no such endpoint")
        status, headers, _ = api(self.url, "GET", chat, token=t)
        self.assertEqual(headers["Allow"], "POST, DELETE")
        # A body the server is not told the length of.
        self.assertRegex(raw_request(int(self.url.rsplit(":", 1)[1].strip("/")),
                                     b"POST /api/overlay/chat HTTP/1.1\r\nHost: x\r\n"
                                     b"Authorization: Bearer " + t.encode() +
                                     b"\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     b"2\r\n{}\r\n0\r\n\r\n"), r"^HTTP/1\.1 411")
        self.assert_still_playing()
        status, _, body = api(self.url, "GET", "api/overlay", token=t)
        self.assertEqual(status, 200)
        self.stop(r)

    @unittest.skipUnless(HAVE_OVERLAY, "broadcastoverlay is not built")
    def test_accepted_commands(self):
        r = self.start()
        t = self.token

        def ok(method, path, body=None):
            status, _, reply = api(self.url, method, path, body, token=t)
            self.assertEqual((status, reply), (200, {"ok": True}), (path, body))

        ok("POST", "api/overlay/chat", '{"user":"bot","text":"hello \U0001F44B"}')
        ok("POST", "api/overlay/chat", '{"user":"bot","text":"red","color":"#f00"}')
        ok("POST", "api/overlay/chat", '{"user":"bot","text":"x","color":"teal","overlay":"overlay"}')
        ok("POST", "api/overlay/alert", '{"text":"New follower!"}')
        ok("POST", "api/overlay/alert", '{"text":"Raid","type":"warning","duration":2.5}')
        ok("PUT", "api/overlay/status", '{"text":"LIVE \u00e9"}')
        ok("PUT", "api/overlay/logo", json.dumps({"location": LOGO, "position": "top-left",
                                                  "scale": 0.2, "opacity": 0.5}))
        ok("PUT", "api/overlay/logo", '{"location":""}')
        ok("DELETE", "api/overlay/chat")
        ok("DELETE", "api/overlay/alert", '{"overlay":"overlay"}')
        status, _, body = api(self.url, "GET", "api/overlay", token=t)
        self.assertEqual(body, {"ok": True, "overlays": [{"name": "overlay", "status": "LIVE \u00e9"}]})

        # Refused by the element or by the file check.
        status, _, body = api(self.url, "POST", "api/overlay/chat",
                              '{"user":"bot","text":"x","color":"notacolour"}', token=t)
        self.assertEqual(status, 400)
        self.assertIn("refused the chat line", body["error"])
        status, _, body = api(self.url, "PUT", "api/overlay/logo",
                              json.dumps({"location": self.token_file}), token=t)
        self.assertEqual((status, body["error"]), (400, '"location": not a PNG file'))
        status, _, body = api(self.url, "PUT", "api/overlay/logo",
                              '{"location":"/nonexistent/logo.png"}', token=t)
        self.assertEqual((status, body["error"]), (400, '"location": no such file'))
        self.assert_still_playing()
        self.stop(r)

    @unittest.skipUnless(HAVE_OVERLAY, "broadcastoverlay is not built")
    def test_two_overlays_need_a_name(self):
        r = self.start(body="""
            videotestsrc is-live=true ! video/x-raw,format=RGBx,width=160,height=120,framerate=10/1
              ! broadcastoverlay name=a ! broadcastoverlay name=b ! fakesink
            """)
        status, _, body = api(self.url, "PUT", "api/overlay/status", '{"text":"x"}',
                              token=self.token)
        self.assertEqual(status, 409)
        self.assertIn("name one", body["error"])
        status, _, body = api(self.url, "PUT", "api/overlay/status", '{"text":"on b","overlay":"b"}',
                              token=self.token)
        self.assertEqual(status, 200)
        _, _, body = api(self.url, "GET", "api/overlay", token=self.token)
        self.assertEqual(body["overlays"], [{"name": "a", "status": ""},
                                            {"name": "b", "status": "on b"}])
        self.stop(r)

    def test_rate_limit(self):
        from concurrent.futures import ThreadPoolExecutor
        r = self.start()
        # Commands in parallel, so the bucket (burst 40, 20 a second) empties
        # however slowly one request goes; sending stops at the first refusal.
        # 8 at a time: the server's listen backlog is 10, and a connection it
        # drops waits a second to try again.
        refused = threading.Event()

        def command(_):
            if refused.is_set():
                return None
            reply = api(self.url, "PUT", "api/overlay/status", '{"text":"x"}', token=self.token)
            if reply[0] == 429:
                refused.set()
            return reply
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            replies = [x for x in pool.map(command, range(1000)) if x]
        elapsed = time.monotonic() - started
        statuses = [status for status, _, _ in replies]
        self.assertIn(429, statuses)
        for status, headers, body in replies:
            if status == 429:
                self.assertEqual(headers["Retry-After"], "1")
                self.assertIn("too many commands", body["error"])
            else:
                self.assertEqual(status, 200 if HAVE_OVERLAY else 404)
        # Replies come back out of order: count what was let through instead.
        accepted = len(statuses) - statuses.count(429)
        self.assertGreaterEqual(accepted, 40, "the first 40 are a burst")
        self.assertLessEqual(accepted, 40 + 20 * elapsed + 1, "then 20 a second")
        time.sleep(1.5)
        status, _, _ = api(self.url, "PUT", "api/overlay/status", '{"text":"x"}', token=self.token)
        self.assertNotEqual(status, 429)
        self.stop(r)

    @unittest.skipUnless(HAVE_OVERLAY, "broadcastoverlay is not built")
    def test_scheduled_commands(self):
        r = self.start(header='at 0.5: {"cmd":"status","text":"from the file"}\n'
                              'at 0 every 0.5: {"cmd":"chat","user":"bot","text":"tick"}\n'
                              'at 0.2: {"cmd":"chat","user":"bot","text":"x","overlay":"nope"}\n')
        deadline = time.monotonic() + 30
        status = ""
        while time.monotonic() < deadline and status != "from the file":
            time.sleep(0.2)
            _, _, body = api(self.url, "GET", "api/overlay", token=self.token)
            status = body["overlays"][0]["status"]
        self.assertEqual(status, "from the file")
        r.wait_for(r"ctl\.pipeline:4: scheduled command failed: no overlay named \"nope\"")
        out, err = self.stop(r)
        self.assertEqual(err.count("scheduled command failed"), 1, err)

    def test_bad_scheduled_command_is_refused_at_load(self):
        path = self.pipeline('at 1: {"cmd":"chat","user":"bot"}\n')
        code, _, err = run("check", path)
        self.assertEqual(code, 2, err)
        self.assertIn(path + ':2: scheduled command: missing "text"', err)
        path = self.pipeline('at 1 every 0: {"cmd":"clear-chat"}\n')
        code, _, err = run("run", path, "--no-http", "--output-dir", self.out)
        self.assertEqual(code, 2, err)
        self.assertIn(path + ":2: every takes a number of seconds", err)
        self.assertEqual(self.runs(), [])


class ControlLines(ControlRun):
    """The line protocol on standard input and on a Unix socket."""

    def reader(self, stream):
        """Lines of `stream` in a queue, read by a thread."""
        import queue
        import threading
        q = queue.Queue()

        def pump():
            for line in iter(stream.readline, ""):
                q.put(line)
            q.put(None)
        threading.Thread(target=pump, daemon=True).start()
        return q

    def replies(self, q, n):
        return [json.loads(q.get(timeout=30)) for _ in range(n)]

    def test_stdin(self):
        r = self.start("--control", "stdin", stdin=subprocess.PIPE)
        out = self.reader(r.proc.stdout)
        ok = {"ok": True} if HAVE_OVERLAY else {
            "ok": False, "status": 404, "error": "the pipeline has no broadcastoverlay element"}
        r.proc.stdin.write('{"cmd":"chat","user":"bot","text":"hi"}\n'
                           '\n'
                           '{"cmd":"status","text":"x"\n'
                           '{"cmd":"chat","user":"bot","text":"a\\nb"}\r\n'
                           '{"user":"bot","text":"no cmd"}\n'
                           '{"cmd":"chat","user":"bot","text":"' + "x" * 20000 + '"}\n'
                           '{"cmd":"status","text":"after the long line"}\n')
        r.proc.stdin.flush()
        got = self.replies(out, 6)
        self.assertEqual(got[0], ok)
        self.assertEqual((got[1]["ok"], got[1]["status"]), (False, 400))
        self.assertIn("invalid JSON", got[1]["error"])
        self.assertEqual(got[2]["status"], 400)
        self.assertIn("control characters", got[2]["error"])
        self.assertIn('missing "cmd"', got[3]["error"])
        self.assertEqual(got[4], {"ok": False, "status": 413,
                                  "error": "line is longer than 16 KiB: skipped"})
        self.assertEqual(got[5], ok)
        # Invalid UTF-8 on the line.
        r.proc.stdin.buffer.write(b'{"cmd":"status","text":"\xff"}\n')
        r.proc.stdin.flush()
        self.assertEqual(self.replies(out, 1)[0],
                         {"ok": False, "status": 400, "error": "command is not valid UTF-8"})
        # The end of standard input stops only the reading; an unfinished line is not run.
        r.proc.stdin.write('{"cmd":"clear-chat"}')
        r.proc.stdin.close()
        r.proc.stdin = None
        r.wait_for("standard input ended; the pipeline goes on")
        import queue
        with self.assertRaises(queue.Empty, msg="no reply to an unfinished line"):
            out.get(timeout=1)
        self.assertIsNone(r.proc.poll())
        r.interrupt()
        self.assertEqual(r.proc.wait(timeout=DEADLINE), 0)
        self.assertIsNone(out.get(timeout=30), "standard output ends with the run")

    def test_socket(self):
        path = os.path.join(self.tmp, "control.sock")
        r = self.start("--control-socket", path, http=False)
        r.wait_for("control socket: " + re.escape(path))
        import stat
        st = os.lstat(path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(st.st_mode & 0o777, 0o600)
        ok = {"ok": True} if HAVE_OVERLAY else {
            "ok": False, "status": 404, "error": "the pipeline has no broadcastoverlay element"}

        def connect():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(15)
            s.connect(path)
            return s, s.makefile("r", encoding="utf-8")

        a, a_lines = connect()
        # A client that goes away in the middle of a line disturbs nothing.
        b, _ = connect()
        b.sendall(b'{"cmd":"status","te')
        b.close()
        a.sendall(b'{"cmd":"status","text":"via socket"}\n{"cmd":"nope"}\n'
                  b'{"cmd":"chat","user":"u","text":"' + b"y" * 17000 + b'"}\n'
                  b'{"cmd":"clear-alerts"}\n')
        got = [json.loads(a_lines.readline()) for _ in range(4)]
        self.assertEqual(got[0], ok)
        self.assertEqual(got[1]["status"], 400)
        self.assertEqual(got[2]["status"], 413)
        self.assertEqual(got[3], ok)
        # A line split over several writes.
        for part in (b'{"cmd":"chat",', b'"user":"u",', b'"text":"split"}', b"\n"):
            a.sendall(part)
            time.sleep(0.05)
        self.assertEqual(json.loads(a_lines.readline()), ok)
        # Several clients at once.
        c, c_lines = connect()
        c.sendall(b'{"cmd":"clear-chat"}\n')
        self.assertEqual(json.loads(c_lines.readline()), ok)
        a.close()
        c.close()
        self.assertIsNone(r.proc.poll())
        r.interrupt()
        code, _, err = r.finish()
        self.assertEqual(code, 0, err)
        self.assertFalse(os.path.exists(path), "the socket is removed at the end")

    def test_socket_path_checks(self):
        path = os.path.join(self.tmp, "control.sock")
        # A stale socket from an earlier run is replaced.
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(path)
        stale.close()
        r = self.start("--control-socket", path, http=False)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(15)
            s.connect(path)
            s.sendall(b'{"cmd":"clear-chat"}\n')
            self.assertTrue(s.makefile().readline().startswith("{"))
        # A second run may not take it over.
        code, _, err = run("run", self.pipeline(), "--no-http", "--output-dir", self.out,
                           "--control-socket", path)
        self.assertEqual(code, 2, err)
        self.assertIn("another program is listening there", err)
        self.stop(r)
        # Nor replace a file that is not a socket.
        with open(path, "w") as f:
            f.write("data")
        code, _, err = run("run", self.pipeline(), "--no-http", "--output-dir", self.out,
                           "--control-socket", path)
        self.assertEqual(code, 2, err)
        self.assertIn("a file that is not a socket is there", err)
        with open(path) as f:
            self.assertEqual(f.read(), "data")


def element_available(launch):
    """Whether `launch` builds in the registry the tests use (the app is asked)."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="onair-probe-") as d:
        path = write_pipeline(d, "probe", "name: probe\n---\n" + launch + "\n")
        try:
            return run("check", path)[0] == 0
        except subprocess.TimeoutExpired:
            return False


HAVE_TTSMIX = element_available("audiotestsrc ! ttsmix ! fakesink")


def write_wav(path, seconds, rate=48000, amplitude=0.5, freq=1000):
    """A mono 16-bit WAV of a sine tone (the clip `play` is given)."""
    import math
    import struct
    import wave
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(amplitude * 32767 * math.sin(2 * math.pi * freq * n / rate)))
            for n in range(int(seconds * rate))))


@unittest.skipUnless(HAVE_TTSMIX, "ttsmix is not built")
class Speech(ControlRun):
    """Speech commands on a small live pipeline with a ttsmix named speech."""

    BODY = """
        audiotestsrc is-live=true wave=silence
          ! audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2
          ! ttsmix name=speech ! fakesink
        """
    STARTED = r"^speech: #%d started at [0-9.]+ s \((\w+)\): \"(.*)\"$"
    FINISHED = r"^(?:warning: )?speech: #%d finished at [0-9.]+ s \((\w+)"

    def start(self, *extra, header="", body=None, **kwargs):
        return super().start(*extra, header=header, body=body or self.BODY, **kwargs)

    def call(self, method, path, body=None, token=True):
        return api(self.url, method, path, body, token=self.token if token else None)

    def test_say_play_skip_clear_and_status(self):
        r = self.start()
        clip = os.path.join(self.tmp, "ding.wav")
        write_wav(clip, 6)
        self.assertEqual(self.call("POST", "api/say", '{"text":"Hello from the test"}')[::2],
                         (200, {"ok": True, "id": 1}))
        m = r.wait_for(self.STARTED % 1)
        self.assertEqual(m.groups(), ("speech", "Hello from the test"))
        self.assertEqual(r.wait_for(self.FINISHED % 1).group(1), "done")
        # A clip, then a line that waits behind it; skip ends the clip, clear the line.
        status, _, body = self.call("POST", "api/play", json.dumps({"path": clip}))
        self.assertEqual((status, body), (200, {"ok": True, "id": 2}))
        self.assertEqual(r.wait_for(self.STARTED % 2).groups(), ("clip", "ding.wav"))
        status, _, body = self.call("POST", "api/say",
                                    '{"text":"waiting behind the clip","voice":"en"}')
        self.assertEqual((status, body), (200, {"ok": True, "id": 3}))
        status, _, s = api(self.url, "GET", "api/status")
        (speech,) = s["speech"]
        self.assertEqual((speech["name"], speech["speaking_id"], speech["speaking"],
                          speech["queue_length"]), ("speech", 2, "ding.wav", 1))
        _, _, metrics = http_get(self.url + "metrics")
        self.assertIn(b'onair_speech_queue_length{pipeline="ctl",speech="speech"} 1\n', metrics)
        self.assertIn(b'onair_speech_speaking{pipeline="ctl",speech="speech"} 1\n', metrics)
        self.assertEqual(self.call("POST", "api/speech/skip")[::2],
                         (200, {"ok": True, "skipped": True}))
        self.assertEqual(r.wait_for(self.FINISHED % 2).group(1), "skipped")
        r.wait_for(self.STARTED % 3)
        self.assertEqual(self.call("DELETE", "api/speech")[::2],
                         (200, {"ok": True, "cleared": 1}))
        self.assertEqual(r.wait_for(self.FINISHED % 3).group(1), "cleared")
        # Interrupt: the new line cuts the one playing short.
        self.call("POST", "api/say", '{"text":"a long line that will not be finished at all, '
                                     'however slowly this machine runs the test today"}')
        r.wait_for(self.STARTED % 4)
        self.assertEqual(self.call("POST", "api/say", '{"text":"urgent","interrupt":true}')[::2],
                         (200, {"ok": True, "id": 5}))
        self.assertEqual(r.wait_for(self.FINISHED % 4).group(1), "interrupted")
        self.assertEqual(r.wait_for(self.FINISHED % 5).group(1), "done")
        self.assertEqual(self.call("POST", "api/speech/skip", "{}")[::2],
                         (200, {"ok": True, "skipped": False}))
        status, _, s = api(self.url, "GET", "api/status")
        self.assertEqual((s["speech"][0]["speaking"], s["speech"][0]["speaking_id"],
                          s["speech"][0]["queue_length"], s["speech"][0]["played"]),
                         (None, None, 0, 2))
        _, _, metrics = http_get(self.url + "metrics")
        self.assertIn(b'onair_speech_items_total{pipeline="ctl",speech="speech",result="played"} 2\n',
                      metrics)
        self.assert_still_playing()
        self.stop(r)

    def test_refusals(self):
        r = self.start()

        def refused(method, path, body, expected_status, fragment, token=True):
            status, _, reply = self.call(method, path, body, token)
            self.assertEqual(status, expected_status, (path, (body or "")[:80], reply))
            self.assertEqual(reply["ok"], False)
            self.assertIn(fragment, reply["error"])

        for method, path in [("POST", "api/say"), ("POST", "api/play"),
                             ("POST", "api/speech/skip"), ("DELETE", "api/speech")]:
            refused(method, path, '{"text":"x","path":"/x"}', 401, "token", token=False)
        refused("POST", "api/say", '{"text":""}', 400, '"text" is empty')
        refused("POST", "api/say", '{"text":"   "}', 400, "nothing to say")
        refused("POST", "api/say", '{}', 400, 'missing "text"')
        refused("POST", "api/say", '{"text":"' + "x" * 501 + '"}', 400, "longer than 500")
        refused("POST", "api/say", '{"text":"' + "x" * 20000 + '"}', 413, "16 KiB")
        refused("POST", "api/say", b'{"text":"caf\xe9"}', 400, "not valid UTF-8")
        refused("POST", "api/say", '{"text":"two\\nlines"}', 400, "control characters")
        refused("POST", "api/say", '{"text":"bell\\u0007"}', 400, "control characters")
        refused("POST", "api/say", '{"text":"x","interrupt":"yes"}', 400, "true or false")
        refused("POST", "api/say", '{"text":"x","voice":"no-such-voice"}', 400,
                "refused the text")
        refused("POST", "api/play", '{"path":"/nonexistent/clip.wav"}', 400, "no such file")
        refused("POST", "api/play", json.dumps({"path": self.tmp}), 400, "not a regular file")
        text_file = os.path.join(self.tmp, "notes.txt")
        with open(text_file, "w") as f:
            f.write("this is not sound at all, just a few words of text\n" * 20)
        refused("POST", "api/play", json.dumps({"path": text_file}), 400, "not a sound file")
        empty = os.path.join(self.tmp, "empty.wav")
        open(empty, "wb").close()
        refused("POST", "api/play", json.dumps({"path": empty}), 400, "empty")
        refused("GET", "api/say", None, 405, "not allowed")
        refused("POST", "api/speech", "{}", 405, "not allowed")
        # A clip that looks like a WAV but is not: accepted, then it fails, and the sound goes on.
        corrupt = os.path.join(self.tmp, "corrupt.wav")
        with open(corrupt, "wb") as f:
            f.write(b"RIFF\xff\xff\xff\x7fWAVEfmt " + bytes(range(256)) * 40)
        status, _, body = self.call("POST", "api/play", json.dumps({"path": corrupt}))
        self.assertEqual(status, 200, body)
        self.assertEqual(r.wait_for(self.FINISHED % body["id"]).group(1), "failed")
        r.wait_for(r'^warning: speech: refused \(speech\): .*voice.*: "x"$')
        self.assert_still_playing()
        _, _, metrics = http_get(self.url + "metrics")
        self.assertIn(b'onair_speech_items_total{pipeline="ctl",speech="speech",result="failed"} 1\n',
                      metrics)
        self.assertIn(b'onair_speech_items_total{pipeline="ctl",speech="speech",result="refused"} 1\n',
                      metrics)
        out, err = self.stop(r)
        self.assertNotIn(self.token, out + err)

    def test_rate_limit_and_full_queue(self):
        r = self.start()
        statuses = []
        for n in range(20):
            status, headers, body = self.call("POST", "api/say",
                                              '{"text":"flood number %d, a line of some length"}'
                                              % n)
            statuses.append(status)
            if status == 429:
                self.assertEqual(headers["Retry-After"], "1")
                self.assertIn("too much speech", body["error"])
                break
        # The burst of 5 goes through at once, then the speech limit answers (other
        # commands still go).
        self.assertEqual(statuses[:5], [200] * 5)
        self.assertEqual(statuses[-1], 429)
        self.assertEqual(self.call("POST", "api/speech/skip")[0], 200)
        self.stop(r)
        # A queue of 2: the third waiting item is refused with 429 and the queue's size.
        r = self.start(body=self.BODY.replace("ttsmix name=speech", "ttsmix name=speech max-queue=2"))
        self.assertEqual(self.call("POST", "api/say", '{"text":"the item playing"}')[0], 200)
        r.wait_for(self.STARTED % 1)
        replies = [self.call("POST", "api/say", '{"text":"item %d of a queue that fills up"}' % n)
                   for n in range(3)]
        self.assertEqual([status for status, _, _ in replies[:2]], [200, 200])
        self.assertEqual(replies[2][0], 429, replies[2][2])
        self.assertIn("queue is full", replies[2][2]["error"])
        r.wait_for(r'^warning: speech: refused \(speech\): .*full.*: "item 2 of')
        self.stop(r)

    def test_line_commands_and_schedule(self):
        clip = os.path.join(self.tmp, "ding.wav")
        write_wav(clip, 0.5)
        r = self.start("--control", "stdin", http=False, stdin=subprocess.PIPE,
                       header='at 0: {"cmd":"say","text":"from the schedule, a line long enough'
                              ' to be still playing when the commands come"}\n')
        self.assertTrue(r.wait_for(self.STARTED % 1).group(2).startswith("from the schedule"))
        r.proc.stdin.write('{"cmd":"say","text":"from a line"}\n'
                           + json.dumps({"cmd": "play", "path": clip}) + "\n"
                           '{"cmd":"say","text":""}\n'
                           '{"cmd":"play","path":"/nonexistent.wav"}\n'
                           '{"cmd":"speech-skip"}\n'
                           '{"cmd":"speech-clear"}\n')
        r.proc.stdin.flush()
        got = [json.loads(r.proc.stdout.readline()) for _ in range(6)]
        self.assertEqual(got[0], {"ok": True, "id": 2})
        self.assertEqual(got[1], {"ok": True, "id": 3})
        self.assertEqual(got[2], {"ok": False, "status": 400, "error": '"text" is empty'})
        self.assertEqual(got[3], {"ok": False, "status": 400, "error": '"path": no such file'})
        self.assertEqual(got[4], {"ok": True, "skipped": True})
        self.assertEqual(got[5], {"ok": True, "cleared": 2})
        self.assertEqual(r.wait_for(self.FINISHED % 1).group(1), "skipped")
        self.assertEqual(r.wait_for(self.FINISHED % 2).group(1), "cleared")
        self.assertEqual(r.wait_for(self.FINISHED % 3).group(1), "cleared")
        r.interrupt()
        self.assertEqual(r.proc.wait(timeout=DEADLINE), 0)

    def test_without_ttsmix_the_commands_answer_409(self):
        r = self.start(body="audiotestsrc is-live=true ! fakesink")
        for method, path, body in [("POST", "api/say", '{"text":"hello"}'),
                                   ("POST", "api/speech/skip", ""),
                                   ("DELETE", "api/speech", "")]:
            status, _, reply = self.call(method, path, body)
            self.assertEqual(status, 409, (path, reply))
            self.assertIn("no ttsmix in this pipeline", reply["error"])
        status, _, s = api(self.url, "GET", "api/status")
        self.assertNotIn("speech", s)
        self.stop(r)


def speech_windows(pcm, rate, window=0.05, threshold=0.01):
    """Start times (s) of the windows of mono S16LE `pcm` whose RMS is over `threshold`."""
    import array
    import math
    samples = array.array("h", pcm)
    n = int(rate * window)
    found = []
    for start in range(0, len(samples) - n, n):
        chunk = samples[start:start + n]
        rms = math.sqrt(sum(x * x for x in chunk) / n) / 32768
        if rms > threshold:
            found.append(start / rate)
    return found


@unittest.skipUnless(HAVE_TTSMIX, "ttsmix is not built")
class SpeechDemo(TempDirTest):
    def test_demo_says_a_line_heard_in_the_hls_sound(self):
        r = Running("demo", "--no-http", "--control", "stdin", "--output-dir", self.out,
                    "--status-interval", "0", "-s", "width=320", "-s", "height=180",
                    stdin=subprocess.PIPE)
        try:
            run_dir = r.wait_for(r"^output: (.*)$").group(1)
            # The demo's own welcome, scheduled two seconds in.
            m = r.wait_for(r'^speech: #1 started at ([0-9.]+) s \(speech\): "Welcome to onair')
            welcome_at = float(m.group(1))
            r.wait_for(r"^speech: #1 finished at [0-9.]+ s \(done")
            r.proc.stdin.write('{"cmd":"say","text":"Testing the speech in the stream, one two'
                               ' three."}\n')
            r.proc.stdin.flush()
            self.assertEqual(json.loads(r.proc.stdout.readline()), {"ok": True, "id": 2})
            start = float(r.wait_for(r"^speech: #2 started at ([0-9.]+) s").group(1))
            end = float(r.wait_for(r"^speech: #2 finished at ([0-9.]+) s \(done").group(1))
            # Until a segment after the line is written (2 s each).
            playlist = os.path.join(run_dir, "playlist.m3u8")
            deadline = time.monotonic() + DEADLINE
            while True:
                text = open(playlist).read() if os.path.exists(playlist) else ""
                if sum(float(d) for d in re.findall(r"#EXTINF:([0-9.]+)", text)) > end + 3:
                    break
                self.assertLess(time.monotonic(), deadline, "no segments after the line")
                self.assertIsNone(r.proc.poll())
                time.sleep(0.2)
            r.interrupt()
            code, _, err = r.finish()
        finally:
            r.kill()
        self.assertEqual(code, 0, err)
        # The sound as a listener gets it, from the first segment on (the final playlist
        # may have dropped it), without the 440 Hz tone: what is left is speech.
        segments = sorted(f for f in os.listdir(run_dir) if f.endswith(".ts"))
        self.assertEqual(segments[0], "segment00000.ts")
        rate = 16000
        pcm = subprocess.run([shutil.which("ffmpeg"), "-v", "error", "-i",
                              "concat:" + "|".join(os.path.join(run_dir, f) for f in segments),
                              "-vn",
                              "-af", "highpass=f=1500,highpass=f=1500,highpass=f=1500",
                              "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"],
                             capture_output=True, timeout=DEADLINE, check=True).stdout
        loud = speech_windows(pcm, rate)
        self.assertTrue(loud, "no speech at all in the HLS sound")
        # Nothing before the welcome; the test's line where the element said it played.
        self.assertFalse([t for t in loud if t < welcome_at - 0.3], (welcome_at, loud[:10]))
        inside = [t for t in loud if start - 0.3 <= t <= end + 0.3]
        self.assertGreater(len(inside), (end - start) / 0.05 * 0.3, (start, end, loud))
        # Nothing after the line ends: nothing else was said.
        self.assertFalse([t for t in loud if t > end + 0.5], (end, loud))


def frame_pixels(path, width, height):
    """The bytes of a whole RGBx frame, or None while it is incomplete."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != width * height * 4:
        return None
    return data


def lit_pixels(data, width, x0, y0, x1, y1):
    """How many pixels in the box are clearly not black."""
    n = 0
    for y in range(y0, y1):
        row = data[(y * width + x0) * 4:(y * width + x1) * 4]
        for i in range(0, len(row), 4):
            if max(row[i], row[i + 1], row[i + 2]) > 80:
                n += 1
    return n


@unittest.skipUnless(HAVE_OVERLAY, "broadcastoverlay is not built")
class OverlayFrames(ControlRun):
    """Commands accepted by the API show in the frames the pipeline makes."""

    W, H = 320, 240

    def latest_frame(self, run_dir):
        files = sorted(f for f in os.listdir(run_dir) if f.endswith(".rgbx"))
        # The newest may still be being written.
        for name in reversed(files[:-1]):
            try:
                data = frame_pixels(os.path.join(run_dir, name), self.W, self.H)
            except FileNotFoundError:  # deleted by max-files since the listing
                continue
            if data:
                return data
        return None

    def wait_for_frame(self, run_dir, condition, what, timeout=30):
        deadline = time.monotonic() + timeout
        data = None
        while time.monotonic() < deadline:
            data = self.latest_frame(run_dir)
            if data and condition(data):
                return data
            time.sleep(0.2)
        self.fail("no frame %s in %.0f s" % (what, timeout))

    def test_chat_and_status_appear_in_the_frames(self):
        r = self.start(body="""
            videotestsrc pattern=black is-live=true
              ! video/x-raw,format=RGBx,width=320,height=240,framerate=10/1
              ! broadcastoverlay name=overlay
              ! multifilesink location="${run_dir}/frame%05d.rgbx" max-files=30
            """)
        run_dir = os.path.join(self.out, self.runs()[0])
        W, H = self.W, self.H
        bottom_left = (0, H // 2, W // 2, H)
        top_right = (W // 2, 0, W, H // 2)

        def lit(data, box):
            return lit_pixels(data, W, *box)

        data = self.wait_for_frame(run_dir, lambda d: True, "at all")
        self.assertEqual(lit(data, (0, 0, W, H)), 0, "the picture starts black")

        status, _, body = api(self.url, "POST", "api/overlay/chat",
                              '{"user":"bot","text":"hello from the test","color":"#ffffff"}',
                              token=self.token)
        self.assertEqual(status, 200, body)
        data = self.wait_for_frame(run_dir, lambda d: lit(d, bottom_left) > 50,
                                   "with the chat line")
        self.assertEqual(lit(data, top_right), 0, "chat goes bottom left only")

        status, _, body = api(self.url, "PUT", "api/overlay/status", '{"text":"LIVE NOW"}',
                              token=self.token)
        self.assertEqual(status, 200, body)
        # The chat line stays when the status comes.
        self.wait_for_frame(run_dir,
                            lambda d: lit(d, top_right) > 30 and lit(d, bottom_left) > 50,
                            "with the status and the chat line")

        # Clearing takes it away again.
        status, _, _ = api(self.url, "DELETE", "api/overlay/chat", token=self.token)
        self.assertEqual(status, 200)
        status, _, _ = api(self.url, "PUT", "api/overlay/status", '{"text":""}', token=self.token)
        self.assertEqual(status, 200)
        self.wait_for_frame(run_dir, lambda d: lit(d, (0, 0, W, H)) == 0, "black again")
        self.stop(r)


def make_clip(path, seconds, audio=True):
    """An MP4 of colour bars (and a tone), made with gst-launch-1.0."""
    fps = 25
    args = ["gst-launch-1.0", "-q", "videotestsrc", "num-buffers=%d" % (seconds * fps),
            "pattern=smpte100", "!", "video/x-raw,width=320,height=180,framerate=%d/1" % fps,
            "!", "x264enc", "speed-preset=ultrafast", "!", "h264parse", "!", "queue", "!", "mux."]
    if audio:
        args += ["audiotestsrc", "num-buffers=%d" % (seconds * 44100 // 1024 + 1), "freq=440",
                 "!", "audioconvert", "!", "voaacenc", "!", "aacparse", "!", "queue", "!", "mux."]
    args += ["mp4mux", "name=mux", "!", "filesink", "location=" + path]
    subprocess.run(args, check=True, timeout=120, capture_output=True)
    return path


def recv_some(s):
    """The next bytes from the socket; fails rather than spin if it closed."""
    chunk = s.recv(4096)
    if not chunk:
        raise AssertionError("the server closed the connection")
    return chunk


def delta_frame_ok(frame, cells, cell_bytes):
    """A changed-cells frame (docs/protocol/asciiline.md) that adds up."""
    runs = int.from_bytes(frame[5:9], "big")
    pos = 9
    for _ in range(runs):
        first = int.from_bytes(frame[pos:pos + 4], "big")
        count = int.from_bytes(frame[pos + 4:pos + 6], "big")
        if count == 0 or first + count > cells:
            return False
        pos += 6 + count * cell_bytes
    return pos == len(frame)


class NginxProxy:
    """nginx with docs/examples/nginx-ascii.conf in its http block, on free
    loopback ports, with a certificate for 127.0.0.1 made now; the app it
    proxies listens on `app_port`. `cert` signs itself: trust it to connect."""

    def __init__(self, directory, app_port):
        self.dir = os.path.join(directory, "nginx")
        os.makedirs(self.dir)
        self.cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", self.cert],
                       check=True, capture_output=True, timeout=60)
        self.tls_port, self.http_port = free_ports(2)
        with open(os.path.join(os.environ["ONAIR_SOURCE_DIR"], "docs", "examples",
                               "nginx-ascii.conf")) as f:
            site = f.read()
        # The example as it is, but for its ports and certificate.
        for old, new in (("listen 443 ssl;", "listen 127.0.0.1:%d ssl;" % self.tls_port),
                         ("listen 80;", "listen 127.0.0.1:%d;" % self.http_port),
                         ("127.0.0.1:8080", "127.0.0.1:%d" % app_port),
                         ("/etc/letsencrypt/live/ascii.example.com/fullchain.pem", self.cert),
                         ("/etc/letsencrypt/live/ascii.example.com/privkey.pem", key)):
            if site.count(old) != 1:
                raise AssertionError("%r is not once in nginx-ascii.conf" % old)
            site = site.replace(old, new)
        with open(os.path.join(self.dir, "site.conf"), "w") as f:
            f.write(site)
        d = self.dir
        temp = " ".join("%s_temp_path %s/%s;" % (t, d, t)
                        for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write("daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\n"
                    "error_log %s/error.log info;\nevents { worker_connections 64; }\n"
                    "http { access_log off; %s include %s/site.conf; }\n" % (d, d, temp, d))
        self.proc = None

    def __enter__(self):
        log = os.path.join(self.dir, "error.log")
        self.proc = subprocess.Popen(["nginx", "-e", log, "-p", self.dir, "-c",
                                      os.path.join(self.dir, "nginx.conf")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        end = time.monotonic() + DEADLINE
        for port in (self.tls_port, self.http_port):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if self.proc.poll() is not None or time.monotonic() > end:
                        with open(log, errors="replace") as f:
                            raise AssertionError("nginx did not start: " + f.read()[-2000:])
                    time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def listening(port):
    """Whether a TCP socket listens on 127.0.0.1:port (or any address), from /proc/net/tcp."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
                return True
    return False


def free_ports(count):
    """Ports free now (held together while chosen, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class AsciiWeb(TempDirTest):
    """ascii-web: the player page, asciiline frames over WebSocket and ADTS
    sound over HTTP, all on the app's own port."""

    def start(self, clip, *extra):
        # One encode unless a test asks for the presets: the suites run side by
        # side on small machines.
        r = Running("ascii-web", "-s", "uri=" + clip, "-s", "presets=off", "--http", "127.0.0.1:0",
                    "--output-dir", self.out, "--status-interval", "0", *extra)
        # The pipeline file's page, not the HLS player at /.
        m = r.wait_for(r"open (http://127\.0\.0\.1:(\d+)/)ascii/$")
        return r, m.group(1), int(m.group(2))

    def stop(self, r):
        r.interrupt()
        code, _, err = r.finish()
        self.assertEqual(code, 0, err)

    def test_seed_format_frames_sound_and_page(self):
        clip = make_clip(os.path.join(self.tmp, "bars.mp4"), 20)
        r, url, port = self.start(clip, "-s", "quality=low", "-s", "changed_cells=false")
        try:
            status, headers, body = http_get(url + "ascii/")
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/html"))
            self.assertIn(b"player.js", body)
            status, _, body = http_get(url + "ascii/asciiline-player.js")
            self.assertEqual(status, 200)
            self.assertIn(b"WebSocket", body)

            ws = WebSocket(port, "/ascii/ws")
            opcode, init = ws.receive()
            self.assertEqual(opcode, 1)
            self.assertEqual(init, b"INIT:20.0:2:80:34:0")
            indexes = []
            started = time.monotonic()
            for _ in range(20):
                opcode, frame = ws.receive()
                self.assertEqual(opcode, 2)
                self.assertEqual(len(frame), 4 + 80 * 34 * 4)
                indexes.append(int.from_bytes(frame[:4], "big"))
            elapsed = time.monotonic() - started
            ws.close()
            # Each frame's index is one more than the last one sent; a client
            # that falls behind (a loaded machine) misses some, never repeats.
            self.assertEqual(indexes, sorted(set(indexes)))
            # And it counts frames, 20 a second: no more than that went by.
            self.assertLessEqual(indexes[-1] - indexes[0], 20 * elapsed + 2)

            # The sound: an endless chunked answer of ADTS frames.
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"GET /ascii/audio.aac HTTP/1.1\r\nHost: x\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data:
                    data += recv_some(s)
                head, rest = data.split(b"\r\n\r\n", 1)
                self.assertIn(b"200 OK", head)
                self.assertIn(b"Content-Type: audio/aac", head)
                self.assertIn(b"Transfer-Encoding: chunked", head)
                raw = rest
                while len(raw) < 12000:
                    raw += recv_some(s)
            # Undo the chunking.
            payload = b""
            while b"\r\n" in raw:
                line, _, raw = raw.partition(b"\r\n")
                size = int(line, 16)
                if len(raw) < size + 2:
                    break
                payload += raw[:size]
                raw = raw[size + 2:]
            frames = adts_frames(payload)
            self.assertGreaterEqual(len(frames), 10)
            for f in frames:
                self.assertEqual(f[1] & 0xF6, 0xF0)  # MPEG-4, layer 0
        finally:
            r.kill()

    def test_seed_clients_and_changed_cells_clients_at_once(self):
        clip = make_clip(os.path.join(self.tmp, "bars.mp4"), 20)
        r, url, port = self.start(clip, "-s", "cols=64", "-s", "rows=20", "-s", "mode=4")
        try:
            # Asking for nothing: the seed's stream, though the run offers changed cells.
            plain = WebSocket(port, "/ascii/ws")
            changed = WebSocket(port, "/ascii/ws?cells=changed")
            self.assertEqual(plain.receive(), (1, b"INIT:25.0:4:64:20:0"))
            opcode, init = changed.receive()
            self.assertEqual(init, b"INIT:25.0:4:64:20:1")
            _, first = changed.receive()
            self.assertEqual(first[4], 0)  # a new client starts on a full frame
            self.assertEqual(len(first), 4 + 1 + 64 * 20 * 4)
            deltas = 0
            for _ in range(10):
                opcode, frame = changed.receive()
                self.assertEqual(opcode, 2)
                if frame[4] == 0:
                    self.assertEqual(len(frame), 4 + 1 + 64 * 20 * 4)
                else:
                    self.assertEqual(frame[4], 1)
                    self.assertTrue(delta_frame_ok(frame, 64 * 20, 4))
                    deltas += 1
                opcode, frame = plain.receive()
                self.assertEqual((opcode, len(frame)), (2, 4 + 64 * 20 * 4))
            self.assertGreater(deltas, 0)
            plain.close()
            changed.close()
        finally:
            r.kill()

    def test_each_quality_preset_has_its_own_stream(self):
        clip = make_clip(os.path.join(self.tmp, "bars.mp4"), 20)
        r, url, port = self.start(clip, "-s", "changed_cells=false", "-s", "presets=on")
        try:
            for path, init, cells, size in (("/ascii/ws/low", b"INIT:20.0:2:80:34:0", 80 * 34, 4),
                                            ("/ascii/ws/high", b"INIT:25.0:3:200:84:0", 200 * 84, 4),  # the clip's 25 fps
                                            ("/ascii/ws", b"INIT:25.0:3:120:50:0", 120 * 50, 4)):
                ws = WebSocket(port, path)
                self.assertEqual(ws.receive(), (1, init))
                for _ in range(3):
                    opcode, frame = ws.receive()
                    self.assertEqual(opcode, 2)
                    self.assertEqual(len(frame), 4 + cells * size)
                ws.close()
        finally:
            self.stop(r)

    def test_without_presets_only_the_started_grid_is_served(self):
        clip = make_clip(os.path.join(self.tmp, "bars.mp4"), 10)
        r, url, port = self.start(clip, "-s", "quality=low")
        try:
            status, _, _ = http_get(url + "ascii/ws/high")
            self.assertEqual(status, 404)
            ws = WebSocket(port, "/ascii/ws?cells=changed")
            self.assertEqual(ws.receive()[1], b"INIT:20.0:2:80:34:1")
            ws.close()
        finally:
            self.stop(r)

    def test_video_only_source_plays_and_ends(self):
        # Long enough to outlast the start, the connection and the first frames.
        clip = make_clip(os.path.join(self.tmp, "silent.mp4"), 10, audio=False)
        r, url, port = self.start(clip, "-s", "quality=low", "-s", "audio=off")
        ws = WebSocket(port, "/ascii/ws")
        self.assertEqual(ws.receive()[0], 1)
        self.assertEqual(len(ws.receive()[1]), 4 + 80 * 34 * 4)
        code, _, err = r.finish()
        self.assertEqual(code, 0, err)
        ws.close()

    def test_source_without_sound_plays_and_ends_with_audio_on(self):
        # The sound branch waits on a decoder output that never comes: the app
        # ends it once the decoder has shown all its streams.
        clip = make_clip(os.path.join(self.tmp, "silent.mp4"), 10, audio=False)
        r, url, port = self.start(clip, "-s", "quality=low")
        ws = WebSocket(port, "/ascii/ws")
        self.assertEqual(ws.receive()[0], 1)
        for _ in range(5):
            self.assertEqual(ws.receive()[0], 2)
        code, _, err = r.finish()  # the clip ends by itself
        self.assertEqual(code, 0, err)
        self.assertIn("end of stream", err)
        ws.close()

    def wait_for_status(self, url, done):
        """Reads /api/status until `done(status)` holds; returns that status."""
        end = time.monotonic() + DEADLINE
        while True:
            _, _, body = http_get(url + "api/status")
            status = json.loads(body)
            if done(status):
                return status
            self.assertLess(time.monotonic(), end, "never reached: %r" % status)
            time.sleep(0.05)

    def test_viewers_in_status_and_metrics(self):
        clip = make_clip(os.path.join(self.tmp, "bars.mp4"), 20)
        r, url, port = self.start(clip, "-s", "quality=low")
        try:
            # Nothing here for the control API to act on: the status is named instead.
            r.wait_for(r"^status: " + re.escape(url) + "api/status$")
            viewers = [WebSocket(port, "/ascii/ws") for _ in range(2)]
            for ws in viewers:
                self.assertEqual(ws.receive()[0], 1)

            def frames(status):
                return [s for s in status["streams"] if s["path"] == "/ascii/ws"]
            status = self.wait_for_status(url, lambda s: frames(s)[0]["clients"] == 2)
            [stream] = frames(status)
            self.assertEqual(stream["name"], "frames")
            self.assertGreaterEqual(stream["connections"], 2)
            sound = [s for s in status["streams"] if s["path"] == "/ascii/audio.aac"]
            self.assertEqual([s["clients"] for s in sound], [0])
            _, _, body = http_get(url + "metrics")
            self.assertIn('onair_stream_clients{pipeline="ascii-web",stream="frames",'
                          'path="/ascii/ws"} 2\n', body.decode())
            self.assertIn("# TYPE onair_stream_dropped_total counter", body.decode())

            viewers.pop().close()
            self.wait_for_status(url, lambda s: frames(s)[0]["clients"] == 1)
            viewers[0].close()
        finally:
            self.stop(r)
        self.assertNotIn("control API", "".join(r.lines))

    def test_behind_nginx_with_tls(self):
        """docs/examples/nginx-ascii.conf, as docs/ascii.md gives it, in front of
        the app: page, WebSocket frames and the endless sound through HTTPS."""
        import ssl
        clip = make_clip(os.path.join(self.tmp, "bars.mp4"), 20)
        r, url, port = self.start(clip, "-s", "quality=low", "-s", "changed_cells=false")
        try:
            with NginxProxy(self.tmp, port) as proxy:
                tls = ssl.create_default_context(cafile=proxy.cert)
                https = "https://127.0.0.1:%d/" % proxy.tls_port
                with urllib.request.urlopen(https + "ascii/", context=tls, timeout=10) as reply:
                    self.assertEqual(reply.status, 200)
                    self.assertIn(b"player.js", reply.read())
                # / leads to the page; plain HTTP to HTTPS.
                with urllib.request.urlopen(https, context=tls, timeout=10) as reply:
                    self.assertEqual(reply.url, https + "ascii/")
                self.assertEqual(raw_request(proxy.http_port,
                                             b"GET /ascii/ HTTP/1.1\r\nHost: x\r\n\r\n"),
                                 "HTTP/1.1 301 Moved Permanently")

                # The page's own WebSocket: nginx passes the browser's Host, which
                # is the page's origin.
                ws = WebSocket(proxy.tls_port, "/ascii/ws", tls=tls,
                               origin="https://127.0.0.1:%d" % proxy.tls_port)
                self.assertEqual(ws.receive(), (1, b"INIT:20.0:2:80:34:0"))
                for _ in range(5):
                    opcode, frame = ws.receive()
                    self.assertEqual((opcode, len(frame)), (2, 4 + 80 * 34 * 4))
                ws.close()

                # The sound: nginx passes on each piece as it comes.
                with tls.wrap_socket(socket.create_connection(("127.0.0.1", proxy.tls_port),
                                                              timeout=10),
                                     server_hostname="127.0.0.1") as s:
                    s.sendall(b"GET /ascii/audio.aac HTTP/1.1\r\nHost: x\r\n\r\n")
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += recv_some(s)
                    head, body = data.split(b"\r\n\r\n", 1)
                    self.assertIn(b"200 OK", head)
                    self.assertIn(b"Content-Type: audio/aac", head)
                    while b"\xff\xf1" not in body:  # an ADTS frame's start (MPEG-4 AAC)
                        body += recv_some(s)
        finally:
            self.stop(r)

    def documented_launch_line(self, clip, port):
        """The gst-launch-1.0 line of docs/ascii.md ("Without the app"), with this
        test's clip, port and the source tree's web folder put in."""
        import shlex
        with open(os.path.join(os.environ["ONAIR_SOURCE_DIR"], "docs", "ascii.md")) as f:
            doc = f.read()
        m = re.search(r"## Without the app.*?```sh\n(gst-launch-1\.0 .*?)```", doc, re.S)
        self.assertIsNotNone(m, "no gst-launch-1.0 line under 'Without the app'")
        # The README shows the same line.
        with open(os.path.join(os.environ["ONAIR_SOURCE_DIR"], "README.md")) as f:
            self.assertIn("```sh\n" + m.group(1) + "```", f.read())
        args = shlex.split(m.group(1).replace("\\\n", " "))[1:]
        web = os.path.join(os.environ["ONAIR_SOURCE_DIR"], "web")
        put_in = {"uri=": "uri=file://" + clip, "port=": "port=%d" % port,
                  "web-root=": "web-root=" + web}
        replaced = {key: 0 for key in put_in}
        for i, arg in enumerate(args):
            for key, value in put_in.items():
                if arg.startswith(key):
                    args[i] = value
                    replaced[key] += 1
        # One source, both sinks on one port, one of them with the pages.
        self.assertEqual(replaced, {"uri=": 1, "port=": 2, "web-root=": 1}, args)
        return args

    def test_gst_launch_line_without_the_app(self):
        """The documented gst-launch-1.0 line: page, frames and sound on one port,
        also with a clip without sound (nothing reaches the sound's sink then)."""
        # gst-launch-1.0 cannot load plugins built with the sanitizers.
        probe = subprocess.run(["gst-inspect-1.0", "webstreamsink"], capture_output=True,
                               timeout=60)
        if probe.returncode != 0:
            self.skipTest("gst-launch-1.0 cannot load the built plugins (sanitizer build)")
        for name, audio in (("bars.mp4", True), ("silent.mp4", False)):
            with self.subTest(clip=name):
                self.play_documented_line(make_clip(os.path.join(self.tmp, name), 20, audio),
                                          audio)

    def play_documented_line(self, clip, audio):
        [port] = free_ports(1)
        proc = subprocess.Popen(["gst-launch-1.0"] + self.documented_launch_line(clip, port),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            # gst-launch-1.0 may first scan the freshly built plugins: slow on a busy machine.
            deadline = time.monotonic() + 60
            status = None
            while time.monotonic() < deadline:
                try:
                    status, _, body = http_get("http://127.0.0.1:%d/ascii/" % port)
                    break
                except OSError:
                    time.sleep(0.2)
            self.assertEqual(status, 200)
            self.assertIn(b"player.js", body)
            # Frames flow only once the pipeline plays: a line that stays in
            # PREROLLING serves the page but never an INIT.
            ws = WebSocket(port, "/ascii/ws")
            self.assertEqual(ws.receive(), (1, b"INIT:25.0:3:120:50:0"))
            for _ in range(5):
                opcode, frame = ws.receive()
                self.assertEqual((opcode, len(frame)), (2, 4 + 120 * 50 * 4))
            ws.close()
            if audio:
                status, headers, _ = http_get("http://127.0.0.1:%d/ascii/audio.aac" % port,
                                              method="HEAD")
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Type"], "audio/aac")
        finally:
            proc.kill()
            proc.communicate()

    def test_player_module_installs_with_npm_from_a_path(self):
        """A site gets the player as a package: npm copies it from web/ascii (as from
        the installed share/onair/web/ascii) and node imports it by name."""
        npm, node = shutil.which("npm"), shutil.which("node")
        if not npm or not node:
            self.skipTest("npm and node are not installed")
        source = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "web", "ascii")
        site = os.path.join(self.tmp, "site")
        os.mkdir(site)
        with open(os.path.join(site, "package.json"), "w") as f:
            json.dump({"name": "site", "version": "1.0.0", "private": True, "type": "module"}, f)
        done = subprocess.run([npm, "install", "--offline", "--install-links", "--no-audit",
                               "--no-fund", source], cwd=site, capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        installed = os.path.join(site, "node_modules", "@onair", "asciiline-player")
        self.assertFalse(os.path.islink(installed))  # a copy, as a site would ship it
        self.assertEqual(sorted(os.listdir(installed)), ["asciiline-player.js", "package.json"])
        used = subprocess.run(
            [node, "--input-type=module", "-e",
             "import { AsciilinePlayer } from '@onair/asciiline-player';"
             "console.log(typeof AsciilinePlayer, typeof AsciilinePlayer.prototype.setQuality)"],
            cwd=site, capture_output=True, text=True, timeout=60)
        self.assertEqual(used.stdout.strip(), "function function", used.stderr)

    def test_slow_reader_drops_stays_near_live_and_resyncs(self):
        """A changed-cells client reading at a fixed slow rate: the server drops
        its oldest frames instead of letting it fall behind, and after each drop
        it gets a delta on the picture it has (or a whole frame), so its canvas
        is always the encoder's."""
        probe = subprocess.run(["gst-inspect-1.0", "webstreamsink"], capture_output=True,
                               timeout=60)
        if probe.returncode != 0:
            self.skipTest("gst-launch-1.0 cannot load the built plugins (sanitizer build)")
        cols, rows, fps = 80, 40, 30
        cells = cols * rows
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # Scrolling bars: every frame changes part of the grid, so there are deltas.
        line = ("videotestsrc is-live=true pattern=smpte horizontal-speed=4 "
                "! video/x-raw,width=320,height=160,framerate=%d/1 "
                "! asciienc cols=%d rows=%d mode=3 changed-cells=true keyframe-interval=0 "
                "! webstreamsink port=%d path=/ascii/ws client-send-buffer=4608"
                % (fps, cols, rows, port))
        proc = subprocess.Popen(["gst-launch-1.0", "-m"] + line.split(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        messages = []
        slow_left = threading.Event()  # gst-launch -m printed the slow client's leaving

        def read_messages():
            for m in proc.stdout:
                messages.append(m)
                if "event=(string)disconnected" in m and "client-id=(guint64)2" in m:
                    slow_left.set()
        threading.Thread(target=read_messages, daemon=True).start()
        try:
            fast = None
            deadline = time.monotonic() + 20
            while fast is None:
                try:
                    fast = WebSocket(port, "/ascii/ws")
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)  # the server is not listening yet
            self.assertEqual(fast.receive(), (1, b"INIT:30.0:3:%d:%d:0" % (cols, rows)))
            seed_frames = {}  # index -> cells, from the full-frame client
            bad_sizes = []  # seed frames of another size than a full frame
            newest = [-1]
            stop = threading.Event()

            def read_fast():
                try:
                    while not stop.is_set():
                        opcode, frame = fast.receive()
                        if len(frame) != 4 + cells * 4:
                            bad_sizes.append(len(frame))
                        index = int.from_bytes(frame[:4], "big")
                        seed_frames[index] = frame[4:]
                        newest[0] = index
                except (OSError, EOFError):
                    pass  # closed at the end of the test
            fast_thread = threading.Thread(target=read_fast, daemon=True)
            fast_thread.start()

            slow = WebSocket(port, "/ascii/ws?cells=changed")
            slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)

            def paced_read(n, chunk=16384, interval=0.1):
                # At most 160 KB/s: less than half of what the full frames need.
                while len(slow.buffer) < n:
                    data = slow.sock.recv(chunk)
                    if not data:
                        raise EOFError("connection closed")
                    slow.buffer += data
                    time.sleep(interval)
                out, slow.buffer = slow.buffer[:n], slow.buffer[n:]
                return out
            slow._read = paced_read
            self.assertEqual(slow.receive(), (1, b"INIT:30.0:3:%d:%d:1" % (cols, rows)))
            canvas = None
            checked = {}  # index -> canvas after it
            fulls = deltas = rebased = 0  # rebased: deltas on a frame before the previous one
            previous = None
            lags = []
            while fulls + rebased < 5 or deltas < 4:
                self.assertLess(len(lags), 600, "no resync after many frames")
                opcode, frame = slow.receive()
                self.assertEqual(opcode, 2)
                index = int.from_bytes(frame[:4], "big")
                lags.append(newest[0] - index)
                if frame[4] == 0:
                    self.assertEqual(len(frame), 5 + cells * 4)
                    canvas = bytearray(frame[5:])
                    fulls += 1
                else:
                    self.assertEqual(frame[4], 1)
                    self.assertIsNotNone(canvas, "a delta before any full frame")
                    if index != previous + 1:
                        rebased += 1
                    self.assertTrue(delta_frame_ok(frame, cells, 4))
                    runs, pos = int.from_bytes(frame[5:9], "big"), 9
                    for _ in range(runs):
                        first = int.from_bytes(frame[pos:pos + 4], "big")
                        count = int.from_bytes(frame[pos + 4:pos + 6], "big")
                        canvas[first * 4:(first + count) * 4] = frame[pos + 6:pos + 6 + count * 4]
                        pos += 6 + count * 4
                    deltas += 1
                previous = index
                checked[index] = bytes(canvas)
            slow.close()
            # Within about a second of live: never 2 s of frames behind the fast client.
            self.assertLessEqual(max(lags), 2 * fps, lags)
            # Its picture is the encoder's after every frame the fast client also got.
            stop.set()
            fast_thread.join(10)
            fast.close()
            self.assertEqual(bad_sizes, [])
            compared = [i for i in checked if i in seed_frames]
            self.assertGreaterEqual(len(compared), 4)
            for i in compared:
                self.assertEqual(checked[i], seed_frames[i], "frame %d" % i)
            # The server dropped frames for it and says so when it leaves.
            self.assertTrue(slow_left.wait(20), "".join(messages))
            left = next(m for m in messages if "client-id=(guint64)2" in m and "disconn" in m)
            dropped = int(re.search(r"dropped=\(guint64\)(\d+)", left).group(1))
            resyncs = int(re.search(r"resyncs=\(guint64\)(\d+)", left).group(1))
            self.assertGreater(dropped, 0)
            self.assertGreaterEqual(resyncs, 1)
            # The scrolling bars change little between frames: resyncs are small deltas.
            self.assertGreaterEqual(rebased, 1)
        finally:
            proc.kill()
            proc.communicate()

    def test_other_sites_need_allow_origin(self):
        """Pages of other sites: refused unless --allow-origin names them; an allowed
        one gets the frames and reads the sound, its time and the status (CORS)."""
        clip = make_clip(os.path.join(self.tmp, "bars.mp4"), 20)
        [other] = free_ports(1)
        site, evil = "http://127.0.0.1:%d" % other, "http://evil.example"
        r, url, port = self.start(clip, "-s", "quality=low", "--allow-origin", site)
        try:
            ws = WebSocket(port, "/ascii/ws", origin=site)
            opcode, init = ws.receive()
            self.assertEqual(opcode, 1)
            self.assertTrue(init.startswith(b"INIT:"), init)
            ws.close()
            with self.assertRaises(HandshakeRefused) as refused:
                WebSocket(port, "/ascii/ws", origin=evil)
            self.assertEqual(refused.exception.status, 403)

            status, headers, _ = http_get(url + "ascii/audio.aac", method="OPTIONS",
                                          headers={"Origin": site,
                                                   "Access-Control-Request-Method": "GET"})
            self.assertEqual(status, 204)
            self.assertEqual(headers["Access-Control-Allow-Origin"], site)
            self.assertEqual(headers["Access-Control-Allow-Methods"], "GET, HEAD, OPTIONS")
            status, headers, _ = http_get(url + "ascii/audio.aac", method="HEAD",
                                          headers={"Origin": site})
            self.assertEqual(status, 200)
            self.assertEqual(headers["Access-Control-Allow-Origin"], site)
            self.assertEqual(headers["Access-Control-Expose-Headers"], "X-Stream-Time")
            for path in ("api/status", "metrics"):
                status, headers, _ = http_get(url + path, headers={"Origin": site})
                self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (200, site))
                self.assertIn("Origin", headers["Vary"])
                status, headers, _ = http_get(url + path, headers={"Origin": evil})
                self.assertEqual(status, 403)
                self.assertIsNone(headers["Access-Control-Allow-Origin"])
            # The control API stays for the server's own pages.
            status, headers, _ = http_get(url + "api/overlay", headers={"Origin": site})
            self.assertIsNone(headers["Access-Control-Allow-Origin"])
        finally:
            self.stop(r)

        # Without the option: the server's own pages only.
        r, url, port = self.start(clip, "-s", "quality=low")
        try:
            ws = WebSocket(port, "/ascii/ws", origin="http://127.0.0.1:%d" % port)
            self.assertEqual(ws.receive()[0], 1)
            ws.close()
            with self.assertRaises(HandshakeRefused) as refused:
                WebSocket(port, "/ascii/ws", origin=site)
            self.assertEqual(refused.exception.status, 403)
            status, headers, _ = http_get(url + "ascii/audio.aac", method="OPTIONS",
                                          headers={"Origin": site})
            self.assertEqual(status, 403)
            self.assertIsNone(headers["Access-Control-Allow-Origin"])
        finally:
            self.stop(r)

    def test_unreadable_uri_is_a_clear_error(self):
        r = Running("ascii-web", "-s", "uri=" + os.path.join(self.tmp, "nothing.mp4"),
                    "--no-http", "--output-dir", self.out, "--status-interval", "0")
        code, _, err = r.finish()
        self.assertEqual(code, 1)
        self.assertIn("nothing.mp4", err)


# The clip's hard cuts: four still pictures of 1.6 s each at 25 fps.
CUT_TIMES = (1.6, 3.2, 4.8)
CLIP_FPS = 25


def make_cuts_clip(path):
    """An MP4 (with a tone) of colour bars, plain orange, a test card and RGB stripes, 1.6 s
    each: three hard cuts between very different pictures, made with ffmpeg."""
    pictures = ["smptebars=", "color=c=orange:", "testsrc=", "rgbtestsrc="]
    args = ["ffmpeg", "-v", "error", "-y"]
    for p in pictures:
        args += ["-f", "lavfi", "-i", "%ss=320x180:r=%d:d=1.6" % (p, CLIP_FPS)]
    args += ["-f", "lavfi", "-i", "sine=frequency=440:duration=6.4",
             "-filter_complex", "[0][1][2][3]concat=n=4:v=1:a=0[v]", "-map", "[v]", "-map", "4",
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
             path]
    subprocess.run(args, check=True, timeout=120, capture_output=True)
    return path


def jpeg_rgb(path):
    """(width, height, RGB bytes) of a JPEG as ffmpeg decodes it; fails the test if it does not."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-of", "json",
                            "-show_entries", "stream=codec_name,width,height", path],
                           capture_output=True, text=True, timeout=60)
    streams = json.loads(probe.stdout or "{}").get("streams") or [{}]
    if streams[0].get("codec_name") != "mjpeg":
        raise AssertionError("%s is not a JPEG: %s" % (path, probe.stdout + probe.stderr))
    stream = streams[0]
    pixels = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo",
                             "-pix_fmt", "rgb24", "-"], capture_output=True, timeout=60)
    if pixels.returncode != 0 or pixels.stderr or \
            len(pixels.stdout) != stream["width"] * stream["height"] * 3:
        raise AssertionError("%s does not decode: %s" % (path, pixels.stderr))
    return stream["width"], stream["height"], pixels.stdout


@unittest.skipUnless(video_filter_available("scenedetect"), "scenedetect not built")
class Scenes(TempDirTest):
    """scenes: a JPEG of every new scene of a file, listed in index.json, and a summary."""

    def run_scenes(self, clip, *extra):
        code, _, err = run("run", "scenes", "-s", "uri=" + clip, "--no-http", "--output-dir",
                           self.out, "--status-interval", "0", *extra)
        self.assertEqual(code, 0, err)
        self.assertIn("end of stream", err)
        return err

    def check_index(self, directory, ids):
        with open(os.path.join(directory, "index.json"), encoding="utf-8") as f:
            index = json.load(f)
        self.assertEqual([e["id"] for e in index], ids)
        for entry, cut in zip(index, CUT_TIMES * (len(ids) // len(CUT_TIMES))):
            self.assertEqual(entry["kind"], "cut", entry)
            self.assertFalse(entry["sent_to_agent"])
            self.assertEqual(entry["path"], entry["id"] + ".jpg")
            # The first frame of the new scene, within a frame or two.
            self.assertAlmostEqual(entry["timestamp"], cut, delta=2.0 / CLIP_FPS + 1e-6)
            self.assertAlmostEqual(entry["running_time"], cut, delta=2.0 / CLIP_FPS + 1e-6)
            width, height, _ = jpeg_rgb(os.path.join(directory, entry["path"]))
            self.assertEqual((width, height), (320, 180))
        return index

    def test_each_cut_gives_a_jpeg_in_the_index_and_the_run_sums_up(self):
        clip = make_cuts_clip(os.path.join(self.tmp, "cuts.mp4"))
        err = self.run_scenes(clip)
        runs = self.runs()
        self.assertEqual(len(runs), 1)
        run_dir = os.path.join(self.out, runs[0])
        index = self.check_index(run_dir, ["F0001", "F0002", "F0003"])
        # The first cut's snapshot shows the new scene (orange), not the bars before it.
        width, height, rgb = jpeg_rgb(os.path.join(run_dir, index[0]["path"]))
        centre = (height // 2 * width + width // 2) * 3
        r, g, b = rgb[centre:centre + 3]
        self.assertTrue(r > 200 and 120 < g < 210 and b < 60, (r, g, b))
        self.assertIn("3 scene changes: 3 cuts, 0 gradual; 3 snapshots and index.json in %s\n"
                      % run_dir, err)

    def test_a_second_run_into_the_same_directory_continues_the_index(self):
        clip = make_cuts_clip(os.path.join(self.tmp, "cuts.mp4"))
        shots = os.path.join(self.tmp, "shots")
        self.run_scenes(clip, "-s", "snapshots=" + shots)
        err = self.run_scenes(clip, "-s", "snapshots=" + shots)
        self.check_index(shots, ["F%04d" % n for n in range(1, 7)])
        self.assertIn("3 scene changes: 3 cuts, 0 gradual; 3 snapshots and index.json in %s\n"
                      % shots, err)
        # Nothing was written into the run directories, so none is left.
        self.assertEqual(self.runs(), [])



# A stand-in for pipelines/session.pipeline with its variables and element
# names: a test picture cut into 1 s segments, scene snapshots and 1 s chunks.
SESSION_PIPELINE = """
    name: session
    description: A session of a test picture and sound
    var session_dir: required help="The session directory"
    var segment_start: type=int default=0 help="Number of the first segment"
    ---
    videotestsrc is-live=true pattern=ball
      ! video/x-raw,width=320,height=240,framerate=15/1 ! tee name=t
    t. ! queue ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15
      ! h264parse ! splitmuxsink name=segments location="${session_dir}/stream/recording_%03d.mp4"
        start-index=${segment_start} max-size-time=1000000000 muxer-factory=mp4mux
        muxer-properties="properties,fragment-duration=1000"
    t. ! queue ! videoconvert ! scenedetect name=scenes snapshot-location="${session_dir}/frames"
      ! fakesink
    audiotestsrc is-live=true wave=ticks ! audioconvert ! audioresample
      ! audio/x-raw,rate=16000,channels=1
      ! wavchunksink name=chunks location="${session_dir}/audio" start-index=-1
        chunk-duration=1000000000
    """


class SessionRun(TempDirTest):
    """Runs of the stand-in session pipeline into a sessions root in the test's directory."""

    def setUp(self):
        super().setUp()
        self.root = os.path.join(self.tmp, "sessions")
        self.pipeline = write_pipeline(self.tmp, "session", SESSION_PIPELINE)
        self.token_file = os.path.join(self.tmp, "conf", "api-token")

    def start(self, *extra, http=False, playing=True, stdin=subprocess.DEVNULL):
        """`playing`: wait until the pipeline plays (an intake plays once a sender came)."""
        args = [self.pipeline, "--sessions-dir", self.root, "--status-interval", "0",
                "--token-file", self.token_file, *extra]
        args += ["--http", "127.0.0.1:0"] if http else ["--no-http"]
        r = Running(*args, stdin=stdin)
        self.addCleanup(r.kill)
        m = r.wait_for(r"^(recording|resuming) session (\d{8}_\d{6}(_\d+)?) \(segments from (\d+)\)")
        r.session, r.first_segment = m.group(2), int(m.group(4))
        if http:
            r.url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
            with open(self.token_file) as f:
                r.token = f.read().strip()
        if playing:
            r.wait_for(r"^playing")
        return r

    def wait_segment(self, r, number):
        r.wait_for(r"session %s: recording stream/recording_%03d\.mp4" % (r.session, number))

    def stop(self, r):
        r.interrupt()
        code, _, err = r.finish()
        self.assertEqual(code, 0, err)
        return err

    def sessions(self, *args):
        return run("sessions", *args, "--sessions-dir", self.root)

    def record(self, session):
        with open(os.path.join(self.root, session, "session.json"), encoding="utf-8") as f:
            return json.load(f)

    def listed(self):
        code, out, err = self.sessions("list", "--json")
        self.assertEqual(code, 0, err)
        return json.loads(out)


class Sessions(SessionRun):
    def test_a_run_makes_a_session_that_list_and_show_describe(self):
        code, out, _ = self.sessions("list")
        self.assertEqual((code, out), (0, "no sessions in %s\n" % self.root))
        r = self.start()
        self.wait_segment(r, 1)
        live = self.listed()
        self.assertEqual([s["id"] for s in live], [r.session])
        self.assertEqual((live[0]["state"], live[0]["live"]), ("live", True))
        self.stop(r)
        directory = os.path.join(self.root, r.session)
        self.assertEqual(sorted(os.listdir(directory)),
                         ["audio", "frames", "session.json", "session.lock", "stream"])
        record = self.record(r.session)
        self.assertEqual((record["state"], record["runs"], record["pipeline"]),
                         ("finished", 1, "session"))
        files = [s["file"] for s in record["segments"]]
        self.assertEqual(files[:2], ["stream/recording_000.mp4", "stream/recording_001.mp4"])
        self.assertEqual(sorted(os.listdir(os.path.join(directory, "stream"))),
                         [os.path.basename(f) for f in files])
        self.assertAlmostEqual(record["segments"][0]["duration"], 1.0, delta=0.1)

        [listed] = self.listed()
        self.assertEqual((listed["state"], listed["live"]), ("finished", False))
        self.assertEqual(listed["segment_files"], len(files))
        self.assertEqual(listed["audio_chunks"], len(os.listdir(os.path.join(directory, "audio"))))
        self.assertAlmostEqual(listed["duration"], sum(s["duration"] for s in record["segments"]))
        code, out, _ = self.sessions("list")
        self.assertEqual(code, 0)
        self.assertRegex(out.splitlines()[1], r"^%s .* %d .* finished$" % (r.session, len(files)))
        code, out, _ = self.sessions("show", r.session)
        self.assertEqual(code, 0)
        self.assertIn("session   %s (finished)\n" % r.session, out)
        self.assertIn("  stream/recording_000.mp4  0:00:01", out)
        code, out, _ = self.sessions("show", r.session, "--json")
        self.assertEqual(json.loads(out)["segments"], record["segments"])

    def test_delete_removes_sessions_and_refuses_what_is_not_one(self):
        r = self.start()
        self.wait_segment(r, 1)
        # Live: refused, and the recording goes on.
        code, _, err = self.sessions("delete", r.session)
        self.assertEqual(code, 1)
        self.assertIn("not removed: session %s is live: stop its run first" % r.session, err)
        self.stop(r)
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "session.json"), "w") as f:
            f.write("{}")
        os.symlink(outside, os.path.join(self.root, "20000101_000000"))
        os.makedirs(os.path.join(self.root, "20000101_000001"))
        for bad, why in [("../outside", "is not a session id"), ("a/b", "is not a session id"),
                         ("..", "is not a session id"), ("20000101_000000", "a link"),
                         ("20000101_000001", "no session.json"),
                         ("20991231_235959", "no session 20991231_235959")]:
            code, out, err = self.sessions("delete", bad)
            self.assertEqual((code, out), (2, ""), bad)
            self.assertIn(why, err, bad)
        self.assertTrue(os.path.isfile(os.path.join(outside, "session.json")))
        code, out, err = self.sessions("delete", "a/b", r.session)
        self.assertEqual(code, 2)
        self.assertRegex(out, r"^removed session %s \(%s: \d+ segments, 0 snapshots, \d+ audio "
                         r"chunks, [\d.]+ KiB\)\n$" % (r.session, re.escape(
                             os.path.join(self.root, r.session))))
        self.assertFalse(os.path.exists(os.path.join(self.root, r.session)))
        self.assertEqual(self.listed(), [])

    def test_resume_goes_on_with_the_numbers_and_refusals(self):
        r = self.start()
        self.wait_segment(r, 1)
        self.stop(r)
        first = self.record(r.session)
        highest = max(int(s["file"][-7:-4]) for s in first["segments"])
        chunks = len(os.listdir(os.path.join(self.root, r.session, "audio")))
        # Resuming it while it is live elsewhere, or what does not exist, is refused.
        again = self.start("-s", "resume=" + r.session)
        self.assertEqual(again.session, r.session)
        self.assertEqual(again.first_segment, highest + 1)
        code, _, err = run("run", self.pipeline, "--sessions-dir", self.root, "--no-http",
                           "-s", "resume=" + r.session)
        self.assertEqual(code, 2)
        self.assertIn("session %s is live in another run" % r.session, err)
        self.wait_segment(again, highest + 2)
        self.stop(again)
        record = self.record(r.session)
        self.assertEqual((record["state"], record["runs"]), ("finished", 2))
        self.assertEqual(record["segments"][:len(first["segments"])], first["segments"])
        self.assertEqual(record["segments"][len(first["segments"])]["file"],
                         "stream/recording_%03d.mp4" % (highest + 1))
        names = sorted(os.listdir(os.path.join(self.root, r.session, "audio")))
        self.assertEqual(names, ["chunk_%04d.wav" % n for n in range(len(names))])
        self.assertGreater(len(names), chunks)
        for bad, why in [("20991231_235959", "no session 20991231_235959"),
                         ("../x", "is not a session id")]:
            code, _, err = run("run", self.pipeline, "--sessions-dir", self.root, "--no-http",
                               "-s", "resume=" + bad)
            self.assertEqual(code, 2, bad)
            self.assertIn(why, err)
        code, _, err = run("run", "record", "--no-http", "-s", "resume=" + r.session)
        self.assertEqual(code, 2)
        self.assertIn("pipeline 'record' records none", err)
        code, _, err = run("run", self.pipeline, "--sessions-dir", self.root, "--no-http",
                           "-s", "segment_start=3")
        self.assertEqual(code, 2)
        self.assertIn("variable 'segment_start' is given by the app", err)
        code, _, err = run("run", self.pipeline, "--sessions-dir", self.root, "--no-http",
                           "-s", "session_dir=" + self.tmp, "-s", "resume=" + r.session)
        self.assertEqual(code, 2)
        self.assertIn("it does not go with -s session_dir=DIR", err)
        self.assertEqual(len(self.listed()), 1)

    def test_a_killed_session_is_crashed_and_resumes(self):
        r = self.start()
        self.wait_segment(r, 2)
        os.kill(r.proc.pid, signal.SIGKILL)
        r.finish()
        [listed] = self.listed()
        self.assertEqual((listed["state"], listed["live"]), ("crashed", False))
        record = self.record(r.session)  # valid JSON, marked by the listing
        self.assertEqual(record["state"], "crashed")
        self.assertGreaterEqual(len(record["segments"]), 3)
        highest = max(int(name[10:13]) for name in
                      os.listdir(os.path.join(self.root, r.session, "stream")))
        again = self.start("-s", "resume=" + r.session)
        self.assertEqual(again.first_segment, highest + 1)
        self.wait_segment(again, highest + 1)
        self.stop(again)
        record = self.record(r.session)
        self.assertEqual((record["state"], record["runs"]), ("finished", 2))
        self.assertTrue(all(s["closed"] for s in record["segments"]))

    def test_help(self):
        for args in (["sessions", "--help"], ["help", "sessions"]):
            code, out, _ = run(*args)
            self.assertEqual(code, 0)
            self.assertIn("Usage: onair sessions list [--json] [--sessions-dir DIR]", out)
        for args, why in [(["sessions"], "sessions needs list, show ID or delete ID..."),
                          (["sessions", "show"], "sessions show takes one session id"),
                          (["sessions", "delete"], "needs at least one session id"),
                          (["sessions", "list", "x"], "sessions list takes no session id"),
                          (["sessions", "rm", "x"], "sessions takes list, show ID or delete")]:
            code, _, err = run(*args)
            self.assertEqual(code, 2, args)
            self.assertIn(why, err)


def sse_events(url):
    """Opens GET /api/events; returns the connection and the response to read
    events from (read_events), bounded by the socket's timeout."""
    import http.client
    import urllib.parse
    where = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=DEADLINE)
    conn.request("GET", "/api/events")
    resp = conn.getresponse()
    assert resp.status == 200, resp.status
    assert resp.getheader("Content-Type") == "text/event-stream"
    return conn, resp


def read_events(resp, wanted):
    """Reads events until each name in `wanted` came once; returns {name: data}."""
    got, name = {}, None
    while not set(wanted) <= set(got):
        line = resp.readline().decode()
        if not line:
            raise AssertionError("the event stream ended; had %r" % got)
        line = line.rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: ") and name in wanted and name not in got:
            got[name] = json.loads(line[6:])
    return got


class SessionsApi(SessionRun):
    def test_events_capture_and_marks(self):
        r = self.start(http=True)
        conn, resp = sse_events(r.url)
        self.addCleanup(conn.close)
        self.assertEqual(resp.readline(), b": onair session events\n")
        # Capture now: the answer names the snapshot the event then announces.
        status, _, body = api(r.url, "POST", "api/capture")
        self.assertEqual(status, 401)
        status, _, body = api(r.url, "POST", "api/capture", token=r.token)
        self.assertEqual((status, body["ok"]), (200, True), body)
        snapshot = body["id"]
        self.assertRegex(snapshot, r"^F\d{4}$")
        events = read_events(resp, ["snapshot", "segment-closed", "segment-opened",
                                    "audio-chunk"])
        self.assertEqual(events["snapshot"]["id"], snapshot)
        self.assertEqual(events["snapshot"]["path"], "frames/%s.jpg" % snapshot)
        self.assertEqual(events["snapshot"]["kind"], "manual")
        directory = os.path.join(self.root, r.session)
        self.assertTrue(os.path.isfile(os.path.join(directory, events["snapshot"]["path"])))
        for name in ("segment-closed", "segment-opened", "audio-chunk"):
            self.assertEqual(events[name]["session"], r.session)
            self.assertTrue(os.path.isfile(os.path.join(directory, events[name]["path"])), name)
        self.assertRegex(events["segment-opened"]["path"], r"^stream/recording_\d{3}\.mp4$")
        self.assertRegex(events["audio-chunk"]["path"], r"^audio/chunk_\d{4}\.wav$")

        # Mark it sent: token required, the id checked, the index rewritten whole.
        mark = "api/sessions/%s/frames/%s/sent" % (r.session, snapshot)
        self.assertEqual(api(r.url, "POST", mark)[0], 401)
        for path, code in [("api/sessions/%s/frames/F9999/sent" % r.session, 404),
                           ("api/sessions/%s/frames/F00x1/sent" % r.session, 400),
                           ("api/sessions/%s/frames/index.json/sent" % r.session, 400),
                           ("api/sessions/20991231_235959/frames/F0001/sent", 404),
                           ("api/sessions/2099_1/frames/F0001/sent", 400)]:
            status, _, body = api(r.url, "POST", path, token=r.token)
            self.assertEqual(status, code, (path, body))
            self.assertFalse(body["ok"])
        # An encoded slash does not even reach the app.
        for path in ["api/sessions/%s/frames/..%%2Fx/sent" % r.session,
                     "api/sessions/..%2F..%2Fetc/frames/F0001/sent"]:
            self.assertEqual(api(r.url, "POST", path, token=r.token)[0], 400, path)
        status, _, body = api(r.url, "POST", mark, '{"sent":', token=r.token)
        self.assertEqual(status, 400)
        self.assertIn("invalid JSON", body["error"])
        status, _, body = api(r.url, "POST", mark, "x" * (64 * 1024), token=r.token)
        self.assertEqual(status, 413)
        status, _, body = api(r.url, "POST", mark, token=r.token)
        self.assertEqual((status, body), (200, {"ok": True}))
        with open(os.path.join(directory, "frames", "index.json"), encoding="utf-8") as f:
            [entry] = [e for e in json.load(f) if e["id"] == snapshot]
        self.assertIs(entry["sent_to_agent"], True)

        # The sessions API: open to read, the token to delete; a live session stays.
        status, _, body = api(r.url, "GET", "api/sessions")
        self.assertEqual((status, [s["id"] for s in body]), (200, [r.session]))
        status, _, body = api(r.url, "GET", "api/sessions/" + r.session)
        self.assertEqual((status, body["live"], body["snapshots"]), (200, True, 1))
        self.assertEqual(api(r.url, "DELETE", "api/sessions/" + r.session)[0], 401)
        status, _, body = api(r.url, "DELETE", "api/sessions/" + r.session, token=r.token)
        self.assertEqual(status, 409)
        self.assertIn("is live", body["error"])
        self.assertEqual(api(r.url, "GET", "api/sessions/nope")[0], 400)
        self.assertEqual(api(r.url, "PUT", "api/sessions")[0], 405)
        self.stop(r)
        # The snapshot's entry names its segment and where in it.
        with open(os.path.join(directory, "frames", "index.json"), encoding="utf-8") as f:
            [entry] = [e for e in json.load(f) if e["id"] == snapshot]
        self.assertRegex(entry["segment"], r"^stream/recording_\d{3}\.mp4$")
        self.assertTrue(0 <= entry["segment_offset"] <= 1.5, entry)
        record = self.record(r.session)
        [segment] = [s for s in record["segments"] if s["file"] == entry["segment"]]
        self.assertAlmostEqual(segment["start_running_time"] + entry["segment_offset"],
                               entry["running_time"], delta=0.002)

    def test_capture_on_standard_input(self):
        r = self.start("--control", "stdin", stdin=subprocess.PIPE)
        r.proc.stdin.write('{"cmd":"capture"}\n{"cmd":"capture","detector":"none"}\n')
        r.proc.stdin.flush()
        self.assertEqual(json.loads(r.proc.stdout.readline()), {"ok": True, "id": "F0001"})
        self.assertEqual(json.loads(r.proc.stdout.readline()),
                         {"ok": False, "status": 404, "error":
                          "no scene detector named 'none' (scene detectors: scenes)"})
        r.proc.stdin.close()
        r.proc.stdin = None  # closed: communicate() must not flush it
        self.stop(r)
        self.assertTrue(os.path.isfile(os.path.join(self.root, r.session, "frames", "F0001.jpg")))

    def test_delete_through_the_api(self):
        r = self.start()
        self.wait_segment(r, 1)
        self.stop(r)
        other = self.start(http=True)
        status, _, body = api(other.url, "DELETE", "api/sessions/" + r.session, token=other.token)
        self.assertEqual(status, 200, body)
        self.assertTrue(body["removed"].startswith("removed session " + r.session))
        self.assertFalse(os.path.exists(os.path.join(self.root, r.session)))
        status, _, body = api(other.url, "DELETE", "api/sessions/" + r.session, token=other.token)
        self.assertEqual(status, 404)
        self.stop(other)



class SessionsIntake(SessionRun):
    """The bundled session pipeline with ffmpeg as the sender."""

    def setUp(self):
        super().setUp()
        self.clip = os.path.join(self.tmp, "talk.ts")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                        "-t", "2", "-c:v", "libx264", "-g", "25", "-c:a", "aac", self.clip],
                       check=True, timeout=DEADLINE)
        self.pipeline = "session"
        [self.port] = free_ports(1)

    def send(self):
        subprocess.run(["ffmpeg", "-v", "error", "-re", "-i", self.clip, "-c", "copy", "-f",
                        "mpegts", "tcp://127.0.0.1:%d" % self.port], check=True, timeout=DEADLINE)

    def test_an_interrupt_before_any_sender_stops_at_once(self):
        r = self.start("-s", "listen=127.0.0.1:%d" % self.port, playing=False)
        # Once the intake listens the pipeline is starting (an earlier interrupt stops the
        # run before anything ran). Read from /proc: a probing connection would be a sender.
        deadline = time.monotonic() + DEADLINE
        while not listening(self.port):
            self.assertLess(time.monotonic(), deadline, "the intake never listened")
            time.sleep(0.05)
        err = self.stop(r)
        self.assertIn("stopping (nothing has reached the outputs yet)", err)
        self.assertNotIn("did not finish", err)
        self.assertEqual(self.record(r.session)["state"], "finished")

    def test_senders_segments_events_and_resume(self):
        listen = "listen=127.0.0.1:%d" % self.port
        r = self.start("-s", listen, "-s", "chunk_seconds=1", http=True, playing=False)
        # The events answer once the main loop runs, after the intake started listening.
        conn, resp = sse_events(r.url)
        self.addCleanup(conn.close)
        for n in (1, 2):
            self.send()
            r.wait_for(r"session %s: sender %d \(127\.0\.0\.1:\d+\) left \(closed, \d+ bytes\); "
                       r"waiting for the next sender" % (r.session, n))
        status, _, body = http_get(r.url + "api/status")
        session = json.loads(body)["session"]
        self.assertEqual((session["id"], session["waiting"], session["sender"], session["senders"]),
                         (r.session, True, None, 2))
        events = read_events(resp, ["sender-connected", "sender-left", "segment-opened",
                                    "audio-chunk"])
        self.assertEqual(events["sender-connected"]["sender"], 1)
        self.assertRegex(events["sender-connected"]["remote"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual(events["sender-left"]["reason"], "closed")
        self.assertGreater(events["sender-left"]["bytes"], 0)
        self.assertEqual(events["segment-opened"]["path"], "stream/recording_000.mp4")
        self.stop(r)
        record = self.record(r.session)
        self.assertEqual([s["sender"] for s in record["senders"]], [1, 2])
        self.assertTrue(all(s["left"] and s["reason"] == "closed" for s in record["senders"]))
        self.assertEqual([s["file"] for s in record["segments"]],
                         ["stream/recording_000.mp4", "stream/recording_001.mp4"])
        for segment in record["segments"]:
            played = ffprobe_duration(os.path.join(self.root, r.session, segment["file"]))
            self.assertAlmostEqual(segment["duration"], played, delta=0.5)

        again = self.start("-s", listen, "-s", "resume=" + r.session, http=True, playing=False)
        self.assertEqual(again.first_segment, 2)
        # The web server answers once the main loop runs, after the intake started listening.
        self.assertEqual(http_get(again.url + "api/status")[0], 200)
        self.send()
        again.wait_for(r"session %s: sender 1 \(127\.0\.0\.1:\d+\) left" % r.session)
        self.stop(again)
        record = self.record(r.session)
        self.assertEqual((record["state"], record["runs"], len(record["senders"])),
                         ("finished", 2, 3))
        self.assertEqual(record["segments"][-1]["file"], "stream/recording_002.mp4")
        self.assertEqual(sorted(os.listdir(os.path.join(self.root, r.session, "stream"))),
                         ["recording_%03d.mp4" % n for n in range(3)])


if __name__ == "__main__":
    main(sys.modules[__name__])
