"""Tests of `onair run sdi-preview`: one HLS preview per SDI port on the simulated
DELTACAST library (tests/fakes/videomaster), each port its own pipeline; sdi-demo adds the
simulated DeckLink driver (tests/fakes/decklink).

Run through meson (`meson test -C build --suite app`), which passes the binary in
ONAIR_BIN and the fake library in ONAIR_VIDEOMASTER_LIBRARY.
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from onair_test import (DEADLINE, FFPROBE, Running, TempDirTest, api,  # noqa: E402
                        ffprobe_duration, http_get, main, run)


def playlist_entries(path):
    """[(duration, segment file)] of an HLS playlist, and whether it has #EXT-X-ENDLIST."""
    with open(path) as f:
        text = f.read()
    entries = [(float(d), name) for d, name in re.findall(r"#EXTINF:([0-9.]+),\s*\n(\S+)", text)]
    return entries, "#EXT-X-ENDLIST" in text


def video_frames(path):
    """The pictures in a media file (its video packets, no decoding) and their frame rate."""
    out = subprocess.run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-count_packets",
                          "-show_entries", "stream=nb_read_packets,r_frame_rate", "-of", "json",
                          path], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError("ffprobe could not read %s: %s" % (path, out.stderr))
    stream = json.loads(out.stdout)["streams"][0]
    num, den = stream["r_frame_rate"].split("/")
    return int(stream["nb_read_packets"]), int(num) / int(den)


