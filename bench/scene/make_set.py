#!/usr/bin/env python3
"""Makes the labelled evaluation set for scene detection: clips of real photographs moved
like a camera, joined by hard cuts, dissolves, fades through black or white and wipes, with
hard negatives inside the shots (flashes, strobes, lighting ramps, fast pans, shake, zooms),
and a screen-recording-like clip of slides with a cursor. Writes CLIP.mp4 and truth.json.

The photographs are the nature set of Debian's mate-backgrounds (GPL-2+), installed with
`apt-get install mate-backgrounds`; nothing of them is stored in the tree. Every choice comes
from a fixed seed, made before the detector was measured on it.

Usage: make_set.py OUTDIR [SEED]
SEED (default 0) is added to every clip's seed: another SEED makes another set of the same
kind, for a check on material the detector was not tuned with.
"""
import json
import os
import random
import subprocess
import sys

FPS = 25
W, H = 640, 360
# The source is cropped from the photograph scaled to this, leaving room to move.
SW, SH = 1440, 810
PHOTO_DIR = "/usr/share/backgrounds/mate/nature"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

MOTIONS = ["static", "drift", "zoom", "fastpan", "shake"]
NEGATIVES = ["none", "flash", "flash", "strobe", "ramp"]
# Transitions between shots: xfade names, or "cut".
TRANSITIONS = ["cut", "cut", "cut", "cut", "fade", "fade", "fadeblack", "fadewhite",
               "wipeleft", "wiperight", "wipeup", "wipedown"]


