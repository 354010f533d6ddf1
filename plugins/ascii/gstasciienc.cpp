/**
 * SECTION:element-asciienc
 * @title: asciienc
 *
 * Turns raw video into coloured ASCII art: the picture is cut into a grid of
 * `cols` x `rows` cells, each cell's glyph comes from the mean luminance of
 * every source pixel it covers (a glyph ramp `charset` from dark to light)
 * and its colour is the cell's mean colour, quantised by `mode`. YUV input is
 * read in its own planes (luminance from Y, colour from the chroma planes per
 * cell), packed RGB directly; nothing is converted before averaging.
 *
 * Output, by `format`:
 * - `asciiline` (default): `application/x-asciiline` binary cell frames for
 *   browsers, the seed wire format; the caps carry the stream header text in
 *   the `init` field (see docs/protocol/asciiline.md). With `changed-cells`
 *   every buffer stays a seed frame and carries the changed-cells frame as an
 *   alternative payload (meta "OnairAltPayload", common/onair/alt_payload.h):
 *   the frame whole and, when smaller, a delta on the previous frame; the
 *   caps add `alt-init`, that stream's header. webstreamsink sends it to the
 *   clients that ask. No delta comes every `keyframe-interval` frames and
 *   after an upstream force-key-unit event from downstream.
 * - `ansi`: `text/x-ansi` frames with 24-bit colour escapes that play in a
 *   terminal.
 * - `text`: `text/x-raw, format=utf8` glyph lines.
 *
 * `max-fps` drops frames evenly on buffer running time. Each output buffer
 * keeps its input's timestamps; its offset is the frame index. See
 * docs/elements/asciienc.md.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -q videotestsrc ! asciienc format=ansi cols=100 ! fdsink fd=1
 * gst-launch-1.0 videotestsrc ! asciienc cols=200 rows=84 mode=3 max-fps=30 ! fakesink
 * gst-launch-1.0 videotestsrc ! asciienc ! asciirender ! videoconvert ! autovideosink
 * ]|
 */
#include "gstasciienc.h"

#include <gst/video/video.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "asciienc_settings.h"
#include "core/cells.h"
#include "core/grid.h"
#include "core/text.h"
#include "core/wire.h"
#include "onair/alt_payload.h"
#include "onair/gst_ptr.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "output_format.h"

GST_DEBUG_CATEGORY_STATIC(ascii_enc_debug);
#define GST_CAT_DEFAULT ascii_enc_debug

namespace ac = onair::ascii;

namespace {

using ac::Format;
using ac::Settings;

// The grid and glyphs configure() derived from the settings and the input caps.
struct Layout {
  Settings active;
  int cols = 0, rows = 0;
  std::vector<std::string> ramp;
  uint8_t glyph_bytes[256] = {};
};

// Streaming-thread state: built when the stream starts (READY to PAUSED), dropped when it
// stops.
struct State {
  State() { gst_segment_init(&segment, GST_FORMAT_TIME); }

  GstSegment segment;
  std::optional<GstVideoInfo> info;  // from the caps
  std::optional<Layout> layout;      // for info and the settings; sent downstream as caps
  ac::CellAverager averager;
  std::vector<ac::CellMean> means;
  std::vector<ac::Cell> cells;
  ac::WireEncoder wire;
  ac::RateLimiter limiter;
  uint32_t text_index = 0;
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> seed_bytes, full_bytes;  // changed-cells: the frame whole, ext 0 and 1
  std::string text;
};

struct Priv {
  std::mutex lock;  // guards settings
  Settings settings;
  std::atomic<bool> force_full{false};  // set from downstream's events
  std::optional<State> state;           // streaming thread
};

#define FORMATS "{ I420, NV12, BGRx, RGBx, BGRA, RGBA, BGR, RGB }"
GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(FORMATS)));
GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("application/x-asciiline; text/x-ansi; "
                                            "text/x-raw, format=(string)utf8"));

