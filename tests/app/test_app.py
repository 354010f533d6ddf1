"""Tests of the real `onair` binary: command line, pipeline files, running,
interrupting, the web server and secrets.

Run through meson (`meson test -C build --suite app`), which passes the binary
in ONAIR_BIN; one test class per meson test so they run in parallel.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from onair_test import (DEADLINE, ONAIR, Running, TempDirTest, ffprobe_duration,  # noqa: E402
                        http_get, main, raw_request, run, write_pipeline)


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
        self.expect_error(["run", path], path, "pattern")

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
        self.assertIn('text="x\\" ! fakesink name=evil \\"y"', out)

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
        path = write_pipeline(self.tmp, "end", """
            name: end
            ---
            videotestsrc num-buffers=40 ! video/x-raw,framerate=20/1 ! streammonitor name=m
              ! fakesink sync=true
            """)
        code, out, err = run("run", path, "--no-http", "--output-dir", self.out,
                             "--status-interval", "0.5")
        self.assertEqual(code, 0, err)
        self.assertIn("end of stream", err)
        self.assertRegex(err, r"status: playing \d\d:\d\d:\d\d \| m 20\.0 fps")

    def test_status_line_is_redrawn_in_place_on_a_terminal(self):
        import pty
        path = write_pipeline(self.tmp, "tty", """
            name: tty
            ---
            videotestsrc num-buffers=50 ! video/x-raw,framerate=20/1 ! streammonitor name=cam
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
        self.assertRegex(screen, rb"\r\x1b\[2Kplaying 00:00:0\d \| cam 20\.0 fps")
        self.assertNotIn(b"status: ", screen)

    def test_interrupt_finishes_the_recording(self):
        r = Running("record", "--no-http", "--output-dir", self.out, "--status-interval", "0")
        try:
            r.wait_for(r"^playing")
            started = time.monotonic()
            time.sleep(4)
            r.interrupt()
            stopped = time.monotonic()
            code, _, err = r.finish()
        finally:
            r.kill()
        self.assertEqual(code, 0, err)
        self.assertIn("outputs finished", err)
        (run_dir,) = self.runs()
        duration = ffprobe_duration(os.path.join(self.out, run_dir, "recording.mp4"))
        self.assertAlmostEqual(duration, stopped - started, delta=1.0)

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
            code, _, err = r.finish(timeout=20)
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
            deadline = time.monotonic() + 30
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
            self.assertEqual(headers["Allow"], "GET, HEAD")
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


if __name__ == "__main__":
    main(sys.modules[__name__])
