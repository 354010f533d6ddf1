// ttsmix's settings and the GObject properties that read and write them: their names,
// ranges, defaults and descriptions as gst-inspect-1.0 shows them, and what they mean to
// the mixer at a given rate.
#pragma once

#include <gst/gst.h>

#include <string>

#include "core/speech_mixer.h"

namespace onair::speech {

struct Settings {
  std::string voice = "en";
  int rate = 175;  // words per minute
  int pitch = 50;
  bool markup = false;
  double speech_volume = 1.0;
  double duck_level = 0.2;
  guint duck_attack = 50;  // ms
  guint duck_release = 300;
  guint gap = 250;
  guint max_queue = 16;
  guint fade = 20;
  bool limiter = true;
  bool operator==(const Settings &) const = default;
};

// The settings' property ids; the element's own (read-only) properties follow
// kSettingsPropertyEnd.
enum SettingsProperty : guint {
  PROP_VOICE = 1,
  PROP_RATE,
  PROP_PITCH,
  PROP_MARKUP,
  PROP_SPEECH_VOLUME,
  PROP_DUCK_LEVEL,
  PROP_DUCK_ATTACK,
  PROP_DUCK_RELEASE,
  PROP_GAP,
  PROP_MAX_QUEUE,
  PROP_FADE,
  PROP_LIMITER,
  kSettingsPropertyEnd,
};

void install_settings_properties(GObjectClass *gobject_class);
// False for a property id that is not a setting's.
bool set_setting(Settings &s, guint prop_id, const GValue *value);
bool get_setting(const Settings &s, guint prop_id, GValue *value);

// The mixer's configuration for `s` on a stream of `rate` Hz (milliseconds become frames).
MixerConfig mixer_config(const Settings &s, int rate);

}  // namespace onair::speech
