#include "core/layout.h"

#include <algorithm>
#include <cmath>

namespace onair::overlay {
namespace {

enum class Edge { kStart, kMiddle, kEnd };

Edge horizontal(Anchor a) {
  switch (a) {
    case Anchor::kTopLeft:
    case Anchor::kCenterLeft:
    case Anchor::kBottomLeft:
      return Edge::kStart;
    case Anchor::kTopCenter:
    case Anchor::kCenter:
    case Anchor::kBottomCenter:
      return Edge::kMiddle;
    default:
      return Edge::kEnd;
  }
}

Edge vertical(Anchor a) {
  switch (a) {
    case Anchor::kTopLeft:
    case Anchor::kTopCenter:
    case Anchor::kTopRight:
      return Edge::kStart;
    case Anchor::kCenterLeft:
    case Anchor::kCenter:
    case Anchor::kCenterRight:
      return Edge::kMiddle;
    default:
      return Edge::kEnd;
  }
}

int along(Edge e, int length, int total, int margin) {
  switch (e) {
    case Edge::kStart:
      return margin;
    case Edge::kMiddle:
      return (total - length) / 2;
    case Edge::kEnd:
      return total - margin - length;
  }
  return margin;
}

}  // namespace

Metrics metrics_for(int frame_w, int frame_h, double text_scale, double margin_scale,
                    double chat_width) {
  Metrics m;
  m.font_px = std::max(6, static_cast<int>(std::lround(frame_h * text_scale)));
  m.margin = std::max(0, static_cast<int>(std::lround(frame_h * margin_scale)));
  m.spacing = std::max(1, m.font_px / 4);
  m.padding = std::max(1, m.font_px / 3);
  m.chat_wrap =
      std::max(m.font_px, static_cast<int>(std::lround(frame_w * chat_width)) - 2 * m.padding);
  m.alert_wrap = std::max(m.font_px, frame_w * 3 / 4 - 2 * m.padding);
  return m;
}

Rect place(Anchor anchor, Size size, int frame_w, int frame_h, int margin) {
  return {along(horizontal(anchor), size.w, frame_w, margin),
          along(vertical(anchor), size.h, frame_h, margin), size.w, size.h};
}

std::vector<Rect> stack(Anchor anchor, const std::vector<Size> &sizes, int frame_w, int frame_h,
                        int margin, int spacing) {
  std::vector<Rect> rects(sizes.size());
  if (sizes.empty()) return rects;
  // How many of the newest boxes fit in the frame's height.
  const int room = frame_h - (vertical(anchor) == Edge::kMiddle ? 0 : 2 * margin);
  int height = 0;
  size_t first = sizes.size();
  while (first > 0) {
    const int h = sizes[first - 1].h + (first < sizes.size() ? spacing : 0);
    if (height + h > room) break;
    height += h;
    first--;
  }
  const Rect block = place(anchor, {0, height}, frame_w, frame_h, margin);
  int y = block.y;
  for (size_t i = first; i < sizes.size(); i++) {
    const Rect r = place(anchor, sizes[i], frame_w, frame_h, margin);
    rects[i] = {r.x, y, sizes[i].w, sizes[i].h};
    y += sizes[i].h + spacing;
  }
  return rects;
}

}  // namespace onair::overlay
