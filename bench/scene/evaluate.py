#!/usr/bin/env python3
"""Scores scenedetect and ffmpeg's scdet on the evaluation set from make_set.py, in one run.

A detected cut matches a true cut within 2 frames; a detection matches a gradual transition
anywhere in its span (our gradual reports carry a span: any overlap counts). Each truth and
each detection match at most once. Prints precision, recall and F1 for cuts, gradual
transitions and all, false cuts on each kind of hard negative, and the same for scdet with
its threshold tuned on this set (its best overall F1) and at its default.

Usage: evaluate.py SETDIR [--threshold T] [--verbose]
Run in the build's devenv so gst-launch-1.0 finds the plugin:
  meson devenv -C build python3 ../bench/scene/evaluate.py /tmp/sceneset
"""
import argparse
import json
import os
import re
import subprocess
import sys

CUT_TOLERANCE = 2
FIELD = re.compile(r"([\w-]+)=\((\w+)\)(\"[^\"]*\"|[^,;]+)")


def run_ours(path, fps, threshold):
    element = "scenedetect" + (f" threshold={threshold}" if threshold is not None else "")
    cmd = ["gst-launch-1.0", "-m", "filesrc", f"location={path}", "!", "decodebin", "!",
           "videoconvert", "!", *element.split(), "!", "fakesink", "sync=false"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        if "scenedetect-cut" not in line:
            continue
        fields = {k: v.strip('"') for k, _, v in FIELD.findall(line)}
        frame = int(fields["frame"])
        if fields["kind"] == "gradual":
            def to_frame(ns):
                return int(round(int(ns) * fps / 1e9))
            found.append({"kind": "gradual", "frame": frame,
                          "start": to_frame(fields["span-start"]), "end": to_frame(fields["span-end"])})
        else:
            found.append({"kind": "cut", "frame": frame, "start": frame, "end": frame})
    return found


def scdet_scores(path, fps):
    """scdet's score of every frame (threshold 0 logs each one)."""
    cmd = ["ffmpeg", "-hide_banner", "-nostats", "-i", path, "-vf", "scdet=threshold=0",
           "-f", "null", "-"]
    err = subprocess.run(cmd, check=True, capture_output=True, text=True).stderr
    scores = []
    for m in re.finditer(r"lavfi\.scd\.score: ([\d.]+), lavfi\.scd\.time: ([\d.]+)", err):
        scores.append((int(round(float(m.group(2)) * fps)), float(m.group(1))))
    return scores


def match(truths, found):
    """Pairs detections with truths; returns (matched truth index per detection or None)."""
    used = set()
    owner = [None] * len(found)
    # Cuts first (tight), then gradual spans, nearest first.
    for i, d in enumerate(found):
        best = None
        for j, t in enumerate(truths):
            if j in used:
                continue
            if t["kind"] == "cut":
                dist = abs(d["frame"] - t["frame"]) if d["kind"] == "cut" else min(
                    abs(f - t["frame"]) for f in (d["start"], d["frame"], d["end"]))
                ok = dist <= CUT_TOLERANCE or (d["kind"] == "gradual" and d["start"] <= t["frame"] <= d["end"])
            else:
                ok = d["start"] <= t["end"] + CUT_TOLERANCE and d["end"] >= t["start"] - CUT_TOLERANCE
                dist = 0 if ok else None
            if ok and (best is None or dist < best[0]):
                best = (dist, j)
        if best:
            used.add(best[1])
            owner[i] = best[1]
    return owner


def f1(p, r):
    return 2 * p * r / (p + r) if p + r else 0.0


class Tally:
    def __init__(self):
        self.truth = {"cut": 0, "gradual": 0}
        self.hit = {"cut": 0, "gradual": 0}       # truths found
        self.good = {"cut": 0, "gradual": 0}      # detections matched, by the truth's kind
        self.bad = {"cut": 0, "gradual": 0}       # unmatched detections, by their own kind
        self.false_on = {"cut": {}, "gradual": {}}  # unmatched detections in a hard negative
        self.missed = []
        self.spurious = []

    def add(self, clip, found):
        truths = clip["transitions"]
        owner = match(truths, found)
        for t in truths:
            self.truth[t["kind"]] += 1
        for i, d in enumerate(found):
            if owner[i] is None:
                self.bad[d["kind"]] += 1
                kinds = sorted({e["kind"] for e in clip["events"]
                                if e["start"] - CUT_TOLERANCE <= d["frame"] <= e["end"] + CUT_TOLERANCE})
                for k in kinds:
                    self.false_on[d["kind"]][k] = self.false_on[d["kind"]].get(k, 0) + 1
                self.spurious.append((clip["file"], d, kinds))
            else:
                kind = truths[owner[i]]["kind"]
                self.good[kind] += 1
                self.hit[kind] += 1
        matched = set(o for o in owner if o is not None)
        for j, t in enumerate(truths):
            if j not in matched:
                self.missed.append((clip["file"], t))

    def figures(self, kind=None):
        kinds = [kind] if kind else ["cut", "gradual"]
        good = sum(self.good[k] for k in kinds)
        dets = good + sum(self.bad[k] for k in kinds)
        truth = sum(self.truth[k] for k in kinds)
        p = good / dets if dets else 1.0
        r = sum(self.hit[k] for k in kinds) / truth if truth else 1.0
        return p, r, f1(p, r)


def report(name, tally):
    print(f"{name}")
    for label, kind in (("cuts", "cut"), ("gradual", "gradual"), ("all", None)):
        p, r, f = tally.figures(kind)
        print(f"  {label:8} precision {p:5.3f}  recall {r:5.3f}  F1 {f:5.3f}")
    for kind in ("cut", "gradual"):
        negatives = ", ".join(f"{k} {v}" for k, v in sorted(tally.false_on[kind].items()))
        print(f"  false {kind}s on hard negatives: {negatives or 'none'}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("setdir")
    ap.add_argument("--threshold", type=float, help="scenedetect threshold (default: its own)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(args.setdir, "truth.json")) as f:
        truth = json.load(f)
    fps = truth["fps"]
    clips = truth["clips"]

    ours = Tally()
    scores = []
    for clip in clips:
        path = os.path.join(args.setdir, clip["file"])
        ours.add(clip, run_ours(path, fps, args.threshold))
        scores.append(scdet_scores(path, fps))

    # scdet: every threshold on a grid, the best overall F1 kept.
    def scdet_tally(threshold):
        t = Tally()
        for clip, s in zip(clips, scores):
            t.add(clip, [{"kind": "cut", "frame": f, "start": f, "end": f} for f, v in s if v >= threshold])
        return t
    grid = [x / 4 for x in range(1, 400)]
    best = max(grid, key=lambda th: scdet_tally(th).figures()[2])

    seconds = sum(c["frames"] for c in clips) / fps
    n_cut = sum(1 for c in clips for t in c["transitions"] if t["kind"] == "cut")
    n_grad = sum(1 for c in clips for t in c["transitions"] if t["kind"] == "gradual")
    negatives = {}
    for c in clips:
        for e in c["events"]:
            negatives[e["kind"]] = negatives.get(e["kind"], 0) + 1
    print(f"set: {len(clips)} clips, {seconds:.0f} s, {n_cut} cuts, {n_grad} gradual; "
          f"hard negatives: " + ", ".join(f"{k} {v}" for k, v in sorted(negatives.items())))
    label = f"threshold {args.threshold}" if args.threshold is not None else "default threshold"
    report(f"scenedetect ({label})", ours)
    report(f"ffmpeg scdet, threshold {best} (tuned on this set)", scdet_tally(best))
    report("ffmpeg scdet, threshold 10 (its default)", scdet_tally(10))
    margin = ours.figures()[2] - scdet_tally(best).figures()[2]
    print(f"F1 above scdet's tuned best: {margin:+.3f}")
    if args.verbose:
        for file, t in ours.missed:
            print(f"  missed {file} {t}")
        for file, d, kinds in ours.spurious:
            print(f"  false  {file} {d} on {kinds}")


if __name__ == "__main__":
    sys.exit(main())
