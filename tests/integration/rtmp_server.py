"""A real RTMP server for tests: nginx with the RTMP module on 127.0.0.1, a TLS
front for RTMPS (nginx stream module, certificate made at test time), and
every published stream recorded to FLV so ffprobe can judge what arrived.
"""

import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MODULES = "/usr/lib/nginx/modules"
FFPROBE = shutil.which("ffprobe")


_taken = set()  # ports handed out already: each server's own


def free_port():
    """A port free now, below the kernel's ephemeral range: the system never
    hands it to another socket (an outgoing connection, a server on port 0)
    while the server that takes it is down or not started yet."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ephemeral_low = int(f.read().split()[0])
    for _ in range(100):
        port = random.randrange(10000, max(ephemeral_low, 10100))
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _taken.add(port)
            return port
    raise RuntimeError("no free port below %d" % ephemeral_low)


def wait_for_port(port, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on 127.0.0.1:%d" % port)


class RtmpServer:
    """nginx-rtmp on loopback. `url` is rtmp://127.0.0.1:PORT/live and
    `tls_url` rtmps://127.0.0.1:TLS_PORT/live; recordings land in `rec`."""

    def __init__(self, tls=False, rcvbuf=None):
        self.rcvbuf = rcvbuf  # a small receive buffer makes a frozen server stall senders fast
        self.dir = tempfile.mkdtemp(prefix="onair-nginx-")
        self.rec = os.path.join(self.dir, "rec")
        os.makedirs(self.rec)
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        # With rcvbuf, clients go through a plain TCP front with that receive buffer.
        self.front_port = free_port() if rcvbuf else None
        self.proc = None
        self.url = "rtmp://127.0.0.1:%d/live" % (self.front_port or self.port)
        self.tls_url = "rtmps://127.0.0.1:%d/live" % self.tls_port if tls else None
        # A certificate for 127.0.0.1 made now, self-signed; `ca_file` is the
        # authority that signed it when a client should be able to trust it.
        self.ca_file = None
        if tls == "ca":
            self._make_signed_certificate()
        elif tls:
            self._openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                          "-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem")
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(self._config())

    def _openssl(self, *args):
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True,
                       timeout=60)

    def _make_signed_certificate(self):
        self._openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                      "-subj", "/CN=onair test authority", "-keyout", "ca-key.pem",
                      "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self._openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                      "-keyout", "key.pem", "-out", "server.csr")
        with open(os.path.join(self.dir, "server.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        self._openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                      "-CAcreateserial", "-days", "1", "-extfile", "server.ext", "-out", "cert.pem")
        self.ca_file = os.path.join(self.dir, "ca.pem")

    def _config(self):
        d = self.dir
        conf = f"""
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
load_module {MODULES}/ngx_rtmp_module.so;
{"load_module " + MODULES + "/ngx_stream_module.so;" if self.tls_port or self.front_port else ""}
events {{ worker_connections 256; }}
rtmp {{
  server {{
    listen 127.0.0.1:{self.port};
    chunk_size 4096;
    application live {{
      live on;
      # Subscribers start on a keyframe, audio after the first picture:
      # flvdemux then finds both streams when joining mid-stream.
      wait_key on;
      wait_video on;
      record all;
      record_path {self.rec};
      record_unique on;
    }}
  }}
}}
"""
        if self.front_port:
            conf += f"""
stream {{
  server {{
    listen 127.0.0.1:{self.front_port} rcvbuf={self.rcvbuf};
    proxy_pass 127.0.0.1:{self.port};
    proxy_buffer_size 4k;
  }}
}}
"""
        if self.tls_port:
            conf += f"""
stream {{
  server {{
    listen 127.0.0.1:{self.tls_port} ssl;
    ssl_certificate {d}/cert.pem;
    ssl_certificate_key {d}/key.pem;
    proxy_pass 127.0.0.1:{self.port};
  }}
}}
"""
        return conf

    def start(self):
        pid_file = os.path.join(self.dir, "nginx.pid")
        if os.path.exists(pid_file):
            os.unlink(pid_file)
        self.proc = subprocess.Popen([NGINX, "-e", os.path.join(self.dir, "error.log"), "-p", self.dir,
                                      "-c", os.path.join(self.dir, "nginx.conf")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        # nginx writes its pid once it listens on every port; a port that
        # answers while this nginx has exited would be somebody else's.
        end = time.monotonic() + 20
        while not self._pid_written(pid_file):
            if self.proc.poll() is not None or time.monotonic() > end:
                try:
                    with open(os.path.join(self.dir, "error.log"), errors="replace") as f:
                        log = f.read()[-2000:]
                except OSError:
                    log = "(no error log)"
                raise RuntimeError("nginx did not start: " + log)
            time.sleep(0.05)
        wait_for_port(self.port)
        if self.front_port:
            wait_for_port(self.front_port)
        if self.tls_port:
            wait_for_port(self.tls_port)
        return self

    def _pid_written(self, pid_file):
        try:
            with open(pid_file) as f:
                return f.read().strip() == str(self.proc.pid)
        except OSError:
            return False

    def kill(self):
        """Stops the server abruptly, as a crash would."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def freeze(self):
        """Stops the server without closing anything: connections stay open, unread."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.proc.send_signal(signal.SIGCONT)

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def recordings(self, key):
        """FLV files nginx recorded for stream `key`, oldest first."""
        return sorted(glob.glob(os.path.join(self.rec, key + "*.flv")), key=os.path.getmtime)


def probe_streams(path):
    out = subprocess.run([FFPROBE, "-v", "error", "-show_streams", "-of", "json", path],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("ffprobe cannot read %s: %s" % (path, out.stderr))
    streams = json.loads(out.stdout)["streams"]
    return {s["codec_type"]: s for s in streams}


def packet_times(path, stream="v"):
    """(pts seconds, is keyframe) of every packet of one stream."""
    out = subprocess.run([FFPROBE, "-v", "error", "-select_streams", stream, "-show_entries",
                          "packet=pts_time,flags", "-of", "csv=p=0", path],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise AssertionError("ffprobe cannot read %s: %s" % (path, out.stderr))
    packets = []
    for line in out.stdout.splitlines():
        parts = line.split(",")
        if len(parts) >= 2 and parts[0] not in ("", "N/A"):
            packets.append((float(parts[0]), "K" in parts[1]))
    return packets


def duration(path):
    out = subprocess.run([FFPROBE, "-v", "error", "-show_entries", "format=duration", "-of",
                          "json", path], capture_output=True, text=True, timeout=60)
    return float(json.loads(out.stdout)["format"]["duration"])
