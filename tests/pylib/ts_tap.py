"""A TCP relay between an MPEG-TS sender and a recorder that notes when each video frame
reaches the recorder: the wall time at which the first TS packet of each video PES passes,
keyed by its PTS in seconds from the first frame's (first in decoding order too). Tests use
it to know how much of the stream the recorder had when it was killed; the session benchmark
to time a cut from its arrival."""

import socket
import threading
import time

PACKET = 188


def video_pes_pts(packet):
    """The PTS (90 kHz) of a TS packet that starts a video PES (stream id 0xE0-0xEF), else
    None."""
    if packet[0] != 0x47 or not packet[1] & 0x40:
        return None
    start = 4
    if packet[3] & 0x20:  # an adaptation field comes first
        start += 1 + packet[4]
    pes = packet[start:]
    if len(pes) < 14 or pes[:3] != b"\x00\x00\x01" or not 0xE0 <= pes[3] <= 0xEF:
        return None
    if not pes[7] & 0x80:
        return None
    p = pes[9:14]
    return (((p[0] >> 1) & 7) << 30) | (p[1] << 22) | ((p[2] >> 1) << 15) | (p[3] << 7) | \
        (p[4] >> 1)


class TsTap:
    """Accepts one sender on `port` (127.0.0.1) and forwards its bytes to the recorder's
    port, noting each video frame as it passes."""

    def __init__(self, recorder_port):
        self.recorder_port = recorder_port
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.lock = threading.Lock()
        self.frames = {}  # PTS in seconds from the first frame -> wall time it passed
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            sender, _ = self.server.accept()
        except OSError:
            return  # closed before a sender came
        recorder = socket.create_connection(("127.0.0.1", self.recorder_port))
        pending, first_pts = b"", None
        try:
            while True:
                data = sender.recv(1 << 16)
                if not data:
                    break
                now = time.monotonic()
                pending += data
                whole = len(pending) - len(pending) % PACKET
                for i in range(0, whole, PACKET):
                    pts = video_pes_pts(pending[i:i + PACKET])
                    if pts is not None:
                        first_pts = pts if first_pts is None else first_pts
                        with self.lock:
                            self.frames.setdefault(round((pts - first_pts) / 90000, 3), now)
                pending = pending[whole:]
                recorder.sendall(data)
        except OSError:
            pass  # the recorder went away (killed): the sender's side closes below
        finally:
            recorder.close()
            sender.close()

    def arrival(self, seconds):
        """When the frame at `seconds` passed, or None."""
        with self.lock:
            return self.frames.get(round(seconds, 3))

    def latest(self):
        """The stream time of the latest frame that passed (0 before any)."""
        with self.lock:
            return max(self.frames, default=0.0)

    def close(self):
        self.thread.join(30)
        self.server.close()
