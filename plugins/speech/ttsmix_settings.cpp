#include "ttsmix_settings.h"

namespace onair::speech {

namespace {

constexpr GParamFlags kReadWrite = static_cast<GParamFlags>(
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

uint32_t ms_to_frames(guint ms, int rate) {
  return static_cast<uint32_t>(gst_util_uint64_scale(ms, static_cast<guint64>(rate), 1000));
}

}  // namespace

void install_settings_properties(GObjectClass *oc) {
  g_object_class_install_property(
      oc, PROP_VOICE,
      g_param_spec_string("voice", "Voice",
                          "espeak-ng voice for say without a voice (a language such as en, "
                          "en-us, de, or a voice name; +variant allowed, e.g. en+f3)",
                          "en", kReadWrite));
  g_object_class_install_property(
      oc, PROP_RATE,
      g_param_spec_int("rate", "Rate", "Speaking rate in words per minute", 80, 450, 175,
                       kReadWrite));
  g_object_class_install_property(
      oc, PROP_PITCH, g_param_spec_int("pitch", "Pitch", "Voice pitch", 0, 99, 50, kReadWrite));
  g_object_class_install_property(
      oc, PROP_MARKUP,
      g_param_spec_boolean("markup", "Markup",
                           "Pass SSML/markup in the text to espeak-ng (off: the text is spoken "
                           "literally)",
                           FALSE, kReadWrite));
  g_object_class_install_property(
      oc, PROP_SPEECH_VOLUME,
      g_param_spec_double("speech-volume", "Speech volume", "Gain on speech and clips", 0.0, 10.0,
                          1.0, kReadWrite));
  g_object_class_install_property(
      oc, PROP_DUCK_LEVEL,
      g_param_spec_double("duck-level", "Duck level",
                          "Programme gain while an item plays (1.0: no ducking)", 0.0, 1.0, 0.2,
                          kReadWrite));
  g_object_class_install_property(
      oc, PROP_DUCK_ATTACK,
      g_param_spec_uint("duck-attack", "Duck attack",
                        "Milliseconds the programme takes to go down to duck-level", 0, 10000, 50,
                        kReadWrite));
  g_object_class_install_property(
      oc, PROP_DUCK_RELEASE,
      g_param_spec_uint("duck-release", "Duck release",
                        "Milliseconds the programme takes to come back after an item and its "
                        "gap",
                        0, 10000, 300, kReadWrite));
  g_object_class_install_property(
      oc, PROP_GAP,
      g_param_spec_uint("gap", "Gap", "Milliseconds of silence between queued items", 0, 60000, 250,
                        kReadWrite));
  g_object_class_install_property(
      oc, PROP_MAX_QUEUE,
      g_param_spec_uint("max-queue", "Max queue",
                        "Items that may wait (the one playing not counted); more are refused", 1,
                        1000, 16, kReadWrite));
  g_object_class_install_property(
      oc, PROP_FADE,
      g_param_spec_uint("fade", "Fade",
                        "Milliseconds of fade-out when an item is skipped, interrupted or "
                        "cleared",
                        0, 10000, 20, kReadWrite));
  g_object_class_install_property(
      oc, PROP_LIMITER,
      g_param_spec_boolean(
          "limiter", "Limiter",
          "Limit the sum to -1 dBFS so it never clips (off: S16 saturates, F32 may pass 1.0)", TRUE,
          kReadWrite));
}

bool set_setting(Settings &s, guint prop_id, const GValue *value) {
  switch (prop_id) {
    case PROP_VOICE: {
      const gchar *voice = g_value_get_string(value);
      s.voice = voice && *voice ? voice : "en";
      return true;
    }
    case PROP_RATE:
      s.rate = g_value_get_int(value);
      return true;
    case PROP_PITCH:
      s.pitch = g_value_get_int(value);
      return true;
    case PROP_MARKUP:
      s.markup = g_value_get_boolean(value);
      return true;
    case PROP_SPEECH_VOLUME:
      s.speech_volume = g_value_get_double(value);
      return true;
    case PROP_DUCK_LEVEL:
      s.duck_level = g_value_get_double(value);
      return true;
    case PROP_DUCK_ATTACK:
      s.duck_attack = g_value_get_uint(value);
      return true;
    case PROP_DUCK_RELEASE:
      s.duck_release = g_value_get_uint(value);
      return true;
    case PROP_GAP:
      s.gap = g_value_get_uint(value);
      return true;
    case PROP_MAX_QUEUE:
      s.max_queue = g_value_get_uint(value);
      return true;
    case PROP_FADE:
      s.fade = g_value_get_uint(value);
      return true;
    case PROP_LIMITER:
      s.limiter = g_value_get_boolean(value);
      return true;
    default:
      return false;
  }
}

bool get_setting(const Settings &s, guint prop_id, GValue *value) {
  switch (prop_id) {
    case PROP_VOICE:
      g_value_set_string(value, s.voice.c_str());
      return true;
    case PROP_RATE:
      g_value_set_int(value, s.rate);
      return true;
    case PROP_PITCH:
      g_value_set_int(value, s.pitch);
      return true;
    case PROP_MARKUP:
      g_value_set_boolean(value, s.markup);
      return true;
    case PROP_SPEECH_VOLUME:
      g_value_set_double(value, s.speech_volume);
      return true;
    case PROP_DUCK_LEVEL:
      g_value_set_double(value, s.duck_level);
      return true;
    case PROP_DUCK_ATTACK:
      g_value_set_uint(value, s.duck_attack);
      return true;
    case PROP_DUCK_RELEASE:
      g_value_set_uint(value, s.duck_release);
      return true;
    case PROP_GAP:
      g_value_set_uint(value, s.gap);
      return true;
    case PROP_MAX_QUEUE:
      g_value_set_uint(value, s.max_queue);
      return true;
    case PROP_FADE:
      g_value_set_uint(value, s.fade);
      return true;
    case PROP_LIMITER:
      g_value_set_boolean(value, s.limiter);
      return true;
    default:
      return false;
  }
}

MixerConfig mixer_config(const Settings &s, int rate) {
  MixerConfig config;
  config.duck_level = s.duck_level;
  config.attack_frames = ms_to_frames(s.duck_attack, rate);
  config.release_frames = ms_to_frames(s.duck_release, rate);
  config.gap_frames = ms_to_frames(s.gap, rate);
  config.fade_frames = ms_to_frames(s.fade, rate);
  config.speech_volume = s.speech_volume;
  config.limiter = s.limiter;
  config.max_queue = s.max_queue;
  return config;
}

}  // namespace onair::speech
