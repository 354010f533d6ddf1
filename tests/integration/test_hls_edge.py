"""HLS through caching edges: one origin (onair run hls, 1 s segments), two
nginx edges configured with deploy/base/hls-edge/hls-edge.conf, 200 simulated
viewers polling playlists and fetching new segments through them for 20 s.
The origin sees at most a few requests per segment per edge (an nginx proxy in
front of onair's server counts them, one log per edge), and every viewer gets
every segment that appeared while it watched.
"""

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))
sys.path.insert(0, HERE)
from onair_test import Running, TempDirTest, http_get, main  # noqa: E402
from rtmp_server import NGINX, free_port, wait_for_port  # noqa: E402

SOURCE = os.environ.get("ONAIR_SOURCE_DIR", os.path.join(HERE, "..", ".."))
EDGE_CONF = os.path.join(SOURCE, "deploy", "base", "hls-edge", "hls-edge.conf")
VIEWERS = 200
WATCH_SECONDS = 20
PLAYLIST = "/hls/playlist.m3u8"


class Nginx:
    """An nginx of its own (prefix, logs, temp files in `dir`) with the http block `http`."""

    def __init__(self, name, http):
        self.dir = tempfile.mkdtemp(prefix="onair-%s-" % name)
        d = self.dir
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(f"""
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 2048; }}
http {{
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  {http.replace("DIR", d)}
}}
""")
        self.proc = subprocess.Popen([NGINX, "-e", os.path.join(d, "error.log"), "-p", d,
                                      "-c", os.path.join(d, "nginx.conf")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def wait(self, *ports):
        # nginx writes its pid once it listens on every port.
        pid_file = os.path.join(self.dir, "nginx.pid")
        end = time.monotonic() + 20
        while True:
            try:
                with open(pid_file) as f:
                    if f.read().strip() == str(self.proc.pid):
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > end:
                with open(os.path.join(self.dir, "error.log"), errors="replace") as f:
                    raise RuntimeError("nginx did not start: " + f.read()[-2000:])
            time.sleep(0.05)
        for port in ports:
            wait_for_port(port)

    def stop(self):
        """Ends nginx; its logs hold every request then."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class HttpConnection:
    """One keep-alive HTTP/1.1 connection, as a player holds one to its edge."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def get(self, path):
        for attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                self.writer.write(("GET %s HTTP/1.1\r\nHost: edge\r\n\r\n" % path).encode())
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed the idle connection (keepalive_requests): once more.
                self.close()
                if attempt:
                    raise

    async def _response(self):
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                body += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def parse_playlist(text):
    """(media sequence of the first segment, the segment URIs in order)."""
    match = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    return (int(match.group(1)) if match else 0), uris


class Viewer:
    """A live player: joins at the newest segment, then reloads the playlist every
    half segment (RFC 8216's pace for an unchanged playlist) and fetches each new
    segment once."""

    def __init__(self, port):
        self.port = port
        self.fetched = {}   # media sequence -> segment size
        self.listed = set()  # media sequences the playlists showed from the joining one on
        self.errors = []
        self.requests = 0

    async def watch(self, start_delay, seconds):
        await asyncio.sleep(start_delay)
        connection = HttpConnection(self.port)
        end = time.monotonic() + seconds
        first_wanted = None
        try:
            while time.monotonic() < end:
                status, body = await connection.get(PLAYLIST)
                self.requests += 1
                if status != 200:
                    self.errors.append("playlist: HTTP %d" % status)
                else:
                    first, uris = parse_playlist(body.decode())
                    if first_wanted is None and uris:
                        first_wanted = first + len(uris) - 1
                    for offset, uri in enumerate(uris):
                        sequence = first + offset
                        if first_wanted is None or sequence < first_wanted:
                            continue
                        self.listed.add(sequence)
                        if sequence in self.fetched:
                            continue
                        status, segment = await connection.get("/hls/" + uri)
                        self.requests += 1
                        if status != 200:
                            self.errors.append("%s: HTTP %d" % (uri, status))
                        elif not segment or segment[0] != 0x47 or len(segment) % 188:
                            self.errors.append("%s: not MPEG-TS (%d bytes)" % (uri, len(segment)))
                        else:
                            self.fetched[sequence] = len(segment)
                await asyncio.sleep(0.5)
        except (OSError, asyncio.IncompleteReadError) as e:
            self.errors.append("connection: %r" % e)
        finally:
            connection.close()


def origin_requests(log_path):
    """Requests per URI the origin proxy logged for one edge."""
    counts = Counter()
    with open(log_path) as f:
        for line in f:
            uri, status = line.split()
            counts[uri] += 1
    return counts


class HlsFanOut(TempDirTest):
    def test_viewers_through_two_edges(self):
        run = Running("hls", "--http", "127.0.0.1:0", "--output-dir", self.out,
                      "--status-interval", "0", "-s", "quality=low", "-s", "keyframe_interval=1",
                      "-s", "overlay=off", "-s", "speech=off")
        origin_url = run.wait_for(r"open (http://127\.0\.0\.1:(\d+)/)")
        onair_port = int(origin_url.group(2))
        servers = []
        try:
            # The origin as the edges see it: one counting proxy port per edge.
            counters = [free_port(), free_port()]
            origin = Nginx("origin", "\n".join(f"""
  log_format uri_{i} '$request_uri $status';
  server {{
    listen 127.0.0.1:{port};
    access_log DIR/edge-{i}.log uri_{i};
    location / {{ proxy_pass http://127.0.0.1:{onair_port}; }}
  }}""" for i, port in enumerate(counters)))
            servers.append(origin)
            origin.wait(*counters)
            edges = []
            for i, counter in enumerate(counters):
                port = free_port()
                edge = Nginx("edge-%d" % i, f"""
  access_log off;
  proxy_cache_path DIR/cache levels=1:2 keys_zone=onair_hls:16m max_size=256m
                   inactive=2m use_temp_path=off;
  upstream onair_origins {{ server 127.0.0.1:{counter}; keepalive 16; }}
  server {{
    listen 127.0.0.1:{port};
    include {EDGE_CONF};
  }}""")
                servers.append(edge)
                edge.wait(port)
                edges.append(port)

            # Viewers join once the playlist lists a segment (straight from onair: not counted).
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                status, _, body = http_get(origin_url.group(1) + PLAYLIST.lstrip("/"))
                if status == 200 and parse_playlist(body.decode())[1]:
                    break
                time.sleep(0.2)
            else:
                self.fail("no segment in the origin's playlist:\n" + "".join(run.lines))

            viewers = [Viewer(edges[i % 2]) for i in range(VIEWERS)]

            async def all_watch():
                # Joining spread over two seconds, as an audience arrives.
                await asyncio.gather(*(v.watch(2.0 * i / VIEWERS, WATCH_SECONDS)
                                       for i, v in enumerate(viewers)))
            asyncio.run(all_watch())
            for server in reversed(servers):
                server.stop()
            per_edge = [origin_requests(os.path.join(origin.dir, "edge-%d.log" % i))
                        for i in range(len(counters))]
        finally:
            for server in servers:
                server.close()
            run.interrupt()
            code, _, err = run.finish()

        self.assertEqual(code, 0, err)
        for v in viewers:
            self.assertEqual(v.errors, [], "a viewer of edge %d" % v.port)
            self.assertTrue(v.listed, "a viewer saw no segment")
            # Every segment that appeared while it watched, none skipped.
            self.assertEqual(sorted(v.fetched), sorted(v.listed))
            self.assertEqual(sorted(v.listed), list(range(min(v.listed), max(v.listed) + 1)))

        all_listed = set().union(*(v.listed for v in viewers))
        segments_seen = max(all_listed) - min(all_listed) + 1
        viewer_requests = sum(v.requests for v in viewers)
        for edge, counts in enumerate(per_edge):
            segment_counts = {uri: n for uri, n in counts.items() if uri.endswith(".ts")}
            playlist_count = counts[PLAYLIST]
            print("edge %d: origin saw %d playlist and %d segment requests (%d segments, at most "
                  "%d requests for one); the viewers made %d requests in all"
                  % (edge, playlist_count, sum(segment_counts.values()), len(segment_counts),
                     max(segment_counts.values(), default=0), viewer_requests))
            self.assertTrue(segment_counts, "edge %d fetched no segment" % edge)
            # Each segment once per edge, whatever the number of viewers.
            self.assertLessEqual(max(segment_counts.values()), 2, segment_counts)
            # Playlists: about one a segment (cached 1 s), never one per viewer.
            self.assertLessEqual(playlist_count, 3 * (segments_seen + 2), counts)
        self.assertGreater(viewer_requests, 10 * sum(sum(c.values()) for c in per_edge))


if __name__ == "__main__":
    main(sys.modules[__name__])
