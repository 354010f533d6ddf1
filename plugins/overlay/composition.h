// The overlay's pictures as GstVideoOverlayComposition metas, for downstream elements that draw
// overlay compositions themselves, and the blending of a composition an element upstream
// attached when nobody downstream would draw it.
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include <cstdint>
#include <map>
#include <vector>

#include "render/scene.h"

namespace onair::overlay {

// Whether the peer of an in-place filter's source pad draws overlay compositions.
bool downstream_draws_compositions(GstBaseTransform *trans);

// Draws the composition attached to the frame's buffer into the frame and removes its meta, so
// what is blended next lies on top of it.
void blend_upstream_composition(GstVideoFrame *frame);

// Attaches pictures to buffers, keeping one buffer per picture while it is shown so a picture
// that stays is not copied again.
class CompositionAttacher {
 public:
  CompositionAttacher() = default;
  CompositionAttacher(const CompositionAttacher &) = delete;
  CompositionAttacher &operator=(const CompositionAttacher &) = delete;
  ~CompositionAttacher() { forget(); }

  // Adds the pictures on top of any composition already attached to the buffer.
  void attach(GstBuffer *buffer, const std::vector<Placed> &placed);
  // Drops every picture's buffer, for pictures drawn anew.
  void forget();

 private:
  GstBuffer *rect_buffer(const Placed &placed);

  std::map<uint64_t, GstBuffer *> rect_buffers_;  // picture key -> BGRA buffer
};

}  // namespace onair::overlay
