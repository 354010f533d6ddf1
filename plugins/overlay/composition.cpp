#include "composition.h"

namespace onair::overlay {

// An in-place filter gets no allocation query of its own, so ask downstream
// directly whether it draws overlay compositions, as textoverlay does.
bool downstream_draws_compositions(GstBaseTransform *trans) {
  GstCaps *caps = gst_pad_get_current_caps(trans->srcpad);
  if (!caps) caps = gst_pad_get_current_caps(trans->sinkpad);
  if (!caps) return false;
  GstQuery *query = gst_query_new_allocation(caps, FALSE);
  gst_caps_unref(caps);
  const bool yes =
      gst_pad_peer_query(trans->srcpad, query) &&
      gst_query_find_allocation_meta(query, GST_VIDEO_OVERLAY_COMPOSITION_META_API_TYPE, nullptr);
  gst_query_unref(query);
  return yes;
}

void blend_upstream_composition(GstVideoFrame *frame) {
  if (GstVideoOverlayCompositionMeta *meta =
          gst_buffer_get_video_overlay_composition_meta(frame->buffer)) {
    gst_video_overlay_composition_blend(meta->overlay, frame);
    gst_buffer_remove_video_overlay_composition_meta(frame->buffer, meta);
  }
}

// The picture as a buffer an overlay rectangle can hold, made once per key.
GstBuffer *CompositionAttacher::rect_buffer(const Placed &placed) {
  auto it = rect_buffers_.find(placed.key);
  if (it != rect_buffers_.end()) return it->second;
  const Image &img = *placed.image;
  GstBuffer *buffer = gst_buffer_new_memdup(img.pixels.data(), img.pixels.size());
  gst_buffer_add_video_meta(buffer, GST_VIDEO_FRAME_FLAG_NONE,
                            GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, img.width, img.height);
  rect_buffers_[placed.key] = buffer;
  return buffer;
}

void CompositionAttacher::forget() {
  for (auto &[key, buffer] : rect_buffers_) gst_buffer_unref(buffer);
  rect_buffers_.clear();
}

void CompositionAttacher::attach(GstBuffer *buffer, const std::vector<Placed> &placed) {
  // Forget buffers of pictures no longer shown.
  std::map<uint64_t, GstBuffer *> kept;
  for (const Placed &pl : placed) {
    auto it = rect_buffers_.find(pl.key);
    if (it != rect_buffers_.end()) {
      kept[pl.key] = it->second;
      rect_buffers_.erase(it);
    }
  }
  forget();
  rect_buffers_ = std::move(kept);
  if (placed.empty()) return;

  GstVideoOverlayComposition *comp = nullptr;
  // Keep what an element upstream attached, and add ours on top.
  if (GstVideoOverlayCompositionMeta *meta =
          gst_buffer_get_video_overlay_composition_meta(buffer)) {
    comp = gst_video_overlay_composition_copy(meta->overlay);
    gst_buffer_remove_video_overlay_composition_meta(buffer, meta);
  }
  for (const Placed &pl : placed) {
    GstVideoOverlayRectangle *rect = gst_video_overlay_rectangle_new_raw(
        rect_buffer(pl), pl.x, pl.y, static_cast<guint>(pl.image->width),
        static_cast<guint>(pl.image->height), GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
    if (pl.opacity != 255) gst_video_overlay_rectangle_set_global_alpha(rect, pl.opacity / 255.0f);
    if (comp)
      gst_video_overlay_composition_add_rectangle(comp, rect);
    else
      comp = gst_video_overlay_composition_new(rect);
    gst_video_overlay_rectangle_unref(rect);
  }
  gst_buffer_add_video_overlay_composition_meta(buffer, comp);
  gst_video_overlay_composition_unref(comp);
}

}  // namespace onair::overlay