bool pixel_format_of(GstVideoFormat format, ac::PixelFormat &out) {
  switch (format) {
    case GST_VIDEO_FORMAT_I420:
      out = ac::PixelFormat::kI420;
      return true;
    case GST_VIDEO_FORMAT_NV12:
      out = ac::PixelFormat::kNV12;
      return true;
    case GST_VIDEO_FORMAT_BGRx:
      out = ac::PixelFormat::kBGRx;
      return true;
    case GST_VIDEO_FORMAT_RGBx:
      out = ac::PixelFormat::kRGBx;
      return true;
    case GST_VIDEO_FORMAT_BGRA:
      out = ac::PixelFormat::kBGRA;
      return true;
    case GST_VIDEO_FORMAT_RGBA:
      out = ac::PixelFormat::kRGBA;
      return true;
    case GST_VIDEO_FORMAT_BGR:
      out = ac::PixelFormat::kBGR;
      return true;
    case GST_VIDEO_FORMAT_RGB:
      out = ac::PixelFormat::kRGB;
      return true;
    default:
      return false;
  }
}

}  // namespace

struct _GstAsciiEnc {
  GstElement parent;
  Priv *priv;
  GstPad *sinkpad, *srcpad;
};

G_DEFINE_TYPE(GstAsciiEnc, gst_ascii_enc, GST_TYPE_ELEMENT)
GST_ELEMENT_REGISTER_DEFINE(asciienc, "asciienc", GST_RANK_NONE, GST_TYPE_ASCII_ENC)

namespace {

// The charset's glyphs for the output format. Posts an error and returns false when refused.
bool load_ramp(GstAsciiEnc *self, const Settings &s, std::vector<std::string> &ramp) {
  std::string error;
  if (ac::ramp_for_output(s.charset, s.format == Format::kAsciiline, ramp, error)) return true;
  GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("%s", error.c_str()),
                    ("charset '%s'", s.charset.c_str()));
  return false;
}

// Checks the settings against the input, lays out the grid and sends the
// output caps. Posts an error and returns false when refused.
bool configure(GstAsciiEnc *self, State &state, const Settings &s) {
  state.layout.reset();
  Layout layout;
  if (!load_ramp(self, s, layout.ramp)) return false;
  const GstVideoInfo &info = *state.info;
  const int rows = ac::grid_rows(
      s.cols, s.rows, GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info),
      double(GST_VIDEO_INFO_PAR_N(&info)) / GST_VIDEO_INFO_PAR_D(&info), s.glyph_aspect);
  if (s.cols > guint(ac::kMaxCols) || rows > ac::kMaxRows || !ac::grid_size_ok(int(s.cols), rows)) {
    GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS,
                      ("Invalid grid %ux%d: cols and rows must be 1 to %d, at most %lld cells.",
                       s.cols, rows, ac::kMaxCols, (long long)ac::kMaxCells),
                      ("cols %u, rows property %u", s.cols, s.rows));
    return false;
  }
  layout.cols = int(s.cols);
  layout.rows = rows;
  for (size_t i = 0; i < layout.ramp.size(); i++)
    layout.glyph_bytes[i] = uint8_t(layout.ramp[i][0]);

  int fps_n, fps_d;
  ac::output_rate(info, s.max_fps, fps_n, fps_d);
  const int ext = s.changed_cells ? ac::kExtChangedCells : ac::kExtNone;
  GstCaps *caps = ac::output_caps(s.format, layout.cols, rows, s.mode, fps_n, fps_d, ext);
  state.wire.configure(layout.cols, rows, s.mode, ext, int(s.key_interval));
  state.limiter.configure(fps_n, fps_d);
  if (s.max_fps <= 0) state.limiter.configure(0, 1);
  layout.active = s;
  GST_INFO_OBJECT(self, "%dx%d cells, caps %" GST_PTR_FORMAT, layout.cols, rows, caps);
  const bool ok = gst_pad_push_event(self->srcpad, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  if (!ok) {
    GST_DEBUG_OBJECT(self, "downstream refused the caps");
    return false;
  }
  state.layout = std::move(layout);
  return true;
}

Settings settings_of(GstAsciiEnc *self) {
  std::lock_guard lock(self->priv->lock);
  return self->priv->settings;
}

// The pad functions own their event or buffer, so they hold it before the guard: a failed
// element that refuses the call frees it all the same.
gboolean sink_event(GstPad *pad, GstObject *parent, GstEvent *event) noexcept {
  auto *self = GST_ASCII_ENC(parent);
  onair::EventPtr owned(event);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    // Events reach a stopped element only while its pads deactivate.
    if (!self->priv->state) return gst_pad_event_default(pad, parent, owned.release());
    State &state = *self->priv->state;
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_CAPS: {
        GstCaps *caps;
        gst_event_parse_caps(event, &caps);
        GstVideoInfo info;
        const bool parsed = gst_video_info_from_caps(&info, caps);
        owned.reset();
        if (!parsed) return FALSE;
        state.info = info;
        return configure(self, state, settings_of(self));
      }
      case GST_EVENT_SEGMENT: {
        const GstSegment *segment;
        gst_event_parse_segment(event, &segment);
        gst_segment_copy_into(segment, &state.segment);
        break;
      }
      case GST_EVENT_FLUSH_STOP:
        state.limiter.reset();
        gst_segment_init(&state.segment, GST_FORMAT_TIME);
        break;
      default:
        break;
    }
    return gst_pad_event_default(pad, parent, owned.release());
  });
}

