/**
 * SECTION:element-asciirender
 * @title: asciirender
 *
 * Draws `application/x-asciiline` cell frames (from asciienc) back into
 * video, so the ASCII look can be encoded and streamed like any picture.
 * Each cell becomes `cell-width` x `cell-height` pixels: its glyph in its
 * colour on black (mode 1 cells in light grey). Glyphs come from an atlas
 * drawn once per caps with Pango in the `font` family. Output is BGRx, RGBx
 * or I420 of cols x cell-width by rows x cell-height pixels.
 *
 * Frames with the changed-cells extension are applied to a kept grid; until
 * the first full frame arrives, delta frames are dropped and a full frame is
 * asked for upstream (a force-key-unit event). See
 * docs/elements/asciirender.md.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc ! asciienc cols=160 ! asciirender ! videoconvert ! autovideosink
 * gst-launch-1.0 videotestsrc is-live=true ! asciienc cols=240 rows=68 ! asciirender \
 *     ! videoconvert ! x264enc tune=zerolatency ! flvmux ! rtmp2sink location=rtmp://host/app/key
 * ]|
 */
#include "gstasciirender.h"

#include <gst/video/video.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/draw.h"
#include "core/wire.h"
#include "onair/guard.h"
#include "render/atlas.h"

GST_DEBUG_CATEGORY_STATIC(ascii_render_debug);
#define GST_CAT_DEFAULT ascii_render_debug

namespace ac = onair::ascii;

namespace {

constexpr guint kDefaultCellWidth = 8, kDefaultCellHeight = 16;
constexpr guint kMaxCellSize = 128;
constexpr int kMaxOutputSize = 16384;
constexpr const char *kDefaultFont = "Monospace";

struct Settings {
  guint cell_width = kDefaultCellWidth, cell_height = kDefaultCellHeight;
  std::string font = kDefaultFont;
};

// Streaming-thread state: built in set_caps(), dropped in stop().
struct State {
  State() { gst_video_info_init(&out_info); }

  int cols = 0, rows = 0, mode = 3;
  GstVideoInfo out_info;
  ac::GlyphAtlas atlas;  // drawn again only when the cell size changes
  ac::WireDecoder decoder;
  ac::GridPainter painter;
  bool asked_full = false;
};

struct Priv {
  std::mutex lock;  // guards settings
  Settings settings;
  std::optional<State> state;
};

enum { PROP_0, PROP_CELL_WIDTH, PROP_CELL_HEIGHT, PROP_FONT };

#define OUT_FORMATS "{ BGRx, RGBx, I420 }"
GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-asciiline, cols=(int)[1,4096], rows=(int)[1,4096], "
                    "mode=(int)[1,5]"));
GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(OUT_FORMATS)));

}  // namespace

struct _GstAsciiRender {
  GstBaseTransform parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstAsciiRender, gst_ascii_render, GST_TYPE_BASE_TRANSFORM)
GST_ELEMENT_REGISTER_DEFINE(asciirender, "asciirender", GST_RANK_NONE, GST_TYPE_ASCII_RENDER)

