"""What the dashboard (/) lives on, tested on the real `onair` binary: the status pushed as
Server-Sent Events with the figures' history first, and a full alert queue answered as a
temporary refusal (429 with Retry-After) over HTTP and the line protocol.

Run through meson (`meson test -C build --suite app`); one test class per meson test.
"""

import http.client
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from onair_test import DEADLINE, Running, TempDirTest, api, http_get, main, write_pipeline  # noqa: E402

LIVE_OVERLAY = """
    videotestsrc pattern=black is-live=true
      ! video/x-raw,format=RGBx,width=320,height=240,framerate=10/1
      ! streammonitor name=picture ! broadcastoverlay name=overlay ! fakesink
    """


class EventReader:
    """GET /api/status/stream, read an event at a time."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=DEADLINE)
        self.conn.request("GET", "/api/status/stream")
        self.response = self.conn.getresponse()

    def next(self):
        """(name, parsed data) of the next event; comments are skipped."""
        name, data = None, []
        while True:
            line = self.response.fp.readline().decode()
            if not line:
                raise AssertionError("the stream ended")
            line = line.rstrip("\n")
            if line == "":
                if data:
                    return name, json.loads("\n".join(data))
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)

    def close(self):
        self.conn.close()


class StatusStream(TempDirTest):
    def start(self):
        path = write_pipeline(self.tmp, "live", "name: live\n---\n" + LIVE_OVERLAY)
        r = Running(path, "--output-dir", self.out, "--status-interval", "0",
                    "--token-file", os.path.join(self.tmp, "api-token"), "--http", "127.0.0.1:0")
        self.addCleanup(r.kill)
        self.url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
        r.wait_for(r"^playing")
        return r

    def test_history_first_then_a_status_every_second(self):
        r = self.start()
        first = EventReader(self.url)
        self.addCleanup(first.close)
        # No token needed, as for /api/status.
        self.assertEqual(first.response.status, 200)
        self.assertEqual(first.response.getheader("Content-Type"), "text/event-stream")
        self.assertEqual(first.response.getheader("Cache-Control"), "no-store")
        name, history = first.next()
        self.assertEqual(name, "history")
        self.assertIsInstance(history["samples"], list)
        name, now = first.next()
        self.assertEqual(name, "status")
        self.assertIsNone(now["sample"])
        self.assertEqual(now["status"]["pipeline"], "live")
        self.assertEqual(now["status"]["overlays"][0]["name"], "overlay")
        # Then the ticks: each a status with the sample it added, until the monitor has figures.
        while True:
            name, tick = first.next()
            self.assertEqual(name, "status")
            self.assertIsNotNone(tick["sample"])
            self.assertIn("t", tick["sample"])
            if tick["sample"]["monitors"].get("picture", {}).get("fps"):
                break
        # A page opened now gets those samples first, oldest first.
        second = EventReader(self.url)
        self.addCleanup(second.close)
        name, history = second.next()
        self.assertEqual(name, "history")
        samples = history["samples"]
        self.assertIn(tick["sample"], samples)
        times = [s["t"] for s in samples]
        self.assertEqual(times, sorted(times))
        self.assertEqual(second.next()[0], "status")
        # Only GET.
        status, headers, _ = http_get(self.url + "api/status/stream", method="POST")
        self.assertEqual(status, 405)
        first.close()
        second.close()
        r.interrupt()
        self.assertEqual(r.finish()[0], 0)


class AlertQueue(TempDirTest):
    """An overlay whose alert queue the pipeline file fills (scheduled commands are not rate
    limited): the first alert stays a minute, so the queue stays full while the test runs."""

    def test_full_queue_is_429_with_retry_after(self):
        schedule = "".join('at 0: {"cmd":"alert","text":"queued %d","duration":60}\n' % i
                           for i in range(100))
        path = write_pipeline(self.tmp, "alerts", "name: alerts\n" + schedule + "---\n" +
                              LIVE_OVERLAY)
        token_file = os.path.join(self.tmp, "api-token")
        r = Running(path, "--output-dir", self.out, "--status-interval", "0", "--token-file",
                    token_file, "--http", "127.0.0.1:0", "--control", "stdin",
                    stdin=subprocess.PIPE)
        self.addCleanup(r.kill)
        url = r.wait_for(r"open (http://127\.0\.0\.1:\d+/)").group(1)
        with open(token_file) as f:
            token = f.read().strip()
        # The status event that shows the queue full.
        events = EventReader(url)
        self.addCleanup(events.close)
        while True:
            name, event = events.next()
            overlays = event["status"].get("overlays", []) if name == "status" else []
            if overlays and overlays[0]["alerts_queued"] == 100:
                break
        events.close()

        # A burst (under the rate limit): every refusal is 429, says when and how many wait.
        answers = [api(url, "POST", "api/overlay/alert", '{"text":"burst %d"}' % i, token=token)
                   for i in range(30)]
        for status, headers, body in answers:
            self.assertEqual(status, 429, body)
            retry_after = int(headers["Retry-After"])
            self.assertGreaterEqual(retry_after, 1)
            self.assertEqual(body["retry_after"], retry_after)
            self.assertEqual(body["waiting"], 100)
            self.assertFalse(body["ok"])
            self.assertIn("100 alerts waiting", body["error"])
        self.assertNotIn(400, [a[0] for a in answers])

        # The line protocol: the same code and fields.
        r.proc.stdin.write('{"cmd":"alert","text":"by line"}\n')
        r.proc.stdin.flush()
        reply = json.loads(r.proc.stdout.readline())
        self.assertEqual(reply["status"], 429)
        self.assertEqual(reply["waiting"], 100)
        self.assertGreaterEqual(reply["retry_after"], 1)

        # Cleared, the queue takes alerts again.
        status, _, body = api(url, "DELETE", "api/overlay/alert", token=token)
        self.assertEqual(status, 200, body)
        status, _, body = api(url, "POST", "api/overlay/alert", '{"text":"again"}', token=token)
        self.assertEqual(status, 200, body)
        r.interrupt()
        self.assertEqual(r.finish()[0], 0)


if __name__ == "__main__":
    main(sys.modules[__name__])
