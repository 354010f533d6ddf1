#include "broadcastoverlay_settings.h"

#include "core/text.h"
#include "gstbroadcastoverlay.h"

namespace ov = onair::overlay;

namespace {
constexpr guint kMaxChatSize = 50;
}  // namespace

GType gst_broadcast_overlay_position_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {int(ov::Anchor::kTopLeft), "Top left", "top-left"},
      {int(ov::Anchor::kTopCenter), "Top centre", "top-center"},
      {int(ov::Anchor::kTopRight), "Top right", "top-right"},
      {int(ov::Anchor::kCenterLeft), "Centre left", "center-left"},
      {int(ov::Anchor::kCenter), "Centre", "center"},
      {int(ov::Anchor::kCenterRight), "Centre right", "center-right"},
      {int(ov::Anchor::kBottomLeft), "Bottom left", "bottom-left"},
      {int(ov::Anchor::kBottomCenter), "Bottom centre", "bottom-center"},
      {int(ov::Anchor::kBottomRight), "Bottom right", "bottom-right"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstBroadcastOverlayPosition", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

namespace onair::overlay {

void install_settings_properties(GObjectClass *gobject_class) {
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_PLAYING);
  const SceneConfig defaults;
  const GType position = GST_TYPE_BROADCAST_OVERLAY_POSITION;

  g_object_class_install_property(
      gobject_class, PROP_STATUS,
      g_param_spec_string("status", "Status",
                          "Status line text (empty: none). '{time}' shows the local time "
                          "(HH:MM:SS) and '{running-time}' the stream's running time",
                          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_STATUS_POSITION,
      g_param_spec_enum("status-position", "Status position", "Where the status line goes",
                        position, int(defaults.status_anchor), rw));
  g_object_class_install_property(
      gobject_class, PROP_FONT,
      g_param_spec_string("font", "Font",
                          "Pango font family and style without a size, e.g. 'Sans' or "
                          "'Serif Bold' (the size follows text-scale)",
                          "Sans", rw));
  g_object_class_install_property(
      gobject_class, PROP_TEXT_SCALE,
      g_param_spec_double("text-scale", "Text scale",
                          "Text size as a fraction of the frame height (alerts are a third "
                          "larger)",
                          0.005, 0.5, defaults.text_scale, rw));
  g_object_class_install_property(
      gobject_class, PROP_MARGIN,
      g_param_spec_double("margin", "Margin",
                          "Distance of every layer from the frame's edges, as a fraction of "
                          "the frame height",
                          0.0, 0.4, defaults.margin, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHAT_SIZE,
      g_param_spec_uint("chat-size", "Chat size",
                        "How many of the latest chat messages are shown (0: no chat)", 0,
                        kMaxChatSize, 5, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHAT_TTL,
      g_param_spec_uint64("chat-ttl", "Chat time to live",
                          "Running time (ns) a chat message stays, fading out over its last "
                          "second (0: until pushed out by newer ones)",
                          0, G_MAXINT64, kDefaultChatTtl, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHAT_WIDTH,
      g_param_spec_double("chat-width", "Chat width",
                          "Width at which chat messages wrap, as a fraction of the frame width",
                          0.1, 1.0, defaults.chat_width, rw));
  g_object_class_install_property(
      gobject_class, PROP_CHAT_POSITION,
      g_param_spec_enum("chat-position", "Chat position",
                        "Where the chat goes; at a bottom position the newest message is lowest",
                        position, int(defaults.chat_anchor), rw));
  g_object_class_install_property(
      gobject_class, PROP_ALERT_DURATION,
      g_param_spec_uint64("alert-duration", "Alert duration",
                          "Running time (ns) an alert stays when add-alert gives no duration",
                          GST_MSECOND, kMaxAlertDuration, kDefaultAlertDuration, rw));
  g_object_class_install_property(
      gobject_class, PROP_ALERT_POSITION,
      g_param_spec_enum("alert-position", "Alert position", "Where alerts appear", position,
                        int(defaults.alert_anchor), rw));
  g_object_class_install_property(
      gobject_class, PROP_LOGO_LOCATION,
      g_param_spec_string("logo-location", "Logo location",
                          "PNG file drawn as the logo, alpha kept (empty: none). A file that "
                          "cannot be read is a warning and the stream goes on without a logo",
                          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_LOGO_POSITION,
      g_param_spec_enum("logo-position", "Logo position", "Where the logo goes", position,
                        int(defaults.logo_anchor), rw));
  g_object_class_install_property(
      gobject_class, PROP_LOGO_SCALE,
      g_param_spec_double("logo-scale", "Logo scale",
                          "Logo height as a fraction of the frame height (0: the image's own "
                          "size)",
                          0.0, 1.0, defaults.logo_scale, rw));
  g_object_class_install_property(
      gobject_class, PROP_LOGO_OPACITY,
      g_param_spec_double("logo-opacity", "Logo opacity", "Opacity of the logo", 0.0, 1.0,
                          defaults.logo_opacity, rw));
  gst_type_mark_as_plugin_api(position, static_cast<GstPluginAPIFlags>(0));
}

bool set_setting(Settings &s, guint prop_id, const GValue *value) {
  const auto str = [&] {
    const gchar *v = g_value_get_string(value);
    return std::string(v ? v : "");
  };
  const auto anchor = [&] { return static_cast<Anchor>(g_value_get_enum(value)); };
  switch (prop_id) {
    case PROP_STATUS:
      s.status_template = clean_text(str(), 4 * kMaxStatusChars);
      return true;
    case PROP_STATUS_POSITION:
      s.scene.status_anchor = anchor();
      return true;
    case PROP_FONT:
      s.scene.font = str().empty() ? "Sans" : clean_text(str(), 200);
      return true;
    case PROP_TEXT_SCALE:
      s.scene.text_scale = g_value_get_double(value);
      return true;
    case PROP_MARGIN:
      s.scene.margin = g_value_get_double(value);
      return true;
    case PROP_CHAT_SIZE:
      s.scene.chat.max_messages = g_value_get_uint(value);
      return true;
    case PROP_CHAT_TTL:
      s.scene.chat.ttl = static_cast<int64_t>(g_value_get_uint64(value));
      return true;
    case PROP_CHAT_WIDTH:
      s.scene.chat_width = g_value_get_double(value);
      return true;
    case PROP_CHAT_POSITION:
      s.scene.chat_anchor = anchor();
      return true;
    case PROP_ALERT_DURATION:
      s.alert_duration = g_value_get_uint64(value);
      return true;
    case PROP_ALERT_POSITION:
      s.scene.alert_anchor = anchor();
      return true;
    case PROP_LOGO_LOCATION:
      s.logo_location = str();
      return true;
    case PROP_LOGO_POSITION:
      s.scene.logo_anchor = anchor();
      return true;
    case PROP_LOGO_SCALE:
      s.scene.logo_scale = g_value_get_double(value);
      return true;
    case PROP_LOGO_OPACITY:
      s.scene.logo_opacity = g_value_get_double(value);
      return true;
    default:
      return false;
  }
}

bool get_setting(const Settings &s, guint prop_id, GValue *value) {
  switch (prop_id) {
    case PROP_STATUS:
      g_value_set_string(value, s.status_template.c_str());
      return true;
    case PROP_STATUS_POSITION:
      g_value_set_enum(value, int(s.scene.status_anchor));
      return true;
    case PROP_FONT:
      g_value_set_string(value, s.scene.font.c_str());
      return true;
    case PROP_TEXT_SCALE:
      g_value_set_double(value, s.scene.text_scale);
      return true;
    case PROP_MARGIN:
      g_value_set_double(value, s.scene.margin);
      return true;
    case PROP_CHAT_SIZE:
      g_value_set_uint(value, static_cast<guint>(s.scene.chat.max_messages));
      return true;
    case PROP_CHAT_TTL:
      g_value_set_uint64(value, static_cast<guint64>(s.scene.chat.ttl));
      return true;
    case PROP_CHAT_WIDTH:
      g_value_set_double(value, s.scene.chat_width);
      return true;
    case PROP_CHAT_POSITION:
      g_value_set_enum(value, int(s.scene.chat_anchor));
      return true;
    case PROP_ALERT_DURATION:
      g_value_set_uint64(value, s.alert_duration);
      return true;
    case PROP_ALERT_POSITION:
      g_value_set_enum(value, int(s.scene.alert_anchor));
      return true;
    case PROP_LOGO_LOCATION:
      g_value_set_string(value, s.logo_location.c_str());
      return true;
    case PROP_LOGO_POSITION:
      g_value_set_enum(value, int(s.scene.logo_anchor));
      return true;
    case PROP_LOGO_SCALE:
      g_value_set_double(value, s.scene.logo_scale);
      return true;
    case PROP_LOGO_OPACITY:
      g_value_set_double(value, s.scene.logo_opacity);
      return true;
    default:
      return false;
  }
}

}  // namespace onair::overlay