namespace {

Settings settings_of(GstAsciiRender *self) {
  std::lock_guard lock(self->priv->lock);
  return self->priv->settings;
}

GstCaps *transform_caps(GstBaseTransform *trans, GstPadDirection direction, GstCaps *caps,
                        GstCaps *filter) noexcept {
  auto *self = GST_ASCII_RENDER(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), static_cast<GstCaps *>(nullptr), [&] {
    GstCaps *out = gst_caps_new_empty();
    if (direction == GST_PAD_SINK) {
      const Settings s = settings_of(self);
      for (guint i = 0; i < gst_caps_get_size(caps); i++) {
        const GstStructure *in = gst_caps_get_structure(caps, i);
        GstStructure *v = gst_structure_new("video/x-raw", "pixel-aspect-ratio", GST_TYPE_FRACTION,
                                            1, 1, nullptr);
        GValue formats = G_VALUE_INIT;
        gst_value_list_init(&formats, 3);
        for (const char *f : {"BGRx", "RGBx", "I420"}) {
          GValue fv = G_VALUE_INIT;
          g_value_init(&fv, G_TYPE_STRING);
          g_value_set_string(&fv, f);
          gst_value_list_append_and_take_value(&formats, &fv);
        }
        gst_structure_take_value(v, "format", &formats);
        int cols, rows;
        if (gst_structure_get_int(in, "cols", &cols) && gst_structure_get_int(in, "rows", &rows))
          gst_structure_set(v, "width", G_TYPE_INT, int(cols * s.cell_width), "height", G_TYPE_INT,
                            int(rows * s.cell_height), nullptr);
        else
          gst_structure_set(v, "width", GST_TYPE_INT_RANGE, 1, kMaxOutputSize, "height",
                            GST_TYPE_INT_RANGE, 1, kMaxOutputSize, nullptr);
        if (const GValue *fr = gst_structure_get_value(in, "framerate"))
          gst_structure_set_value(v, "framerate", fr);
        else
          gst_structure_set(v, "framerate", GST_TYPE_FRACTION_RANGE, 0, 1, G_MAXINT, 1, nullptr);
        gst_caps_append_structure(out, v);
      }
    } else {
      gst_caps_append(out, gst_static_pad_template_get_caps(&sink_template));
    }
    if (filter) {
      GstCaps *f = gst_caps_intersect_full(filter, out, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref(out);
      out = f;
    }
    return out;
  });
}

gboolean set_caps(GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps) noexcept {
  auto *self = GST_ASCII_RENDER(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    const GstStructure *in = gst_caps_get_structure(incaps, 0);
    int cols = 0, rows = 0, mode = 0;
    gboolean changed = FALSE;
    if (!gst_structure_get_int(in, "cols", &cols) || !gst_structure_get_int(in, "rows", &rows) ||
        !gst_structure_get_int(in, "mode", &mode) || !ac::grid_size_ok(cols, rows) ||
        mode < ac::kMinMode || mode > ac::kMaxMode) {
      GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Invalid asciiline caps."),
                        ("%" GST_PTR_FORMAT, incaps));
      return FALSE;
    }
    gst_structure_get_boolean(in, "changed-cells", &changed);
    if (!self->priv->state) self->priv->state.emplace();
    State &state = *self->priv->state;
    if (!gst_video_info_from_caps(&state.out_info, outcaps)) return FALSE;
    const Settings s = settings_of(self);
    if (GST_VIDEO_INFO_WIDTH(&state.out_info) != int(cols * s.cell_width) ||
        GST_VIDEO_INFO_HEIGHT(&state.out_info) != int(rows * s.cell_height))
      return FALSE;
    if (state.atlas.cell_width != int(s.cell_width) ||
        state.atlas.cell_height != int(s.cell_height)) {
      try {
        state.atlas = ac::build_atlas(int(s.cell_width), int(s.cell_height), s.font);
      } catch (const std::exception &e) {
        GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("Cannot draw the glyphs."), ("%s", e.what()));
        return FALSE;
      }
    }
    state.cols = cols;
    state.rows = rows;
    state.mode = mode;
    state.decoder.configure(cols, rows, mode, changed ? ac::kExtChangedCells : ac::kExtNone);
    state.asked_full = false;
    GST_INFO_OBJECT(self, "%dx%d cells mode %d to %" GST_PTR_FORMAT, cols, rows, mode, outcaps);
    return TRUE;
  });
}

gboolean transform_size(GstBaseTransform *trans, GstPadDirection direction, GstCaps *, gsize,
                        GstCaps *, gsize *othersize) noexcept {
  auto *self = GST_ASCII_RENDER(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    if (direction != GST_PAD_SINK || !self->priv->state) return FALSE;
    *othersize = GST_VIDEO_INFO_SIZE(&self->priv->state->out_info);
    return TRUE;
  });
}

GstFlowReturn transform(GstBaseTransform *trans, GstBuffer *inbuf, GstBuffer *outbuf) noexcept {
  auto *self = GST_ASCII_RENDER(trans);
  return onair::guarded(GST_ELEMENT_CAST(self), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    if (!self->priv->state) return GST_FLOW_NOT_NEGOTIATED;
    State &state = *self->priv->state;
    GstMapInfo map;
    if (!gst_buffer_map(inbuf, &map, GST_MAP_READ)) {
      GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Cannot read a cell frame."), (nullptr));
      return GST_FLOW_ERROR;
    }
    const auto result = state.decoder.decode(map.data, map.size);
    const gsize size = map.size;
    gst_buffer_unmap(inbuf, &map);
    if (result == ac::WireDecoder::Result::kMalformed) {
      GST_ELEMENT_ERROR(self, STREAM, DECODE, ("Malformed asciiline frame."),
                        ("%" G_GSIZE_FORMAT " bytes for %dx%d cells, mode %d", size, state.cols,
                         state.rows, state.mode));
      return GST_FLOW_ERROR;
    }
    if (result == ac::WireDecoder::Result::kNeedFull) {
      if (!state.asked_full) {
        state.asked_full = true;
        gst_pad_push_event(trans->sinkpad, gst_video_event_new_upstream_force_key_unit(
                                               GST_CLOCK_TIME_NONE, TRUE, 0));
      }
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &state.out_info, outbuf, GST_MAP_WRITE)) {
      GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Cannot write a video frame."), (nullptr));
      return GST_FLOW_ERROR;
    }
    ac::OutFrame out;
    switch (GST_VIDEO_INFO_FORMAT(&state.out_info)) {
      case GST_VIDEO_FORMAT_RGBx:
        out.format = ac::OutFormat::kRGBx;
        break;
      case GST_VIDEO_FORMAT_I420:
        out.format = ac::OutFormat::kI420;
        break;
      default:
        out.format = ac::OutFormat::kBGRx;
        break;
    }
    out.width = GST_VIDEO_FRAME_WIDTH(&frame);
    out.height = GST_VIDEO_FRAME_HEIGHT(&frame);
    for (guint i = 0; i < GST_VIDEO_FRAME_N_PLANES(&frame) && i < 3; i++) {
      out.data[i] = static_cast<uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, i));
      out.stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, i);
    }
    state.painter.draw(state.decoder.cells(), state.cols, state.rows, state.mode, state.atlas, out);
    gst_video_frame_unmap(&frame);
    GST_BUFFER_FLAG_UNSET(outbuf, GST_BUFFER_FLAG_DELTA_UNIT);
    return GST_FLOW_OK;
  });
}

