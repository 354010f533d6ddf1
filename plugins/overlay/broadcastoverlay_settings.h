// broadcastoverlay's settings and the GObject properties that read and write them: their
// names, ranges, defaults and descriptions as gst-inspect-1.0 shows them.
#pragma once

#include <gst/gst.h>

#include <string>

#include "render/scene.h"

namespace onair::overlay {

constexpr guint64 kDefaultChatTtl = 30 * GST_SECOND;
constexpr guint64 kDefaultAlertDuration = 5 * GST_SECOND;
constexpr guint64 kMaxAlertDuration = 3600 * GST_SECOND;

struct Settings {
  Settings() { scene.chat.ttl = static_cast<int64_t>(kDefaultChatTtl); }

  SceneConfig scene;
  std::string status_template;  // with {time} / {running-time} unexpanded
  std::string logo_location;
  guint64 alert_duration = kDefaultAlertDuration;
};

// The settings' property ids; the element's own properties follow kSettingsPropertyEnd.
enum SettingsProperty : guint {
  PROP_STATUS = 1,
  PROP_STATUS_POSITION,
  PROP_FONT,
  PROP_TEXT_SCALE,
  PROP_MARGIN,
  PROP_CHAT_SIZE,
  PROP_CHAT_TTL,
  PROP_CHAT_WIDTH,
  PROP_CHAT_POSITION,
  PROP_ALERT_DURATION,
  PROP_ALERT_POSITION,
  PROP_LOGO_LOCATION,
  PROP_LOGO_POSITION,
  PROP_LOGO_SCALE,
  PROP_LOGO_OPACITY,
  kSettingsPropertyEnd,
};

void install_settings_properties(GObjectClass *gobject_class);
// False for a property id that is not a setting's.
bool set_setting(Settings &s, guint prop_id, const GValue *value);
bool get_setting(const Settings &s, guint prop_id, GValue *value);

}  // namespace onair::overlay
