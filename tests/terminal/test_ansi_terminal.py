"""asciienc format=ansi through fdsink into a pseudo-terminal, as a user runs
it: frames start with cursor home, have one line per cell row, and show the
24-bit colours of the SMPTE bars."""

import os
import pty
import re
import subprocess
import sys
import unittest

GST_LAUNCH = os.environ.get("GST_LAUNCH", "gst-launch-1.0")
ESC = "\x1b"
COLOUR = re.compile(r"\x1b\[38;2;(\d+);(\d+);(\d+)m")


def run_in_pty(args, timeout=30):
    """Runs a command with its standard output on a new pseudo-terminal and
    returns everything it wrote there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(slave)
    out = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode("utf-8"), err.decode("utf-8", "replace")


def parse_frame(text):
    """One frame's lines as lists of (glyph, (r, g, b))."""
    lines = []
    for line in text.replace("\r\n", "\n").split("\n")[:-1]:
        cells, colour, i = [], None, 0
        while i < len(line):
            if line[i] == ESC:
                m = COLOUR.match(line, i)
                if m:
                    colour = tuple(int(v) for v in m.groups())
                    i = m.end()
                    continue
                assert line.startswith(ESC + "[0m", i), repr(line[i:i + 10])
                colour = None
                i += 4
                continue
            cells.append((line[i], colour))
            i += 1
        lines.append(cells)
    return lines


class AnsiTerminal(unittest.TestCase):
    COLS, ROWS, FRAMES = 7, 3, 3

    def play(self, pattern="smpte", extra=()):
        rc, out, err = run_in_pty([
            GST_LAUNCH, "-q", "videotestsrc", "num-buffers=%d" % self.FRAMES,
            "pattern=" + pattern, "!", "video/x-raw,width=320,height=240", "!", "asciienc",
            "format=ansi", "cols=%d" % self.COLS, "rows=%d" % self.ROWS, *extra, "!", "fdsink",
            "fd=1"])
        self.assertEqual(rc, 0, err)
        return out

    def test_frames_lines_and_cursor_home(self):
        out = self.play()
        self.assertTrue(out.startswith(ESC + "[2J" + ESC + "[H"), repr(out[:20]))
        self.assertEqual(out.count(ESC + "[2J"), 1)  # cleared once, then redrawn in place
        frames = out.split(ESC + "[H")[1:]
        self.assertEqual(len(frames), self.FRAMES)
        for frame in frames:
            lines = parse_frame(frame.replace(ESC + "[2J", ""))
            self.assertEqual(len(lines), self.ROWS)
            for line in lines:
                self.assertEqual(len(line), self.COLS)
            # Every line ends with an attribute reset before its newline.
            self.assertEqual(frame.count(ESC + "[0m\r\n"), self.ROWS)

    def test_smpte_bar_colours(self):
        lines = parse_frame(self.play().split(ESC + "[H")[1])
        top = [colour for _, colour in lines[0]]

        def near(c, want):
            return all(abs(a - b) <= 16 for a, b in zip(c, want))

        expected = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
                    (255, 0, 255), (255, 0, 0), (0, 0, 255)]
        for i, (got, want) in enumerate(zip(top, expected)):
            self.assertTrue(near(got, want), "bar %d: %s, want about %s" % (i, got, want))
        # Bright bars get dense glyphs, the blue bar a sparse one.
        ramp = " .'`^\",:;Il!i><~+_-?][}{1)(|/tfjrxnuvczXYUJCLQ0OZmwqpdbkhao*#MW&8%B@$"
        glyphs = [g for g, _ in lines[0]]
        self.assertGreater(ramp.index(glyphs[0]), ramp.index(glyphs[6]))

    def test_mode_one_has_no_colour(self):
        out = self.play(pattern="white", extra=["mode=1"])
        self.assertIsNone(COLOUR.search(out))
        lines = parse_frame(out.split(ESC + "[H")[1])
        self.assertEqual([g for g, _ in lines[0]], ["$"] * self.COLS)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
