"""The real nginx-rtmp of tests/integration/rtmp_server.py for a browser test, driven over
standard input: prints "url URL" once it listens, then takes the lines "kill" and "start",
answering each with "killed" or "started" once done. Ends (stopping nginx) with its input."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from rtmp_server import RtmpServer  # noqa: E402


def main():
    server = RtmpServer().start()
    try:
        print("url", server.url, flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "kill":
                server.kill()
                print("killed", flush=True)
            elif command == "start":
                server.start()
                print("started", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
