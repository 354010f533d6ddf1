// The whole overlay for one frame size: what the chat log, the alert queue,
// the status line and the logo show at a running time, drawn once per change
// and kept as pictures (and, for in-place blending, as sprites in the frame's
// format). No GStreamer here.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/blend.h"
#include "core/image.h"
#include "core/layout.h"
#include "core/overlay_state.h"
#include "render/renderer.h"

namespace onair::overlay {

struct SceneConfig {
  std::string font = "Sans";
  double text_scale = 0.035;  // text size, fraction of the frame height
  double margin = 0.03;       // fraction of the frame height
  double chat_width = 0.45;   // chat wrap width, fraction of the frame width
  Anchor chat_anchor = Anchor::kBottomLeft;
  Anchor alert_anchor = Anchor::kTopCenter;
  Anchor status_anchor = Anchor::kTopRight;
  Anchor logo_anchor = Anchor::kBottomRight;
  ChatConfig chat;
  std::string status;
  double logo_scale = 0.15;  // logo height, fraction of the frame height; 0: its own size
  double logo_opacity = 1.0;

  bool operator==(const SceneConfig &) const = default;
};

// One picture to draw, in drawing order.
struct Placed {
  uint64_t key;  // stable while the picture is unchanged
  const Image *image;
  int x, y;
  uint8_t opacity;  // 255: as drawn
};

class Scene {
 public:
  Scene();
  ~Scene();

  // The frame everything is drawn for; a change redraws everything.
  void set_frame(int width, int height, PixelFormat format, const YuvMatrix &matrix);
  void set_config(const SceneConfig &config);
  // The logo as decoded (scaled here); an empty image removes it.
  void set_logo(Image logo);

  ChatLog &chat() { return chat_; }
  AlertQueue &alerts() { return alerts_; }

  // Moves to running time `now` (appending alert events) and returns what to
  // draw, drawing only what changed since the last call.
  std::vector<Placed> update(int64_t now, std::vector<AlertEvent> &events);
  // Blends what update() returned into a frame of the set format.
  void blend(const FrameView &frame, const std::vector<Placed> &placed);

  // Pictures drawn so far (for tests of the drawing cache).
  uint64_t draw_count() const { return draws_; }

 private:
  struct Entry {
    Image image;
    std::unique_ptr<Sprite> sprite;  // made on first blend
  };
  Entry &remember(std::map<uint64_t, Entry> &cache, uint64_t key, Image image);
  void forget_all();
  const Sprite &sprite_for(const Placed &p);

  SceneConfig config_;
  int width_ = 0, height_ = 0;
  PixelFormat format_ = PixelFormat::kI420;
  YuvMatrix matrix_;
  Metrics metrics_;
  std::unique_ptr<Renderer> renderer_;

  ChatLog chat_;
  AlertQueue alerts_;
  Image logo_source_;

  // Keys: chat message ids, alert ids (with a flag bit), and fixed keys for
  // the status and the logo.
  std::map<uint64_t, Entry> entries_;
  std::string drawn_status_;
  uint64_t status_version_ = 0, logo_version_ = 0;
  uint64_t draws_ = 0;
};

}  // namespace onair::overlay
