"""What Kubernetes needs from `onair run`: the /healthz and /readyz probes, SIGTERM
draining the outputs, a restart in the same --run-dir continuing without overwriting,
and --log-format json (one JSON object per line).

Run through meson (`meson test -C build --suite app`), one test class per meson test.
"""

import json
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from onair_test import (DEADLINE, Running, TempDirTest, ffprobe_duration, http_get,  # noqa: E402
                        main, run, write_pipeline)

HLS = ("hls", "-s", "quality=low", "-s", "overlay=off", "-s", "record=on")


def wait_until(check, what, timeout=DEADLINE):
    """Polls `check` until it gives a true value, which is returned."""
    end = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError("gave up waiting: " + what)
        time.sleep(0.1)


def playlist_segments(run_dir):
    """The segment names the playlist lists (none while there is no playlist)."""
    try:
        with open(os.path.join(run_dir, "playlist.m3u8"), encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip().endswith(".ts")]
    except FileNotFoundError:
        return []


def segment_number(name):
    return int(re.fullmatch(r"segment(\d+)\.ts", name).group(1))


def read_playlist(run_dir):
    """The playlist's media sequence and its segments, each (name, duration,
    discontinuity before it)."""
    with open(os.path.join(run_dir, "playlist.m3u8"), encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    sequence = int(next(line for line in lines
                        if line.startswith("#EXT-X-MEDIA-SEQUENCE:")).split(":")[1])
    segments, duration, discontinuity = [], None, False
    for line in lines:
        if line == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:"):].split(",")[0])
        elif not line.startswith("#"):
            segments.append((line, duration, discontinuity))
            discontinuity = False
    return sequence, segments


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HlsRun(TempDirTest):
    def start_hls(self, run_dir, *extra, pipeline=HLS):
        r = Running(*pipeline, "--run-dir", run_dir, "--http", "127.0.0.1:0",
                    "--status-interval", "0", *extra)
        url = r.wait_for(r"open (http://\S+)").group(1)
        return r, url

    def run_until_segments(self, run_dir, count, after=-1, pipeline=HLS):
        """One run of `pipeline` (hls) in `run_dir` until its playlist lists `count`
        segments numbered after `after` (an earlier run's segments may be listed too),
        then SIGTERM; returns (exit code, stderr)."""
        r, _ = self.start_hls(run_dir, pipeline=pipeline)
        try:
            wait_until(lambda: len([n for n in playlist_segments(run_dir)
                                    if segment_number(n) > after]) >= count,
                       "%d new segments in the playlist" % count)
            r.proc.send_signal(signal.SIGTERM)
            code, _, err = r.finish()
        finally:
            r.kill()
        return code, err


class Probes(HlsRun):
    def test_ready_once_media_flows_without_a_token(self):
        run_dir = os.path.join(self.tmp, "channel")
        r, url = self.start_hls(run_dir)
        try:
            status, headers, body = http_get(url + "healthz")
            self.assertEqual(status, 200)
            self.assertTrue(body.startswith(b"alive: "), body)
            self.assertEqual(headers["Cache-Control"], "no-store")

            def ready():
                status, _, body = http_get(url + "readyz")
                if status != 200:
                    self.assertEqual(status, 503, body)
                    self.assertTrue(body.startswith(b"not ready: "), body)
                    return None
                return body
            body = wait_until(ready, "/readyz to say ready")
            self.assertRegex(body.decode(), r"^ready: playing, media \d+\.\d s ago\n$")
            status, headers, body = http_get(url + "readyz", method="HEAD")
            self.assertEqual((status, body), (200, b""))
            self.assertTrue(headers["Content-Type"].startswith("text/plain"))
            status, _, _ = http_get(url + "healthz", method="HEAD")
            self.assertEqual(status, 200)
            status, headers, _ = http_get(url + "readyz", method="POST")
            self.assertEqual(status, 405)
            r.proc.send_signal(signal.SIGTERM)
            code, _, err = r.finish()
        finally:
            r.kill()
        self.assertEqual(code, 0, err)

    def test_not_ready_while_no_media_flows(self):
        path = write_pipeline(self.tmp, "stalled", """
            name: stalled
            ---
            videotestsrc is-live=true ! valve drop=true ! streammonitor name=m
              ! fakesink async=false
            """)
        r = Running(path, "--http", "127.0.0.1:0", "--output-dir", self.out,
                    "--status-interval", "0")
        try:
            url = r.wait_for(r"open (http://\S+)").group(1)
            r.wait_for(r"^playing")
            status, _, body = http_get(url + "readyz")
            self.assertEqual((status, body), (503, b"not ready: no media has flowed yet\n"))
            status, _, body = http_get(url + "healthz")
            self.assertEqual((status, body), (200, b"alive: playing\n"))
        finally:
            r.kill()

    def test_buffers_reaching_the_sinks_count_without_a_monitor(self):
        path = write_pipeline(self.tmp, "plain", """
            name: plain
            ---
            videotestsrc is-live=true ! fakesink
            """)
        r = Running(path, "--http", "127.0.0.1:0", "--output-dir", self.out,
                    "--status-interval", "0")
        try:
            url = r.wait_for(r"open (http://\S+)").group(1)
            def ready_body():
                status, _, body = http_get(url + "readyz")
                return body if status == 200 else None
            body = wait_until(ready_body, "/readyz to say ready")
            self.assertRegex(body.decode(), r"^ready: playing, media \d+\.\d s ago\n$")
        finally:
            r.kill()

    def test_not_ready_when_every_network_output_failed(self):
        env = dict(os.environ, PROBE_KEY="probesecretkey42")
        r = Running("rtmp", "-s", "server=rtmp://127.0.0.1:%d/live" % closed_port(),
                    "-s", "key=env:PROBE_KEY", "-s", "max_attempts=1", "-s", "quality=low",
                    "-s", "overlay=off", "--http", "127.0.0.1:0", "--output-dir", self.out,
                    "--status-interval", "0", env=env)
        try:
            url = r.wait_for(r"open (http://\S+)").group(1)
            r.wait_for(r"output live \(.*\): failed")

            def says_failed():
                status, _, body = http_get(url + "readyz")
                return (status, body) if b"network output failed" in body else None
            status, body = wait_until(says_failed, "/readyz to tell the failed output")
            self.assertEqual((status, body), (503, b"not ready: the network output failed\n"))
        finally:
            r.kill()


class Drain(HlsRun):
    def test_sigterm_ends_the_playlist_and_the_recording(self):
        run_dir = os.path.join(self.tmp, "channel")
        code, err = self.run_until_segments(run_dir, 2)
        self.assertEqual(code, 0, err)
        self.assertIn("finishing outputs (up to 10 s", err)
        self.assertIn("outputs finished", err)
        with open(os.path.join(run_dir, "playlist.m3u8"), encoding="utf-8") as f:
            self.assertEqual(f.read().split()[-1], "#EXT-X-ENDLIST")
        for name in playlist_segments(run_dir):
            self.assertTrue(os.path.isfile(os.path.join(run_dir, name)), name)
        self.assertGreater(ffprobe_duration(os.path.join(run_dir, "recording.mp4")), 0)


class Continuation(HlsRun):
    def test_a_restart_in_the_same_run_dir_continues(self):
        run_dir = os.path.join(self.tmp, "channel")
        code, err = self.run_until_segments(run_dir, 2)
        self.assertEqual(code, 0, err)
        before = {name: os.stat(os.path.join(run_dir, name)) for name in os.listdir(run_dir)
                  if name != "playlist.m3u8"}
        first = [segment_number(n) for n in before if n.endswith(".ts")]
        self.assertTrue(first)
        first_sequence, first_listed = read_playlist(run_dir)

        code, err = self.run_until_segments(run_dir, 2, after=max(first))
        self.assertEqual(code, 0, err)
        self.assertIn("hls: continuing after the files present, from number %d" % (max(first) + 1),
                      err)
        self.assertRegex(err, r"recording\.mp4 exists; writing \S+/recording-2\.mp4")
        # Nothing of the first run was written over.
        for name, stat in before.items():
            now = os.stat(os.path.join(run_dir, name))
            self.assertEqual((now.st_size, now.st_mtime_ns), (stat.st_size, stat.st_mtime_ns),
                             name)
        self.assertIn("hls: its playlist continues from media sequence %d after the previous "
                      "run's" % (first_sequence + len(first_listed)), err)
        # The playlist goes on: the first run's last segments (the window of 6 is not full
        # yet), a discontinuity, then the new ones, numbered on.
        sequence, listed = read_playlist(run_dir)
        restart = [i for i, (_, _, discontinuity) in enumerate(listed) if discontinuity]
        self.assertEqual(len(restart), 1, listed)
        old, new = listed[:restart[0]], listed[restart[0]:]
        self.assertLess(len(new), 6, listed)
        self.assertEqual(old, first_listed[-(6 - len(new)):])
        self.assertEqual(sequence + len(old), first_sequence + len(first_listed))
        second = [segment_number(name) for name, _, _ in new]
        self.assertGreaterEqual(len(second), 2)
        self.assertGreater(min(second), max(first))
        self.assertEqual(second, sorted(second))
        # ffprobe plays it through, the first run's segments and the new ones.
        self.assertAlmostEqual(ffprobe_duration(os.path.join(run_dir, "playlist.m3u8")),
                               sum(duration for _, duration, _ in listed), delta=0.01)
        self.assertGreater(ffprobe_duration(os.path.join(run_dir, "recording-2.mp4")), 0)
        self.assertGreater(ffprobe_duration(os.path.join(run_dir, "recording.mp4")), 0)

    def test_the_previous_runs_segments_go_once_max_files_lets_them(self):
        # hlssink2 deletes only its own run's segments past max-files; the app deletes
        # the earlier runs' once they left the playlist.
        path = write_pipeline(self.tmp, "short-hls", """
            name: short-hls
            ---
            videotestsrc is-live=true ! video/x-raw,width=160,height=90,framerate=10/1
              ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10
              ! h264parse ! hls.video
            hlssink2 name=hls target-duration=1 playlist-length=2 max-files=2
              location="${run_dir}/segment%05d.ts" playlist-location="${run_dir}/playlist.m3u8"
            """)
        run_dir = os.path.join(self.tmp, "channel")
        code, err = self.run_until_segments(run_dir, 2, pipeline=(path,))
        self.assertEqual(code, 0, err)
        first = [segment_number(n) for n in os.listdir(run_dir) if n.endswith(".ts")]
        self.assertEqual(len(first), 2)

        code, err = self.run_until_segments(run_dir, 2, after=max(first), pipeline=(path,))
        self.assertEqual(code, 0, err)
        on_disk = sorted(n for n in os.listdir(run_dir) if n.endswith(".ts"))
        self.assertEqual(on_disk, sorted(playlist_segments(run_dir)))
        self.assertGreater(min(segment_number(n) for n in on_disk), max(first))

    def test_a_playlist_that_cannot_be_written_is_the_error_hlssink2_gives(self):
        # A segment of an earlier run, and where the playlist goes a directory: the old
        # playlist reads as none, and the continued one cannot be written.
        run_dir = os.path.join(self.tmp, "channel")
        os.makedirs(os.path.join(run_dir, "playlist.m3u8"))
        open(os.path.join(run_dir, "segment00004.ts"), "wb").close()
        r, _ = self.start_hls(run_dir)
        try:
            code, _, err = r.finish()
        finally:
            r.kill()
        self.assertEqual(code, 1, err)
        self.assertIn("hls: no previous playlist to continue", err)
        self.assertIn("media sequence from 5", err)
        self.assertRegex(err, r"Failed to write playlist '\S+/playlist\.m3u8'")

    def test_a_session_pipeline_refuses_a_run_dir(self):
        # A session's directory is its run directory; -s resume=ID continues it instead.
        run_dir = os.path.join(self.tmp, "channel")
        code, _, err = run("run", "session", "--run-dir", run_dir, "--no-http",
                           "--sessions-dir", os.path.join(self.tmp, "sessions"))
        self.assertEqual(code, 2, err)
        self.assertIn("--run-dir does not go with pipeline 'session'", err)
        self.assertFalse(os.path.exists(run_dir))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "sessions")))


