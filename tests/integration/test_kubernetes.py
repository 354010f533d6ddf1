"""A channel as Kubernetes runs it, against a real RTMP server (nginx-rtmp on 127.0.0.1,
started here): ready once it is live, SIGTERM closes the RTMP connection after the last
frames and exits 0, JSON log lines throughout, the stream key in none of them.
"""

import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, HERE)

from onair_test import DEADLINE, Running, TempDirTest, http_get, main  # noqa: E402
from rtmp_server import RtmpServer, duration  # noqa: E402

KEY = "live_k8s_5a1e0c3f9b_streamkey"


class SigtermLive(TempDirTest):
    def test_sigterm_closes_the_rtmp_connection_and_exits_0(self):
        with RtmpServer() as server:
            r = Running("rtmp", "-s", "server=" + server.url, "-s", "key=env:STREAM_KEY",
                        "-s", "quality=low", "-s", "overlay=off", "-s", "record=on",
                        "--http", "127.0.0.1:0", "--run-dir", os.path.join(self.tmp, "channel"),
                        "--log-format", "json", "--status-interval", "1",
                        env=dict(os.environ, STREAM_KEY=KEY))
            try:
                url = json.loads(r.wait_for(r'"message":"open http').string)["message"][5:]
                end = time.monotonic() + DEADLINE
                while True:
                    status = json.loads(http_get(url + "api/status")[2])
                    (live,) = status["outputs"]
                    if live["state"] == "live" and live["frames_sent"] > 60:
                        break
                    self.assertLess(time.monotonic(), end, "never live: %s" % live)
                    time.sleep(0.1)
                code, _, body = http_get(url + "readyz")
                self.assertEqual(code, 200, body)
                r.proc.send_signal(signal.SIGTERM)
                code, out, err = r.finish()
            finally:
                r.kill()
            self.assertEqual(code, 0, err)
            self.assertNotIn(KEY, err + out)
            events = [json.loads(line) for line in err.splitlines()]
            messages = [e["message"] for e in events if e["source"] == "onair"]
            self.assertIn("outputs finished", messages)
            states = [e["fields"]["state"] for e in events
                      if e.get("fields", {}).get("output") == "live"]
            self.assertEqual(states[-1], "stopped", states)
            self.assertIn("live", states)
            (recording,) = server.recordings(KEY)
            self.assertGreater(duration(recording), 1.0)
            self.assertGreater(duration(os.path.join(self.tmp, "channel", "recording.mp4")), 1.0)


if __name__ == "__main__":
    main(sys.modules[__name__])
