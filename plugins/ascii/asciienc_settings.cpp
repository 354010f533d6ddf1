#include "asciienc_settings.h"

#include "core/cells.h"
#include "gstasciienc.h"

namespace onair::ascii {

void install_settings_properties(GObjectClass *gobject_class) {
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_COLS,
      g_param_spec_uint("cols", "Columns",
                        "Cells per row (1 to 4096; 0 or a grid above 1048576 cells is refused "
                        "with an error). More cells than pixels repeat pixels",
                        0, 65535, kDefaultCols, rw));
  g_object_class_install_property(
      gobject_class, PROP_ROWS,
      g_param_spec_uint("rows", "Rows",
                        "Cell rows (0: from the input's display aspect and glyph-aspect)", 0, 65535,
                        0, rw));
  g_object_class_install_property(
      gobject_class, PROP_GLYPH_ASPECT,
      g_param_spec_double("glyph-aspect", "Glyph aspect",
                          "Height/width of a glyph on the viewer's screen, for rows=0", 0.1, 10.0,
                          kDefaultGlyphAspect, rw));
  g_object_class_install_property(
      gobject_class, PROP_MODE,
      g_param_spec_int("mode", "Mode",
                       "1: glyphs only; 2 to 5: glyph and colour with 5, 3, 2 or 0 low bits "
                       "cleared per channel",
                       kMinMode, kMaxMode, kDefaultMode, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHARSET,
      g_param_spec_string("charset", "Charset",
                          "Glyph ramp from dark to light (UTF-8, up to 256 glyphs; one printable "
                          "ASCII byte each in asciiline format)",
                          kDefaultCharset, rw));
  g_object_class_install_property(gobject_class, PROP_INVERT,
                                  g_param_spec_boolean("invert", "Invert",
                                                       "Use the ramp from light to dark (dark "
                                                       "text on a light background)",
                                                       FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_FPS,
      g_param_spec_double("max-fps", "Maximum frame rate",
                          "Frames per second at most, dropping evenly on running time (0: "
                          "unlimited)",
                          0.0, 1000.0, 0.0, rw));
  g_object_class_install_property(
      gobject_class, PROP_FORMAT,
      g_param_spec_enum("format", "Format", "Output format", GST_TYPE_ASCII_ENC_FORMAT,
                        int(Format::kAsciiline), rw));
  g_object_class_install_property(
      gobject_class, PROP_CHANGED_CELLS,
      g_param_spec_boolean("changed-cells", "Changed cells",
                           "asciiline: send only changed cells between full frames (INIT "
                           "extension 1; seed clients need it off)",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_KEYFRAME_INTERVAL,
      g_param_spec_uint("keyframe-interval", "Keyframe interval",
                        "With changed-cells, a full frame every this many frames (0: only the "
                        "first and on request)",
                        0, G_MAXINT, kDefaultKeyInterval, rw));
}

bool set_setting(Settings &s, guint prop_id, const GValue *value) {
  switch (prop_id) {
    case PROP_COLS:
      s.cols = g_value_get_uint(value);
      return true;
    case PROP_ROWS:
      s.rows = g_value_get_uint(value);
      return true;
    case PROP_GLYPH_ASPECT:
      s.glyph_aspect = g_value_get_double(value);
      return true;
    case PROP_MODE:
      s.mode = g_value_get_int(value);
      return true;
    case PROP_CHARSET: {
      const gchar *c = g_value_get_string(value);
      s.charset = c ? c : "";
      return true;
    }
    case PROP_INVERT:
      s.invert = g_value_get_boolean(value);
      return true;
    case PROP_MAX_FPS:
      s.max_fps = g_value_get_double(value);
      return true;
    case PROP_FORMAT:
      s.format = Format(g_value_get_enum(value));
      return true;
    case PROP_CHANGED_CELLS:
      s.changed_cells = g_value_get_boolean(value);
      return true;
    case PROP_KEYFRAME_INTERVAL:
      s.key_interval = g_value_get_uint(value);
      return true;
    default:
      return false;
  }
}

bool get_setting(const Settings &s, guint prop_id, GValue *value) {
  switch (prop_id) {
    case PROP_COLS:
      g_value_set_uint(value, s.cols);
      return true;
    case PROP_ROWS:
      g_value_set_uint(value, s.rows);
      return true;
    case PROP_GLYPH_ASPECT:
      g_value_set_double(value, s.glyph_aspect);
      return true;
    case PROP_MODE:
      g_value_set_int(value, s.mode);
      return true;
    case PROP_CHARSET:
      g_value_set_string(value, s.charset.c_str());
      return true;
    case PROP_INVERT:
      g_value_set_boolean(value, s.invert);
      return true;
    case PROP_MAX_FPS:
      g_value_set_double(value, s.max_fps);
      return true;
    case PROP_FORMAT:
      g_value_set_enum(value, int(s.format));
      return true;
    case PROP_CHANGED_CELLS:
      g_value_set_boolean(value, s.changed_cells);
      return true;
    case PROP_KEYFRAME_INTERVAL:
      g_value_set_uint(value, s.key_interval);
      return true;
    default:
      return false;
  }
}

}  // namespace onair::ascii