class JsonLogs(TempDirTest):
    def assert_json_lines(self, text):
        events = []
        for line in text.splitlines():
            event = json.loads(line)
            self.assertIsInstance(event, dict, line)
            for key in ("time", "level", "source", "message"):
                self.assertIn(key, event, line)
            self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(event["level"], ("debug", "info", "warning", "error"), line)
            events.append(event)
        return events

    def test_every_line_of_a_run_is_one_json_object(self):
        # GStreamer's debug log too: its lines name the sink, whose name is the secret.
        path = write_pipeline(self.tmp, "short", """
            name: short
            var key: secret required
            ---
            videotestsrc num-buffers=60 ! video/x-raw,framerate=20/1 ! streammonitor name=m
              ! fakesink name="${key}" sync=true
            """)
        env = dict(os.environ, JSON_KEY="jsonsecretkey77", GST_DEBUG="GST_STATES:4")
        code, out, err = run("run", path, "-s", "key=env:JSON_KEY", "--no-http",
                             "--output-dir", self.out, "--log-format", "json",
                             "--status-interval", "0.5", env=env)
        self.assertEqual(code, 0, err)
        self.assertNotIn("jsonsecretkey77", err + out)
        events = self.assert_json_lines(err) + self.assert_json_lines(out)
        sources = {e["source"] for e in events}
        self.assertIn("status", sources)
        self.assertIn("GST_STATES", sources)
        self.assertIn("end of stream", [e["message"] for e in events if e["source"] == "onair"])
        self.assertNotIn("\r", err)
        gst = next(e for e in events if e["source"] == "GST_STATES")
        self.assertIn("file", gst["fields"])

    def test_errors_are_json_lines_with_their_fields(self):
        path = write_pipeline(self.tmp, "broken", """
            name: broken
            var key: secret required
            ---
            filesrc location=/nonexistent/${key}.mp4 ! fakesink
            """)
        env = dict(os.environ, JSON_KEY="jsonsecretkey77")
        code, out, err = run("run", path, "-s", "key=env:JSON_KEY", "--no-http",
                             "--output-dir", self.out, "--log-format", "json", env=env)
        self.assertEqual(code, 1, err)
        self.assertNotIn("jsonsecretkey77", err + out)
        errors = [e for e in self.assert_json_lines(err) if e["level"] == "error"]
        self.assertTrue(errors, err)
        self.assertEqual(errors[0]["fields"]["element"], "/pipeline0/filesrc0")
        self.assertIn("detail", errors[0]["fields"])

        code, out, err = run("run", "no-such-pipeline", "--no-http", "--log-format", "json")
        self.assertEqual(code, 2, err)
        (event,) = self.assert_json_lines(err)
        self.assertEqual(event["level"], "error")
        self.assertIn("no-such-pipeline", event["message"])


if __name__ == "__main__":
    main(sys.modules[__name__])