gboolean src_event(GstPad *pad, GstObject *parent, GstEvent *event) noexcept {
  auto *self = GST_ASCII_ENC(parent);
  onair::EventPtr owned(event);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    if (gst_video_event_is_force_key_unit(event)) {
      // Raw video upstream has no key units: the next frame is sent full.
      GST_DEBUG_OBJECT(self, "full frame requested");
      self->priv->force_full = true;
      return TRUE;
    }
    return gst_pad_event_default(pad, parent, owned.release());
  });
}

GstFlowReturn chain(GstPad *, GstObject *parent, GstBuffer *buffer) noexcept {
  auto *self = GST_ASCII_ENC(parent);
  onair::BufferPtr in(buffer);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    if (!self->priv->state) return GST_FLOW_FLUSHING;
    State &state = *self->priv->state;
    if (!state.info) {
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("No caps before the first frame."), (nullptr));
      return GST_FLOW_NOT_NEGOTIATED;
    }
    const Settings s = settings_of(self);
    if (!state.layout || !s.same_layout(state.layout->active)) {
      if (!configure(self, state, s)) return GST_FLOW_NOT_NEGOTIATED;
    }
    const Layout &layout = *state.layout;
    const GstVideoInfo &info = *state.info;

    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    if (GST_CLOCK_TIME_IS_VALID(pts)) {
      // Outside a TIME segment the timestamp itself paces the frames.
      int64_t rt = onair::segment_running_time(&state.segment, pts);
      if (rt == onair::kUnknownTime) rt = static_cast<int64_t>(pts);
      if (!state.limiter.pass(rt)) {
        GST_LOG_OBJECT(self, "dropped frame at %" GST_TIME_FORMAT " for max-fps",
                       GST_TIME_ARGS(rt));
        return GST_FLOW_OK;
      }
    }

    ac::Image image;
    if (!pixel_format_of(GST_VIDEO_INFO_FORMAT(&info), image.format))
      return GST_FLOW_NOT_NEGOTIATED;
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) {
      GST_ELEMENT_ERROR(
          self, STREAM, FAILED, ("Cannot read a video frame."),
          ("mapping a buffer of %" G_GSIZE_FORMAT " bytes failed", gst_buffer_get_size(buffer)));
      return GST_FLOW_ERROR;
    }
    image.width = GST_VIDEO_FRAME_WIDTH(&frame);
    image.height = GST_VIDEO_FRAME_HEIGHT(&frame);
    for (guint i = 0; i < GST_VIDEO_FRAME_N_PLANES(&frame) && i < 3; i++) {
      image.data[i] = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, i));
      image.stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, i);
    }
    image.matrix = info.colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT709 ? ac::YuvMatrix::kBt709
                                                                           : ac::YuvMatrix::kBt601;
    image.full_range = info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
    state.averager.run(image, layout.cols, layout.rows, state.means);
    gst_video_frame_unmap(&frame);
    const bool wire = s.format == Format::kAsciiline;
    ac::map_cells(state.means, int(layout.ramp.size()), s.invert, s.mode, state.cells,
                  wire ? layout.glyph_bytes : nullptr);

    GstBuffer *out = nullptr;
    bool full = true;
    uint32_t index = 0;
    if (wire) {
      index = state.wire.next_index();
      full = state.wire.encode(state.cells, self->priv->force_full.exchange(false), state.bytes);
      if (s.changed_cells) {
        // Every buffer is the seed's full frame, for any client; the changed-cells frame
        // rides along for the clients that ask (a delta is valid after the previous frame).
        ac::encode_full_frame(state.cells, index, s.mode, ac::kExtNone, state.seed_bytes);
        out = gst_buffer_new_memdup(state.seed_bytes.data(), state.seed_bytes.size());
        if (!full)
          ac::encode_full_frame(state.cells, index, s.mode, ac::kExtChangedCells, state.full_bytes);
        const std::vector<uint8_t> &alt_full = full ? state.bytes : state.full_bytes;
        GstBuffer *alt = gst_buffer_new_memdup(alt_full.data(), alt_full.size());
        GstBuffer *delta =
            full ? nullptr : gst_buffer_new_memdup(state.bytes.data(), state.bytes.size());
        onair::alt_payload::attach(out, index, alt, delta, uint64_t(index) - 1);
        gst_buffer_unref(alt);
        if (delta) gst_buffer_unref(delta);
        full = true;
      } else {
        out = gst_buffer_new_memdup(state.bytes.data(), state.bytes.size());
      }
    } else {
      index = state.text_index++;
      if (s.format == Format::kAnsi)
        ac::encode_ansi(state.cells, layout.cols, layout.rows, s.mode, layout.ramp, index == 0,
                        state.text);
      else
        ac::encode_text(state.cells, layout.cols, layout.rows, layout.ramp, state.text);
      out = gst_buffer_new_memdup(state.text.data(), state.text.size());
    }
    gst_buffer_copy_into(out, buffer, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
    GST_BUFFER_OFFSET(out) = index;
    GST_BUFFER_OFFSET_END(out) = index + 1;
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT))
      GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DISCONT);
    if (!full) GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DELTA_UNIT);
    in.reset();
    return gst_pad_push(self->srcpad, out);
  });
}

}  // namespace