def crop_motion(kind, dur, rng):
    """A crop window's x and y expressions for camera motion over a shot of `dur` s."""
    mx, my = SW - W, SH - H  # room to move
    if kind == "static":
        return f"crop={W}:{H}:{rng.randint(0, mx)}:{rng.randint(0, my)}"
    if kind == "drift":
        x0, y0 = rng.randint(0, mx // 2), rng.randint(0, my // 2)
        vx, vy = rng.uniform(15, 40), rng.uniform(5, 20)  # pixels per second
        return f"crop={W}:{H}:x='{x0}+{vx:.1f}*t':y='{y0}+{vy:.1f}*t'"
    if kind == "fastpan":
        # Two whip pans across the room, at 2 to 7 % of the frame width per frame.
        speed = rng.uniform(0.02, 0.07) * W * FPS  # px/s
        span = mx
        t1 = rng.uniform(0.8, dur / 2 - span / speed)
        t1 = max(0.5, t1)
        t2 = t1 + span / speed + rng.uniform(0.8, 1.5)
        y = rng.randint(0, my)
        x = (f"if(lt(t,{t1:.2f}),0,if(lt(t,{t1 + span / speed:.2f}),{speed:.1f}*(t-{t1:.2f}),"
             f"if(lt(t,{t2:.2f}),{span},max(0,{span}-{speed:.1f}*(t-{t2:.2f})))))")
        return f"crop={W}:{H}:x='{x}':y={y}"
    if kind == "shake":
        cx, cy = mx // 2, my // 2
        a1, a2 = rng.uniform(10, 22), rng.uniform(5, 12)
        return (f"crop={W}:{H}:x='{cx}+{a1:.1f}*sin(2*PI*2.7*t)+{a2:.1f}*sin(2*PI*6.1*t+1)':"
                f"y='{cy}+{a1 * 0.7:.1f}*sin(2*PI*3.4*t+2)+{a2 * 0.7:.1f}*sin(2*PI*7.7*t)'")
    raise ValueError(kind)


def shot_filter(index, photo_input, kind, negative, dur, rng, events, start_frame):
    """The filter chain of one shot; appends its hard negatives (absolute frames) to events."""
    frames = int(round(dur * FPS))
    chain = [f"[{photo_input}:v]scale={SW}:{SH}:force_original_aspect_ratio=increase,"
             f"crop={SW}:{SH},setsar=1,fps={FPS}"]
    if kind == "zoom":
        z_in = rng.random() < 0.5
        rate = rng.uniform(0.15, 0.5) / frames  # 15 to 50 % over the shot
        z = f"1+{rate:.5f}*on" if z_in else f"max(1,1.5-{rate:.5f}*on)"
        chain.append(f"zoompan=z='{z}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:"
                     f"s={W}x{H}:fps={FPS}")
    else:
        chain.append(crop_motion(kind, dur, rng))
    events.append({"kind": kind, "start": start_frame, "end": start_frame + frames - 1})
    # Hard negatives in the middle of the shot, away from its transitions.
    mid = frames // 2 + rng.randint(-FPS // 2, FPS // 2)
    if negative == "flash":
        length = rng.choice([1, 2, 3])
        if rng.random() < 0.5:
            chain.append(f"drawbox=x=0:y=0:w=iw:h=ih:color=white@{rng.uniform(0.6, 0.9):.2f}:"
                         f"t=fill:enable='between(n,{mid},{mid + length - 1})'")
        else:  # overexposed: bright parts clip
            chain.append(f"lutyuv=y='min(255,val*{rng.uniform(1.8, 2.6):.2f})':"
                         f"enable='between(n,{mid},{mid + length - 1})'")
        events.append({"kind": "flash", "start": start_frame + mid,
                       "end": start_frame + mid + length - 1})
    elif negative == "strobe":
        period, on, count = rng.choice([4, 5, 6]), rng.choice([1, 2]), rng.randint(5, 8)
        first = max(5, mid - period * count // 2)
        last = first + period * count - 1
        chain.append(f"drawbox=x=0:y=0:w=iw:h=ih:color=white@0.8:t=fill:"
                     f"enable='between(n,{first},{last})*lt(mod(n-{first},{period}),{on})'")
        events.append({"kind": "strobe", "start": start_frame + first, "end": start_frame + last})
    elif negative == "ramp":
        t0, ramp = mid / FPS - 0.8, rng.uniform(1.0, 2.0)
        depth = rng.choice([-0.3, -0.2, 0.2])
        chain.append(f"eq=brightness='{depth}*min(1,max(0,(t-{t0:.2f})/{ramp:.2f}))':eval=frame")
        events.append({"kind": "ramp", "start": start_frame + int(t0 * FPS),
                       "end": start_frame + int((t0 + ramp) * FPS)})
    # Exactly `frames` frames: a looped picture read for `dur` seconds may give one more.
    chain.append(f"noise=alls=3:allf=t,format=yuv420p,trim=end_frame={frames},"
                 f"setpts=PTS-STARTPTS,settb=1/{FPS}")
    return ",".join(chain) + f"[s{index}]"


def photo_clip(name, seed, shots, outdir):
    rng = random.Random(seed)
    photos = sorted(os.path.join(PHOTO_DIR, f) for f in os.listdir(PHOTO_DIR) if f.endswith(".jpg"))
    inputs, filters, truth, negatives = [], [], [], []
    previous = None
    length = 0  # frames so far in the joined clip
    last_label = None
    for i in range(shots):
        photo = rng.choice([p for p in photos if p != previous])
        previous = photo
        dur = rng.randint(4 * FPS, 6 * FPS) / FPS  # whole frames
        kind = rng.choice(MOTIONS)
        negative = rng.choice(NEGATIVES) if kind != "fastpan" else "none"
        transition = rng.choice(TRANSITIONS) if i > 0 else None
        tframes = rng.randint(FPS // 2, FPS * 3 // 2) if transition not in (None, "cut") else 0
        start = length - tframes if transition else 0
        inputs += ["-loop", "1", "-framerate", str(FPS), "-t", str(dur), "-i", photo]
        shot_events = []
        filters.append(shot_filter(i, i, kind, negative, dur, rng, shot_events, start))
        negatives += shot_events
        frames = int(round(dur * FPS))
        if i == 0:
            last_label = "s0"
        else:
            out = f"j{i}"
            # Trimmed to the length the truth counts: xfade repeats its last frame at the end.
            trim = f"trim=end_frame={start + frames},setpts=PTS-STARTPTS,settb=1/{FPS}"
            if transition == "cut":
                filters.append(f"[{last_label}][s{i}]concat=n=2:v=1:a=0,{trim}[{out}]")
                truth.append({"kind": "cut", "frame": length, "type": "cut"})
            else:
                offset = (length - tframes) / FPS
                filters.append(f"[{last_label}][s{i}]xfade=transition={transition}:"
                               f"duration={tframes / FPS}:offset={offset},{trim}[{out}]")
                truth.append({"kind": "gradual", "start": length - tframes, "end": length - 1,
                              "type": transition})
            last_label = out
        length = start + frames
    path = os.path.join(outdir, name + ".mp4")
    encode(inputs, ";".join(filters), last_label, path)
    return {"file": name + ".mp4", "frames": length, "fps": FPS, "transitions": truth,
            "events": negatives}


def escape_text(text):
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\u2019")


def slides_clip(name, seed, count, outdir):
    """Slides on one theme, a moving cursor, a scrolling slide; cuts between slides."""
    rng = random.Random(seed)
    words = ("latency encoder segment keyframe bitrate muxer playlist viewer ingest archive "
             "caption overlay mixer preview render session buffer decoder network chunk").split()
    inputs, filters, truth, events = [], [], [], []
    length = 0
    for i in range(count):
        dur = rng.randint(3 * FPS, 5 * FPS) / FPS
        frames = int(round(dur * FPS))
        scroll = i == count // 2
        title = f"{i + 1}. " + " ".join(rng.choice(words).capitalize() for _ in range(rng.randint(2, 4)))
        inputs += ["-f", "lavfi", "-t", str(dur), "-i", f"color=c=0xf4f4f0:s={W}x{H}:r={FPS}"]
        chain = [f"[{i}:v]drawbox=x=0:y=0:w=iw:h=56:color=0x1d3557:t=fill",
                 f"drawtext=fontfile={FONT_BOLD}:text='{escape_text(title)}':x=24:y=16:"
                 f"fontsize=24:fontcolor=white"]
        lines = rng.randint(3, 9) if not scroll else 16
        for k in range(lines):
            text = "\u2022 " + " ".join(rng.choice(words) for _ in range(rng.randint(3, 7)))
            y = f"{80 + 30 * k}" if not scroll else f"'{80 + 30 * k}-60*max(0,t-1)'"
            chain.append(f"drawtext=fontfile={FONT}:text='{escape_text(text)}':x=40:y={y}:"
                         f"fontsize=18:fontcolor=0x222222")
        if rng.random() < 0.5:  # a chart: a few bars
            for b in range(rng.randint(3, 6)):
                h = rng.randint(30, 120)
                chain.append(f"drawbox=x={420 + b * 34}:y={320 - h}:w=24:h={h}:"
                             f"color=0x{rng.choice(['e63946', '457b9d', '2a9d8f', 'f4a261'])}:t=fill")
        # The cursor wanders over the slide.
        cx, cy = rng.randint(100, 500), rng.randint(100, 280)
        chain.append(f"drawbox=x='{cx}+120*sin(t*1.3+{i})':y='{cy}+60*sin(t*0.9)':w=10:h=16:"
                     f"color=black:t=fill")
        chain.append(f"format=yuv420p,trim=end_frame={frames},setpts=PTS-STARTPTS,settb=1/{FPS}")
        filters.append(",".join(chain) + f"[s{i}]")
        events.append({"kind": "scroll" if scroll else "cursor", "start": length,
                       "end": length + frames - 1})
        if i > 0:
            truth.append({"kind": "cut", "frame": length, "type": "slide"})
        length += frames
    filters.append("".join(f"[s{i}]" for i in range(count)) + f"concat=n={count}:v=1:a=0[out]")
    path = os.path.join(outdir, name + ".mp4")
    encode(inputs, ";".join(filters), "out", path)
    return {"file": name + ".mp4", "frames": length, "fps": FPS, "transitions": truth,
            "events": events}


def encode(inputs, graph, label, path):
    cmd = ["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", f"[{label}]",
           "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
           "-g", "250", path]
    subprocess.run(cmd, check=True)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    outdir = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) == 3 else 0
    os.makedirs(outdir, exist_ok=True)
    if not os.path.isdir(PHOTO_DIR):
        sys.exit(f"{PHOTO_DIR} is missing: apt-get install mate-backgrounds")
    clips = [
        photo_clip("photos1", 101 + seed, 12, outdir),
        photo_clip("photos2", 202 + seed, 12, outdir),
        photo_clip("photos3", 303 + seed, 12, outdir),
        slides_clip("slides", 404 + seed, 12, outdir),
    ]
    with open(os.path.join(outdir, "truth.json"), "w") as f:
        json.dump({"fps": FPS, "clips": clips}, f, indent=1)
    seconds = sum(c["frames"] for c in clips) / FPS
    print(f"{len(clips)} clips, {seconds:.0f} s, "
          f"{sum(len(c['transitions']) for c in clips)} transitions in {outdir}")


if __name__ == "__main__":
    main()
