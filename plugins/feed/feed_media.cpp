// The caps feedsrc offers and the stream they describe, checked at start so that a writer's
// wrong format is a clear error there rather than a failed negotiation; and the black picture
// video shows before the first frame.
#include <gst/audio/audio.h>

#include <cstring>

#include "feedsrc_priv.h"

namespace onair::feedsrc {

GstCaps *offered_caps(const Settings &s) {
  if (!s.caps) return nullptr;
  GstCaps *caps = gst_caps_copy(s.caps.get());
  for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
    GstStructure *st = gst_caps_get_structure(caps, i);
    if (gst_structure_has_name(st, "audio/x-raw") && !gst_structure_has_field(st, "layout"))
      gst_structure_set(st, "layout", G_TYPE_STRING, "interleaved", nullptr);
  }
  return caps;
}

std::optional<Media> media_of(GstCaps *caps, std::string &why) {
  if (!caps) {
    why = "set the caps property (fixed video/x-raw or audio/x-raw, format=S16LE)";
    return std::nullopt;
  }
  if (!gst_caps_is_fixed(caps)) {
    why = "the caps must be fixed (one structure, every field one value)";
    return std::nullopt;
  }
  Media m;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  if (gst_structure_has_name(st, "video/x-raw")) {
    if (!gst_video_info_from_caps(&m.video_info, caps)) {
      why = "the video caps need format, width and height";
      return std::nullopt;
    }
    const GstVideoInfo &vi = m.video_info;
    if (GST_VIDEO_INFO_FPS_N(&vi) <= 0 || GST_VIDEO_INFO_FPS_D(&vi) <= 0) {
      why = "the video caps need a framerate above 0 (feedsrc outputs frames at that rate)";
      return std::nullopt;
    }
    if (GST_VIDEO_INFO_N_PLANES(&vi) != 1 || GST_VIDEO_FORMAT_INFO_IS_COMPLEX(vi.finfo)) {
      why = std::string("video format ") + GST_VIDEO_INFO_NAME(&vi) +
            " is not a packed format; use BGRA, BGRx, RGBA or another single-plane format";
      return std::nullopt;
    }
    m.frame_size = GST_VIDEO_INFO_SIZE(&vi);
    m.grid = feed::SlotGrid::video(static_cast<uint64_t>(GST_VIDEO_INFO_FPS_N(&vi)),
                                   static_cast<uint64_t>(GST_VIDEO_INFO_FPS_D(&vi)));
    m.description = std::to_string(GST_VIDEO_INFO_WIDTH(&vi)) + "x" +
                    std::to_string(GST_VIDEO_INFO_HEIGHT(&vi)) + " " + GST_VIDEO_INFO_NAME(&vi);
    return m;
  }
  if (gst_structure_has_name(st, "audio/x-raw")) {
    GstAudioInfo ai;
    if (!gst_audio_info_from_caps(&ai, caps)) {
      why = "the audio caps need format, rate and channels";
      return std::nullopt;
    }
    if (GST_AUDIO_INFO_FORMAT(&ai) != GST_AUDIO_FORMAT_S16LE ||
        GST_AUDIO_INFO_LAYOUT(&ai) != GST_AUDIO_LAYOUT_INTERLEAVED) {
      why = "audio must be format=S16LE, layout=interleaved";
      return std::nullopt;
    }
    m.video = false;
    m.rate = GST_AUDIO_INFO_RATE(&ai);
    m.channels = GST_AUDIO_INFO_CHANNELS(&ai);
    m.sample_frame_size = static_cast<uint64_t>(GST_AUDIO_INFO_BPF(&ai));
    m.grid = feed::SlotGrid::audio(static_cast<uint64_t>(m.rate));
    m.description =
        "S16LE " + std::to_string(m.channels) + " channels " + std::to_string(m.rate) + " Hz";
    return m;
  }
  why = std::string("caps ") + gst_structure_get_name(st) +
        " are not raw video or raw audio (video/x-raw, audio/x-raw)";
  return std::nullopt;
}

// RGB 0 with alpha 255, YUV 16/128 (8-bit components; others stay 0).
BufferPtr black_frame(const GstVideoInfo &vi) {
  BufferPtr buffer(gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&vi), nullptr));
  GstMapInfo map;
  gst_buffer_map(buffer.get(), &map, GST_MAP_WRITE);
  std::memset(map.data, 0, map.size);
  const GstVideoFormatInfo *f = vi.finfo;
  const bool yuv = GST_VIDEO_FORMAT_INFO_IS_YUV(f);
  for (guint c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS(f); ++c) {
    if (GST_VIDEO_FORMAT_INFO_DEPTH(f, c) != 8 || GST_VIDEO_FORMAT_INFO_SHIFT(f, c) != 0) continue;
    const bool alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(f) && c == GST_VIDEO_COMP_A;
    const guint8 value = alpha ? 255 : !yuv ? 0 : c == GST_VIDEO_COMP_Y ? 16 : 128;
    if (value == 0) continue;
    const gint width = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH(f, c, GST_VIDEO_INFO_WIDTH(&vi));
    const gint pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE(f, c);
    for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT(&vi); ++y) {
      guint8 *row = map.data + GST_VIDEO_INFO_PLANE_OFFSET(&vi, 0) +
                    static_cast<gsize>(y) * GST_VIDEO_INFO_PLANE_STRIDE(&vi, 0) +
                    GST_VIDEO_FORMAT_INFO_POFFSET(f, c);
      for (gint x = 0; x < width; ++x) row[static_cast<gsize>(x) * pstride] = value;
    }
  }
  gst_buffer_unmap(buffer.get(), &map);
  return buffer;
}

}  // namespace onair::feedsrc
