"""A live HLS server for tests: a process of its own on 127.0.0.1 that serves a
sliding live playlist (no end) over MPEG-TS segments made once with ffmpeg, so a
test can kill it (every connection refused at once) and start it again on the
same port. The playlist follows the wall clock from a start time given to every
run of the server, so a restarted server goes on where the first one was.

Run as a script, it is the server: hls_server.py DIR PORT START SEGMENT_SECONDS COUNT.
"""

import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from rtmp_server import free_port, wait_for_port  # noqa: E402

WINDOW = 4  # segments in the live playlist


def live_playlist(elapsed, segment_seconds, count):
    """The playlist at `elapsed` seconds after the start: the last WINDOW segments of an
    endless run of `count` segment files, played again from the first with a
    discontinuity after the last."""
    newest = int(elapsed // segment_seconds)
    first = max(0, newest - WINDOW + 1)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:%d" % segment_seconds,
             "#EXT-X-MEDIA-SEQUENCE:%d" % first,
             "#EXT-X-DISCONTINUITY-SEQUENCE:%d" % ((first - 1) // count if first else 0)]
    for i in range(first, newest + 1):
        if i and i % count == 0:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += ["#EXTINF:%d.0," % segment_seconds, "seg%d.ts" % (i % count)]
    return ("\n".join(lines) + "\n").encode()


def serve(directory, port, start, segment_seconds, count):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/live.m3u8":
                body = live_playlist(time.time() - start, segment_seconds, count)
                kind = "application/vnd.apple.mpegurl"
            else:
                path = os.path.join(directory, os.path.basename(self.path))
                if not self.path.endswith(".ts") or not os.path.exists(path):
                    self.send_error(404)
                    return
                with open(path, "rb") as f:
                    body = f.read()
                kind = "video/mp2t"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


class LiveHlsServer:
    """`url` is the live playlist's address; start() and kill() as often as needed."""

    def __init__(self, directory, segment_seconds=1, count=30):
        self.directory = directory
        self.segment_seconds = segment_seconds
        self.count = count
        self.port = free_port()
        self.url = "http://127.0.0.1:%d/live.m3u8" % self.port
        self.start_time = None
        self.proc = None
        self._make_segments()

    def _make_segments(self):
        """A red picture and a tone, a keyframe at each segment's start."""
        fps = 25
        subprocess.run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", "color=c=red:size=160x120:rate=%d" % fps,
             "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100",
             "-t", str(self.segment_seconds * self.count),
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
             "-g", str(fps * self.segment_seconds), "-sc_threshold", "0", "-c:a", "aac",
             "-f", "hls", "-hls_time", str(self.segment_seconds), "-hls_list_size", "0",
             "-hls_segment_filename", os.path.join(self.directory, "seg%d.ts"),
             os.path.join(self.directory, "made.m3u8")],
            check=True, timeout=120)

    def start(self):
        if self.start_time is None:
            self.start_time = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), self.directory, str(self.port),
             repr(self.start_time), str(self.segment_seconds), str(self.count)],
            stdin=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