static GstStateChangeReturn gst_ascii_enc_change_state(GstElement *element,
                                                       GstStateChange transition) noexcept {
  auto *self = GST_ASCII_ENC(element);
  return onair::guarded_state_change(element, transition, [&] {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
      // A bad charset is refused before any data flows.
      std::vector<std::string> ramp;
      if (!load_ramp(self, settings_of(self), ramp)) return GST_STATE_CHANGE_FAILURE;
      self->priv->force_full = false;
      self->priv->state.emplace();
    }
    const GstStateChangeReturn ret =
        GST_ELEMENT_CLASS(gst_ascii_enc_parent_class)->change_state(element, transition);
    // The pads are inactive now: no streaming thread holds the state.
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) self->priv->state.reset();
    return ret;
  });
}

static void gst_ascii_enc_set_property(GObject *object, guint prop_id, const GValue *value,
                                       GParamSpec *pspec) noexcept {
  auto *self = GST_ASCII_ENC(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    if (!ac::set_setting(self->priv->settings, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  });
}

static void gst_ascii_enc_get_property(GObject *object, guint prop_id, GValue *value,
                                       GParamSpec *pspec) noexcept {
  auto *self = GST_ASCII_ENC(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    if (!ac::get_setting(self->priv->settings, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  });
}

static void gst_ascii_enc_finalize(GObject *object) noexcept {
  onair::guarded_teardown(GST_ELEMENT(object), [&] { delete GST_ASCII_ENC(object)->priv; });
  G_OBJECT_CLASS(gst_ascii_enc_parent_class)->finalize(object);
}

static void gst_ascii_enc_init(GstAsciiEnc *self) {
  self->priv = new Priv();
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_event_function(self->sinkpad, sink_event);
  gst_pad_set_chain_function(self->sinkpad, chain);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT_CAST(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_set_event_function(self->srcpad, src_event);
  gst_pad_use_fixed_caps(self->srcpad);
  gst_element_add_pad(GST_ELEMENT_CAST(self), self->srcpad);
}

static void gst_ascii_enc_class_init(GstAsciiEncClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(ascii_enc_debug, "asciienc", 0, "Video to ASCII cell frames");

  gobject_class->set_property = gst_ascii_enc_set_property;
  gobject_class->get_property = gst_ascii_enc_get_property;
  gobject_class->finalize = gst_ascii_enc_finalize;
  element_class->change_state = gst_ascii_enc_change_state;

  ac::install_settings_properties(gobject_class);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "ASCII art encoder", "Encoder/Video",
      "Turns video into coloured ASCII art: asciiline cell frames, ANSI terminal text or plain "
      "text. No signals or element messages; a charset or grid it cannot use is a LIBRARY/SETTINGS "
      "error. Example: gst-launch-1.0 -q videotestsrc ! asciienc format=ansi cols=100 ! fdsink "
      "fd=1",
      "onair");
  gst_type_mark_as_plugin_api(GST_TYPE_ASCII_ENC_FORMAT, GstPluginAPIFlags(0));
}