gboolean stop(GstBaseTransform *trans) noexcept {
  auto *self = GST_ASCII_RENDER(trans);
  return onair::guarded_teardown(GST_ELEMENT_CAST(self), FALSE, [&]() -> gboolean {
    self->priv->state.reset();
    return TRUE;
  });
}

}  // namespace

static void gst_ascii_render_set_property(GObject *object, guint prop_id, const GValue *value,
                                          GParamSpec *pspec) noexcept {
  auto *self = GST_ASCII_RENDER(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_CELL_WIDTH:
        s.cell_width = g_value_get_uint(value);
        break;
      case PROP_CELL_HEIGHT:
        s.cell_height = g_value_get_uint(value);
        break;
      case PROP_FONT: {
        const gchar *f = g_value_get_string(value);
        s.font = f && *f ? f : kDefaultFont;
        break;
      }
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_ascii_render_get_property(GObject *object, guint prop_id, GValue *value,
                                          GParamSpec *pspec) noexcept {
  auto *self = GST_ASCII_RENDER(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    const Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_CELL_WIDTH:
        g_value_set_uint(value, s.cell_width);
        break;
      case PROP_CELL_HEIGHT:
        g_value_set_uint(value, s.cell_height);
        break;
      case PROP_FONT:
        g_value_set_string(value, s.font.c_str());
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_ascii_render_finalize(GObject *object) noexcept {
  onair::guarded_teardown(GST_ELEMENT(object), [&] { delete GST_ASCII_RENDER(object)->priv; });
  G_OBJECT_CLASS(gst_ascii_render_parent_class)->finalize(object);
}

static void gst_ascii_render_init(GstAsciiRender *self) {
  self->priv = new Priv();
}

static void gst_ascii_render_class_init(GstAsciiRenderClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(ascii_render_debug, "asciirender", 0, "ASCII cell frames to video");

  gobject_class->set_property = gst_ascii_render_set_property;
  gobject_class->get_property = gst_ascii_render_get_property;
  gobject_class->finalize = gst_ascii_render_finalize;

  // Sizes change the output caps, so they are set before the stream starts.
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_CELL_WIDTH,
      g_param_spec_uint("cell-width", "Cell width", "Width of a cell in pixels", 2, kMaxCellSize,
                        kDefaultCellWidth, rw));
  g_object_class_install_property(
      gobject_class, PROP_CELL_HEIGHT,
      g_param_spec_uint("cell-height", "Cell height", "Height of a cell in pixels", 2, kMaxCellSize,
                        kDefaultCellHeight, rw));
  g_object_class_install_property(
      gobject_class, PROP_FONT,
      g_param_spec_string("font", "Font",
                          "Pango font family of the glyphs (bold, fitted to "
                          "the cell)",
                          kDefaultFont, rw));

  trans_class->transform_caps = transform_caps;
  trans_class->set_caps = set_caps;
  trans_class->transform_size = transform_size;
  trans_class->transform = transform;
  trans_class->stop = stop;
  trans_class->passthrough_on_same_caps = FALSE;

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "ASCII art renderer", "Filter/Effect/Video",
      "Draws asciiline cell frames as video: each glyph in its cell's colour. No signals or "
      "element messages; until a full frame arrives it drops delta frames and asks upstream for "
      "one. Example: gst-launch-1.0 videotestsrc ! asciienc cols=160 ! asciirender ! videoconvert "
      "! autovideosink",
      "onair");
}
