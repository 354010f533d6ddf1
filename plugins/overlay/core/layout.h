// Where each layer goes on the frame. Sizes follow the frame height, so the
// same settings look the same at 480p and at 1080p.
#pragma once

#include <vector>

namespace onair::overlay {

enum class Anchor {
  kTopLeft,
  kTopCenter,
  kTopRight,
  kCenterLeft,
  kCenter,
  kCenterRight,
  kBottomLeft,
  kBottomCenter,
  kBottomRight,
};

struct Size {
  int w = 0, h = 0;
};

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  bool empty() const { return w <= 0 || h <= 0; }
  bool operator==(const Rect &) const = default;
};

// Pixel sizes for a frame, from fractions of its height (text_scale: font
// size; margin_scale: distance from the frame's edges) and of its width
// (chat_width: where chat lines wrap).
struct Metrics {
  int font_px = 0;     // text size
  int margin = 0;      // from the frame's edges
  int spacing = 0;     // between stacked boxes
  int padding = 0;     // inside a box, around its text
  int chat_wrap = 0;   // widest chat text before it wraps
  int alert_wrap = 0;  // widest alert text before it wraps
};
Metrics metrics_for(int frame_w, int frame_h, double text_scale, double margin_scale,
                    double chat_width);

// A box of `size` at `anchor`, `margin` pixels in from the edges it touches.
Rect place(Anchor anchor, Size size, int frame_w, int frame_h, int margin);

// Boxes stacked at one anchor, oldest first in `sizes`. At a bottom anchor the
// newest is lowest and older ones rise above it, like a chat; elsewhere the
// oldest is on top. A box that would leave the frame gets an empty rect, and
// so do all older ones.
std::vector<Rect> stack(Anchor anchor, const std::vector<Size> &sizes, int frame_w, int frame_h,
                        int margin, int spacing);

}  // namespace onair::overlay