class PreviewRun(TempDirTest):
    """An `onair run sdi-preview` on simulated cards, its API on a free port."""

    SCENARIO = "signal=720p50"

    def start(self, *extra, scenario=None, ports=None):
        env = dict(os.environ, ONAIR_FAKE_VIDEOMASTER=scenario or self.SCENARIO)
        self.token_file = os.path.join(self.tmp, "conf", "api-token")
        args = ["sdi-preview", "--output-dir", self.out, "--status-interval", "0",
                "--token-file", self.token_file, "--http", "127.0.0.1:0", *extra]
        if ports:
            args += ["-s", "ports=" + ports]
        r = Running(*args, env=env)
        self.addCleanup(r.kill)
        self.url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
        with open(self.token_file) as f:
            self.token = f.read().strip()
        self.run_dir = os.path.join(self.out, self.runs()[0])
        return r

    def post(self, port, verb, token=True):
        return api(self.url, "POST", "api/previews/%s/%s" % (port, verb),
                   token=self.token if token is True else token)

    def previews(self):
        status, _, body = api(self.url, "GET", "api/previews")
        self.assertEqual(status, 200)
        return {p["port"]: p for p in body["previews"]}

    def playlist(self, port):
        return os.path.join(self.run_dir, "previews", port, "playlist.m3u8")

    def segments(self, port):
        """The segments the port's playlist lists so far (none before its first)."""
        if not os.path.exists(self.playlist(port)):
            return []
        return playlist_entries(self.playlist(port))[0]

    def segments_made(self, port):
        """How many segments the port has made so far (the playlist lists the last few)."""
        entries = self.segments(port)
        return int(re.search(r"(\d+)\.ts$", entries[-1][1]).group(1)) + 1 if entries else 0

    def wait_for_segments(self, port, count):
        """Waits until the port has made `count` segments (or more)."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            if self.segments_made(port) >= count:
                return
            time.sleep(0.1)
        self.fail("port %s never made %d segments" % (port, count))


class PreviewsApi(PreviewRun):
    def test_start_and_stop_are_idempotent(self):
        r = self.start()
        r.wait_for(r"preview 0\.0: signal locked")
        listed = self.previews()
        self.assertEqual(sorted(listed), ["0.0", "0.1"])  # every port the card has
        for p in listed.values():
            self.assertTrue(p["previewing"])
            self.assertEqual(p["playlist"], "/previews/%s/playlist.m3u8" % p["port"])
            self.assertEqual((p["bitrate"], p["audio_bitrate"]), (5000, 128))
        self.assertEqual(listed["0.0"]["mode"], "720p50")

        status, _, body = self.post("0.0", "start")
        self.assertEqual(status, 200)
        self.assertEqual((body["changed"], body["message"]), (False, "already previewing"))
        status, _, body = self.post("0.0", "stop")
        self.assertEqual((status, body["changed"], body["message"]), (200, True, "stopped"))
        status, _, body = self.post("0.0", "stop")
        self.assertEqual((status, body["changed"], body["message"]),
                         (200, False, "already stopped"))
        listed = self.previews()
        self.assertFalse(listed["0.0"]["previewing"])
        self.assertTrue(listed["0.1"]["previewing"])  # the other port went on
        status, _, body = self.post("0.0", "start")
        self.assertEqual((status, body["changed"], body["message"]), (200, True, "started"))
        self.assertTrue(self.previews()["0.0"]["previewing"])

        # Ready while a preview runs (both, once the restarted one plays); none: not ready.
        end = time.monotonic() + DEADLINE
        while http_get(self.url + "readyz")[2] != b"ready: 2 of 2 previews running\n":
            self.assertLess(time.monotonic(), end, "the restarted preview never played")
            time.sleep(0.1)
        self.assertEqual(http_get(self.url + "readyz")[0], 200)
        for port in ("0.0", "0.1"):
            self.assertEqual(self.post(port, "stop")[0], 200)
        status, _, body = http_get(self.url + "readyz")
        self.assertEqual((status, body), (503, b"not ready: no preview is running (of 2 ports)\n"))
        status, _, body = http_get(self.url + "healthz")
        self.assertEqual((status, body), (200, b"alive: playing\n"))

        r.interrupt()
        code, _, err = r.finish()
        self.assertEqual(code, 0, err)

    def test_refusals(self):
        r = self.start()
        status, hdrs, body = self.post("0.0", "stop", token=None)
        self.assertEqual(status, 401)
        self.assertIn("Bearer", hdrs["WWW-Authenticate"])
        status, _, _ = self.post("0.0", "stop", token="wrong")
        self.assertEqual(status, 401)
        self.assertTrue(self.previews()["0.0"]["previewing"])  # nothing stopped
        status, _, body = self.post("7.3", "start")
        self.assertEqual(status, 404)
        self.assertIn("no port '7.3'", body["error"])
        status, _, _ = self.post("0.0", "pause")
        self.assertEqual(status, 404)
        status, hdrs, _ = api(self.url, "GET", "api/previews/0.0/start", token=self.token)
        self.assertEqual(status, 405)
        self.assertEqual(hdrs["Allow"], "POST")
        status, _, _ = api(self.url, "DELETE", "api/previews", token=self.token)
        self.assertEqual(status, 405)
        r.interrupt()
        self.assertEqual(r.finish()[0], 0)

    def test_without_ports_the_run_stops_at_once(self):
        env = dict(os.environ, ONAIR_FAKE_VIDEOMASTER="boards=0")
        code, _, err = run("run", "sdi-preview", "--output-dir", self.out, "--no-http", env=env)
        self.assertEqual(code, 2, err)
        self.assertIn("no SDI port found", err)
        code, _, err = run("run", "sdi-preview", "--output-dir", self.out, "--no-http",
                           "-s", "ports=0.0,zero", env=env)
        self.assertEqual(code, 2, err)
        self.assertIn("variable 'ports': 'zero' is not a port", err)
        self.assertEqual(self.runs(), [])  # no run directory left behind

    def test_line_commands(self):
        env = dict(os.environ, ONAIR_FAKE_VIDEOMASTER=self.SCENARIO)
        r = Running("sdi-preview", "--output-dir", self.out, "--status-interval", "0",
                    "--no-http", "--control", "stdin", "-s", "ports=0.1", env=env,
                    stdin=subprocess.PIPE)
        self.addCleanup(r.kill)
        r.wait_for(r"preview 0\.1: started")

        def send(line):
            r.proc.stdin.write(line + "\n")
            r.proc.stdin.flush()
            return json.loads(r.proc.stdout.readline())

        reply = send('{"cmd":"preview-start","port":"0.1"}')
        self.assertEqual((reply["ok"], reply["message"]), (True, "already previewing"))
        reply = send('{"cmd":"preview-stop","port":"0.1"}')
        self.assertEqual((reply["ok"], reply["message"]), (True, "stopped"))
        reply = send('{"cmd":"previews"}')
        self.assertEqual([(p["port"], p["previewing"]) for p in reply["previews"]],
                         [("0.1", False)])
        reply = send('{"cmd":"preview-start","port":"0.0"}')  # not in this run's list
        self.assertEqual((reply["ok"], reply["status"]), (False, 404))
        reply = send('{"cmd":"preview-start"}')
        self.assertEqual((reply["ok"], reply["status"]), (False, 400))
        r.interrupt()
        self.assertEqual(r.finish()[0], 0)


@unittest.skipUnless(FFPROBE, "needs ffprobe")
class PreviewsStop(PreviewRun):
    def test_a_stop_finishes_the_playlist(self):
        self.start(ports="0.0")
        self.wait_for_segments("0.0", 2)
        status, _, body = self.post("0.0", "stop")
        self.assertEqual((status, body["message"]), (200, "stopped"))
        # The answer comes once the playlist is finished.
        entries, ended = playlist_entries(self.playlist("0.0"))
        self.assertTrue(ended)
        last = os.path.join(os.path.dirname(self.playlist("0.0")), entries[-1][1])
        self.assertGreater(ffprobe_duration(last), 0)

    def test_a_port_that_never_locked_stops_cleanly(self):
        # Nothing was written (no signal, so no caps yet): there is nothing to finish.
        r = self.start(scenario="signal=none", ports="0.0")
        r.wait_for(r"preview 0\.0: started")
        status, _, body = self.post("0.0", "stop")
        self.assertEqual((status, body["message"]), (200, "stopped"), body)
        self.assertEqual(self.previews()["0.0"]["last_error"], "")
        self.assertEqual(self.post("0.0", "start")[0], 200)
        r.interrupt()
        code, _, err = r.finish()
        self.assertEqual(code, 0, err)
        self.assertIn("preview 0.0: stopped (it had written nothing yet)", err)

    def test_an_interrupt_finishes_every_playlist(self):
        r = self.start()
        for port in ("0.0", "0.1"):
            self.wait_for_segments(port, 1)
        r.interrupt()
        code, _, err = r.finish()
        self.assertEqual(code, 0, err)
        for port in ("0.0", "0.1"):
            entries, ended = playlist_entries(self.playlist(port))
            self.assertTrue(ended, port)
            last = os.path.join(os.path.dirname(self.playlist(port)), entries[-1][1])
            self.assertGreater(ffprobe_duration(last), 0)


class PreviewsIndependent(PreviewRun):
    def test_a_port_losing_its_signal_leaves_the_other_regular(self):
        # Port 0.1 loses its signal 2 s in and never gets it back.
        r = self.start(scenario="signal=720p50;lost_at.0.1=2")
        r.wait_for(r"preview 0\.1: signal lost \(720p50\)")
        self.assertEqual(self.previews()["0.1"]["signal"], "lost")
        # Segments of 0.0 made after the loss, and 0.1 goes on too (black frames).
        self.wait_for_segments("0.0", self.segments_made("0.0") + 3)
        self.assertEqual(self.post("0.0", "stop")[0], 200)
        entries, ended = playlist_entries(self.playlist("0.0"))
        self.assertTrue(ended)
        # A second of pictures in each (the first starts with the capture, the last ends at
        # the stop), a stall of this port would leave a hole. Counted in the files: hlssink2's
        # #EXTINF is the distance between two of splitmuxsink's messages, which moves with how
        # busy its thread is. A live preview drops a late frame now and then (the sanitizer
        # builds are slow), hence the tenth allowed.
        folder = os.path.dirname(self.playlist("0.0"))
        self.assertGreaterEqual(len(entries), 4, entries)
        for _, name in entries[1:-1]:
            frames, rate = video_frames(os.path.join(folder, name))
            self.assertLessEqual(frames, round(rate), name)
            self.assertGreaterEqual(frames, round(rate * 0.9), name)
        listed = self.previews()
        self.assertTrue(listed["0.1"]["previewing"])
        self.assertEqual(listed["0.0"]["signal"], "locked")
        r.interrupt()
        self.assertEqual(r.finish()[0], 0)

    def test_a_port_that_fails_leaves_the_others_running(self):
        # Card 3 does not exist: its pipeline fails, 0.0 previews on.
        r = self.start(ports="0.0,3.0")
        r.wait_for(r"preview 3\.0 failed")
        listed = self.previews()
        self.assertEqual(listed["3.0"]["state"], "failed")
        self.assertIn("3", listed["3.0"]["last_error"])
        self.wait_for_segments("0.0", 2)
        self.assertTrue(self.previews()["0.0"]["previewing"])
        status, _, body = self.post("3.0", "start")
        self.assertEqual(status, 500)
        self.assertIn("3.0", body["error"])
        r.interrupt()
        self.assertEqual(r.finish()[0], 0)


class PreviewsDemo(PreviewRun):
    def test_the_demo_finds_its_simulated_cards(self):
        # Nothing in the environment names the library or the scenario: the app does.
        env = {k: v for k, v in os.environ.items()
               if k not in ("ONAIR_VIDEOMASTER_LIBRARY", "ONAIR_FAKE_VIDEOMASTER")}
        r = Running("sdi-demo", "--output-dir", self.out, "--status-interval", "0",
                    "--token-file", os.path.join(self.tmp, "api-token"), "--http", "127.0.0.1:0",
                    "-s", "ports=0.2", env=env)
        self.addCleanup(r.kill)
        self.url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
        r.wait_for(r"preview 0\.2: signal locked \(1080i50\)")
        # The demo's scenario: port 0.2 changes format 15 s in.
        r.wait_for(r"preview 0\.2: format now 720p59\.94")
        self.assertEqual(self.previews()["0.2"]["mode"], "720p59.94")
        r.interrupt()
        self.assertEqual(r.finish()[0], 0)

    def test_the_demo_previews_both_card_families_under_distinct_ids(self):
        # DeckLink device 0 and DELTACAST card 0's port 0 are both numbered 0: "dl0" and "0.0".
        env = {k: v for k, v in os.environ.items()
               if k not in ("ONAIR_VIDEOMASTER_LIBRARY", "ONAIR_FAKE_VIDEOMASTER",
                            "ONAIR_FAKE_DECKLINK")}
        r = Running("sdi-demo", "--output-dir", self.out, "--status-interval", "0",
                    "--token-file", os.path.join(self.tmp, "api-token"), "--http", "127.0.0.1:0",
                    "-s", "ports=dl0,0.0", env=env)
        self.addCleanup(r.kill)
        self.url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
        r.wait_for(r"preview dl0: signal locked \(1080i50\)")
        r.wait_for(r"preview 0\.0: signal locked \(1080i50\)")
        listed = self.previews()
        self.assertEqual(sorted(listed), ["0.0", "dl0"])
        self.assertEqual(listed["dl0"]["playlist"], "/previews/dl0/playlist.m3u8")
        self.assertEqual(listed["0.0"]["playlist"], "/previews/0.0/playlist.m3u8")
        self.run_dir = os.path.join(self.out, self.runs()[0])
        self.wait_for_segments("dl0", 2)
        self.wait_for_segments("0.0", 2)
        r.interrupt()
        self.assertEqual(r.finish()[0], 0)

    def test_the_demo_runs_the_preview_pipeline(self):
        source = os.environ.get("ONAIR_SOURCE_DIR", ".")

        def body(name):
            with open(os.path.join(source, "pipelines", name + ".pipeline")) as f:
                return f.read().split("\n---\n", 1)[1]
        self.assertEqual(body("sdi-demo"), body("sdi-preview"))


if __name__ == "__main__":
    main(sys.modules[__name__])
