#include "output_format.h"

#include <string>

#include "core/wire.h"
#include "gstasciienc.h"
#include "onair/alt_payload.h"

namespace ac = onair::ascii;

GType gst_ascii_enc_format_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {int(ac::Format::kAsciiline), "asciiline cell frames (application/x-asciiline)", "asciiline"},
      {int(ac::Format::kAnsi), "ANSI terminal text with 24-bit colour (text/x-ansi)", "ansi"},
      {int(ac::Format::kText), "Plain glyph lines (text/x-raw, format=utf8)", "text"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstAsciiEncFormat", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

namespace onair::ascii {

void output_rate(const GstVideoInfo &info, double max_fps, int &num, int &den) {
  num = GST_VIDEO_INFO_FPS_N(&info);
  den = GST_VIDEO_INFO_FPS_D(&info);
  if (max_fps <= 0) return;
  int mn, md;
  gst_util_double_to_fraction(max_fps, &mn, &md);
  if (num <= 0 || gst_util_fraction_compare(mn, md, num, den) < 0) {
    num = mn;
    den = md;
  }
}

GstCaps *output_caps(Format format, int cols, int rows, int mode, int fps_num, int fps_den,
                     int ext) {
  switch (format) {
    case Format::kAsciiline: {
      // The buffers are always seed frames; the changed-cells frames travel beside them
      // (onair/alt_payload.h), announced by their own header.
      const std::string init = init_message(fps_num, fps_den, mode, cols, rows, kExtNone);
      GstCaps *caps = gst_caps_new_simple(
          "application/x-asciiline", "cols", G_TYPE_INT, cols, "rows", G_TYPE_INT, rows, "mode",
          G_TYPE_INT, mode, "framerate", GST_TYPE_FRACTION, fps_num, fps_den, "changed-cells",
          G_TYPE_BOOLEAN, FALSE, "init", G_TYPE_STRING, init.c_str(), nullptr);
      if (ext == kExtChangedCells) {
        const std::string alt = init_message(fps_num, fps_den, mode, cols, rows, ext);
        gst_caps_set_simple(caps, (std::string(alt_payload::kHeaderPrefix) + "init").c_str(),
                            G_TYPE_STRING, alt.c_str(), alt_payload::kCellBytes, G_TYPE_INT,
                            cell_bytes(mode), nullptr);
      }
      return caps;
    }
    case Format::kAnsi:
      return gst_caps_new_simple("text/x-ansi", "cols", G_TYPE_INT, cols, "rows", G_TYPE_INT, rows,
                                 "mode", G_TYPE_INT, mode, "framerate", GST_TYPE_FRACTION, fps_num,
                                 fps_den, nullptr);
    case Format::kText:
      return gst_caps_new_simple("text/x-raw", "format", G_TYPE_STRING, "utf8", nullptr);
  }
  return nullptr;
}

}  // namespace onair::ascii
