// asciienc's settings and the GObject properties that read and write them: their names,
// ranges, defaults and descriptions as gst-inspect-1.0 shows them.
#pragma once

#include <gst/gst.h>

#include <string>

#include "core/text.h"
#include "output_format.h"

namespace onair::ascii {

constexpr guint kDefaultCols = 120;
constexpr double kDefaultGlyphAspect = 2.0;
constexpr int kDefaultMode = 3;
constexpr guint kDefaultKeyInterval = 60;

struct Settings {
  guint cols = kDefaultCols;
  guint rows = 0;
  double glyph_aspect = kDefaultGlyphAspect;
  int mode = kDefaultMode;
  std::string charset = kDefaultCharset;
  bool invert = false;
  double max_fps = 0;
  Format format = Format::kAsciiline;
  bool changed_cells = false;
  guint key_interval = kDefaultKeyInterval;

  // Everything but invert changes the output caps.
  bool same_layout(const Settings &o) const {
    return cols == o.cols && rows == o.rows && glyph_aspect == o.glyph_aspect && mode == o.mode &&
           charset == o.charset && max_fps == o.max_fps && format == o.format &&
           changed_cells == o.changed_cells && key_interval == o.key_interval;
  }
};

// The settings' property ids.
enum SettingsProperty : guint {
  PROP_COLS = 1,
  PROP_ROWS,
  PROP_GLYPH_ASPECT,
  PROP_MODE,
  PROP_CHARSET,
  PROP_INVERT,
  PROP_MAX_FPS,
  PROP_FORMAT,
  PROP_CHANGED_CELLS,
  PROP_KEYFRAME_INTERVAL,
};

void install_settings_properties(GObjectClass *gobject_class);
// False for a property id that is not a setting's.
bool set_setting(Settings &s, guint prop_id, const GValue *value);
bool get_setting(const Settings &s, guint prop_id, GValue *value);

}  // namespace onair::ascii
