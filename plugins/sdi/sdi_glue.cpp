#include "sdi_glue.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/slate.h"
#include "onair/running_time.h"
#include "sdisrc_messages.h"

GST_DEBUG_CATEGORY_STATIC(sdi_glue_debug);
#define GST_CAT_DEFAULT sdi_glue_debug

namespace onair::sdi {

namespace msg = onair::sdisrc_messages;

void post_health(GstElement *self, const std::optional<HealthMessage> &message) {
  static const bool debug_ready = [] {
    GST_DEBUG_CATEGORY_INIT(sdi_glue_debug, "sdihealth", 0, "SDI port health messages");
    return true;
  }();
  (void)debug_ready;
  if (!message) return;
  GstStructure *s = gst_structure_new_empty(message_name(message->kind));
  switch (message->kind) {
    case MessageKind::signal:
      gst_structure_set(s, msg::kLocked, G_TYPE_BOOLEAN, message->locked, msg::kMode, G_TYPE_STRING,
                        message->mode.c_str(), nullptr);
      GST_INFO_OBJECT(self, "signal %s %s", message->locked ? "locked" : "lost",
                      message->mode.c_str());
      break;
    case MessageKind::format:
      gst_structure_set(s, msg::kMode, G_TYPE_STRING, message->mode.c_str(), msg::kPreviousMode,
                        G_TYPE_STRING, message->previous_mode.c_str(), nullptr);
      GST_INFO_OBJECT(self, "format %s -> %s", message->previous_mode.c_str(),
                      message->mode.c_str());
      break;
    case MessageKind::error:
      gst_structure_set(s, msg::kKind, G_TYPE_STRING, error_kind_name(message->error), msg::kDetail,
                        G_TYPE_STRING, message->detail.c_str(), msg::kRetrying, G_TYPE_BOOLEAN,
                        message->retrying, msg::kAttempt, G_TYPE_UINT, message->attempt, nullptr);
      if (message->retrying)
        gst_structure_set(s, msg::kRetryIn, G_TYPE_UINT64, static_cast<guint64>(message->retry_in),
                          nullptr);
      GST_WARNING_OBJECT(self, "%s (%s)%s", message->detail.c_str(),
                         error_kind_name(message->error), message->retrying ? ", retrying" : "");
      break;
  }
  gst_element_post_message(self, gst_message_new_element(GST_OBJECT(self), s));
}

int64_t monotonic_now() {
  return g_get_monotonic_time() * 1000;
}

int64_t running_time_now(GstElement *element) {
  GstClock *clock = gst_element_get_clock(element);
  if (!clock) return kUnknownTime;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(element);
  if (!GST_CLOCK_TIME_IS_VALID(now) || !GST_CLOCK_TIME_IS_VALID(base) || now < base)
    return kUnknownTime;
  return static_cast<int64_t>(now - base);
}

GstVideoInfo mode_video_info(const SdiMode &mode, GstVideoFormat format) {
  GstVideoInfo info;
  gst_video_info_set_interlaced_format(
      &info, format,
      mode.interlaced ? GST_VIDEO_INTERLACE_MODE_INTERLEAVED : GST_VIDEO_INTERLACE_MODE_PROGRESSIVE,
      static_cast<guint>(mode.width), static_cast<guint>(mode.height));
  info.fps_n = mode.fps_n;
  info.fps_d = mode.fps_d;
  return info;
}

// 4:2:2 black: Y at 16 (64 in 10 bits), Cb and Cr at 128 (512).
GstBuffer *black_frame(const GstVideoInfo &info) {
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  const auto stride = static_cast<std::size_t>(GST_VIDEO_INFO_PLANE_STRIDE(&info, 0));
  std::vector<std::uint8_t> line(stride);
  if (GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_v210) {
    // Six pixels in four little-endian words: Cb Y Cr | Y Cb Y | Cr Y Cb | Y Cr Y.
    const std::uint32_t chroma_first = 512u | 64u << 10 | 512u << 20;
    const std::uint32_t luma_first = 64u | 512u << 10 | 64u << 20;
    for (std::size_t i = 0; i + 4 <= stride; i += 4) {
      const std::uint32_t word = (i / 4) % 2 == 0 ? chroma_first : luma_first;
      for (int b = 0; b < 4; ++b) line[i + b] = static_cast<std::uint8_t>(word >> (8 * b));
    }
  } else {
    for (std::size_t i = 0; i < stride; ++i) line[i] = i % 2 == 0 ? 0x80 : 0x10;
  }
  for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT(&info); ++y)
    std::memcpy(map.data + y * stride, line.data(), stride);
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

GstBuffer *filler_frame(const GstVideoInfo &info, NoSignalPolicy policy,
                        const std::string &port_label) {
  if (policy != NoSignalPolicy::slate) return black_frame(info);
  const int width = GST_VIDEO_INFO_WIDTH(&info), height = GST_VIDEO_INFO_HEIGHT(&info);
  const auto stride = static_cast<std::size_t>(GST_VIDEO_INFO_PLANE_STRIDE(&info, 0));
  std::vector<std::uint8_t> pixels = GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_v210
                                         ? render_slate_v210(width, height, stride, port_label)
                                         : render_slate_uyvy(width, height, stride, port_label);
  pixels.resize(GST_VIDEO_INFO_SIZE(&info));
  auto *kept = new std::vector<std::uint8_t>(std::move(pixels));
  return gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, kept->data(), kept->size(), 0, kept->size(), kept,
      [](gpointer data) { delete static_cast<std::vector<std::uint8_t> *>(data); });
}

namespace {

GQuark embedded_audio_quark() {
  return g_quark_from_static_string("onair-sdi-embedded-audio");
}

}  // namespace

void attach_embedded_audio(GstBuffer *video, GstBuffer *audio) {
  gst_mini_object_set_qdata(GST_MINI_OBJECT(video), embedded_audio_quark(), audio,
                            reinterpret_cast<GDestroyNotify>(gst_buffer_unref));
}

GstBuffer *embedded_audio(GstBuffer *video) {
  return static_cast<GstBuffer *>(
      gst_mini_object_get_qdata(GST_MINI_OBJECT(video), embedded_audio_quark()));
}

}  // namespace onair::sdi
