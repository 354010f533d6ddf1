// What the reader thread and the push-buffer signal hand over to the output: whole frames and
// sound, queued under the lock with back-pressure, and messages of the wrong size refused.
#include <string>
#include <vector>

#include "feedsrc_messages.h"
#include "feedsrc_priv.h"
#include "onair/running_time.h"

#define GST_CAT_DEFAULT feed_src_debug

namespace onair::feedsrc {

namespace msg = onair::feedsrc_messages;

void warn_refused(Priv *p, const Media &media, uint64_t bytes, uint64_t expected) {
  guint64 refused = 0;
  bool warn = false;
  uint64_t held_back = 0;
  {
    std::lock_guard lock(p->lock);
    refused = ++p->counters.refused;
    if (p->state)
      warn = p->state->refusal_warnings.should_warn(g_get_monotonic_time() * 1000, held_back);
  }
  if (warn) {
    std::string text =
        media.video
            ? "frame of " + std::to_string(bytes) + " bytes refused: the caps ask for " +
                  media.description + ", " + std::to_string(expected) + " bytes a frame"
            : "sound of " + std::to_string(bytes) + " bytes refused: not a whole number of " +
                  std::to_string(expected) + "-byte sample frames (" + media.description + ")";
    if (held_back > 0) text += " (" + std::to_string(held_back) + " more refused since)";
    GST_ELEMENT_WARNING(p->element, STREAM, FORMAT, ("%s", text.c_str()),
                        ("%" G_GUINT64_FORMAT " refused in all", refused));
  }
  post(p, gst_structure_new(msg::kRefused, msg::kBytes, G_TYPE_UINT64, bytes, msg::kExpected,
                            G_TYPE_UINT64, expected, msg::kRefusedCount, G_TYPE_UINT64, refused,
                            nullptr));
}

bool queue_frame(Priv *p, BufferPtr frame) {
  std::unique_lock lock(p->lock);
  p->room.wait(lock, [p] { return !p->state || p->state->video->has_room(); });
  if (!p->state) return false;
  p->state->frames.push_back(std::move(frame));
  p->state->video->on_frame();
  ++p->counters.received;
  return true;
}

bool queue_sound(Priv *p, const uint8_t *data, size_t n) {
  const int64_t arrival = onair::clock_running_time(p->element);
  std::unique_lock lock(p->lock);
  p->room.wait(lock, [p, n] { return !p->state || p->state->audio->can_take(n); });
  if (!p->state) return false;
  p->state->audio->push(data, n, arrival == onair::kUnknownTime ? 0 : arrival);
  ++p->counters.received;
  return true;
}

GstFlowReturn push_buffer(Priv *p, GstBuffer *buffer) {
  Media media;
  {
    std::lock_guard lock(p->lock);
    if (!p->state) return GST_FLOW_FLUSHING;
    media = p->state->media;
    p->counters.bytes += gst_buffer_get_size(buffer);
  }
  const gsize size = gst_buffer_get_size(buffer);
  if (media.video) {
    if (size != media.frame_size) {
      warn_refused(p, media, size, media.frame_size);
      return GST_FLOW_OK;
    }
    return queue_frame(p, BufferPtr(gst_buffer_ref(buffer))) ? GST_FLOW_OK : GST_FLOW_FLUSHING;
  }
  // Sound in any amount: an incomplete sample frame at the end waits for the next push.
  std::vector<uint8_t> sound;
  {
    std::lock_guard lock(p->lock);
    if (!p->state) return GST_FLOW_FLUSHING;
    sound.swap(p->state->push_carry);
  }
  const size_t carried = sound.size();
  sound.resize(carried + size);
  gst_buffer_extract(buffer, 0, sound.data() + carried, size);
  const size_t whole = sound.size() - sound.size() % media.sample_frame_size;
  {
    std::lock_guard lock(p->lock);
    if (!p->state) return GST_FLOW_FLUSHING;
    p->state->push_carry.assign(sound.begin() + static_cast<std::ptrdiff_t>(whole), sound.end());
  }
  return whole == 0 || queue_sound(p, sound.data(), whole) ? GST_FLOW_OK : GST_FLOW_FLUSHING;
}

}  // namespace onair::feedsrc
