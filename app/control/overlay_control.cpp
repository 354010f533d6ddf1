#include "control/overlay_control.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "control/select_overlay.h"
#include "run/elements.h"
#include "onair/gst_ptr.h"

namespace onair::app {

namespace {

constexpr const char *kFactory = "broadcastoverlay";

// Every broadcastoverlay below `bin`, by element name.
std::map<std::string, ElementPtr> find_overlays(GstElement *bin) {
  return elements_made_by(bin, kFactory);
}

std::string quoted(const std::string &name) {
  return "'" + name + "'";
}

void need_signal(GstElement *element, const char *name) {
  if (!g_signal_lookup(name, G_OBJECT_TYPE(element)))
    throw ControlError(500, "overlay " + quoted(GST_OBJECT_NAME(element)) +
                                " has no action signal '" + name + "'");
}

GParamSpec *need_property(GstElement *element, const char *name) {
  GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name);
  if (!spec || !(spec->flags & G_PARAM_WRITABLE))
    throw ControlError(500, "overlay " + quoted(GST_OBJECT_NAME(element)) +
                                " has no writable property '" + name + "'");
  return spec;
}

// Checks a number against the property's own range.
void check_double(GstElement *element, const char *name, const char *field, double value) {
  GParamSpec *spec = need_property(element, name);
  if (spec->value_type != G_TYPE_DOUBLE)
    throw ControlError(500, std::string("property '") + name + "' is not a number");
  GValue v = G_VALUE_INIT;
  g_value_init(&v, G_TYPE_DOUBLE);
  g_value_set_double(&v, value);
  // The element's own range is the last word.
  const bool changed = g_param_value_validate(spec, &v);
  g_value_unset(&v);
  if (changed)
    throw ControlError(400, std::string("\"") + field + "\" is outside the overlay's range");
}

// The logo must be a PNG file the app can read.
void check_logo_file(const std::string &location) {
  if (!g_file_test(location.c_str(), G_FILE_TEST_IS_REGULAR))
    throw ControlError(400, "\"location\": no such file");
  std::ifstream in(location, std::ios::binary);
  char magic[8] = {};
  if (!in.read(magic, sizeof magic)) throw ControlError(400, "\"location\": cannot read the file");
  static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (std::memcmp(magic, kPng, sizeof kPng) != 0)
    throw ControlError(400, "\"location\": not a PNG file");
}

// add-alert said no to a valid alert: with alerts waiting, their queue is full, which passes
// (429): a place frees up when the alert on screen is done, in about one alert-duration.
[[noreturn]] void refused_alert(GstElement *element, const std::string &who) {
  guint waiting = 0;
  read_property(element, "alerts-queued", G_TYPE_UINT, waiting);
  if (waiting == 0) throw ControlError(400, who + " refused the alert");
  guint64 duration_ns = 0;
  read_property(element, "alert-duration", G_TYPE_UINT64, duration_ns);
  const int retry_after =
      std::max(1, static_cast<int>(std::ceil(static_cast<double>(duration_ns) / GST_SECOND)));
  throw ControlError(
      429,
      who + " has " + std::to_string(waiting) +
          " alerts waiting, as many as it takes: try again in " + std::to_string(retry_after) +
          " s",
      retry_after,
      "\"waiting\":" + std::to_string(waiting) + ",\"retry_after\":" + std::to_string(retry_after));
}

}  // namespace

OverlayControl::OverlayControl(GstElement *pipeline)
    : pipeline_(GST_ELEMENT(gst_object_ref(pipeline))) {}

OverlayControl::~OverlayControl() {
  gst_object_unref(pipeline_);
}

std::vector<OverlayFigures> OverlayControl::list() const {
  std::vector<OverlayFigures> out;
  for (const auto &[name, element] : find_overlays(pipeline_)) {
    OverlayFigures info;
    info.name = name;
    gchar *status = nullptr;
    read_property(element.get(), "status", G_TYPE_STRING, status);
    info.status = status ? status : "";
    g_free(status);
    guint count = 0;
    read_property(element.get(), "chat-count", G_TYPE_UINT, count);
    info.chat_count = count;
    count = 0;
    read_property(element.get(), "alerts-queued", G_TYPE_UINT, count);
    info.alerts_queued = count;
    out.push_back(std::move(info));
  }
  return out;
}

void OverlayControl::apply(const ControlCommand &c) {
  std::map<std::string, ElementPtr> overlays = find_overlays(pipeline_);
  std::vector<std::string> names;
  for (const auto &[name, element] : overlays) names.push_back(name);
  GstElement *element = overlays.at(select_overlay(names, c.overlay)).get();
  const std::string who = "overlay " + quoted(GST_OBJECT_NAME(element));

  switch (c.kind) {
    case CommandKind::kChat: {
      need_signal(element, "add-chat");
      gboolean ok = FALSE;
      g_signal_emit_by_name(element, "add-chat", c.user.c_str(), c.text.c_str(), c.color.c_str(),
                            &ok);
      if (!ok)
        throw ControlError(400, who + " refused the chat line" +
                                    (c.color.empty() ? std::string()
                                                     : " (is \"" + c.color +
                                                           "\" a colour it knows? #RGB, #RRGGBB "
                                                           "or a CSS basic colour name)"));
      break;
    }
    case CommandKind::kAlert: {
      need_signal(element, "add-alert");
      gboolean ok = FALSE;
      // The element takes the duration as running time in nanoseconds.
      g_signal_emit_by_name(element, "add-alert", c.text.c_str(), c.alert_type.c_str(),
                            static_cast<guint64>(std::llround(c.duration * GST_SECOND)), &ok);
      if (!ok) refused_alert(element, who);
      break;
    }
    case CommandKind::kStatus:
      need_property(element, "status");
      g_object_set(element, "status", c.text.c_str(), nullptr);
      break;
    case CommandKind::kLogo:
      // Check everything before changing anything.
      if (c.location) need_property(element, "logo-location");
      if (c.location && !c.location->empty()) check_logo_file(*c.location);
      if (c.position) {
        GParamSpec *spec = need_property(element, "logo-position");
        if (!G_IS_PARAM_SPEC_ENUM(spec) ||
            !g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(spec)->enum_class, c.position->c_str()))
          throw ControlError(400, who + " has no logo position '" + *c.position + "'");
      }
      if (c.scale) check_double(element, "logo-scale", "scale", *c.scale);
      if (c.opacity) check_double(element, "logo-opacity", "opacity", *c.opacity);
      if (c.scale) g_object_set(element, "logo-scale", *c.scale, nullptr);
      if (c.opacity) g_object_set(element, "logo-opacity", *c.opacity, nullptr);
      if (c.position)
        gst_util_set_object_arg(G_OBJECT(element), "logo-position", c.position->c_str());
      if (c.location) g_object_set(element, "logo-location", c.location->c_str(), nullptr);
      break;
    case CommandKind::kClearChat:
      need_signal(element, "clear-chat");
      g_signal_emit_by_name(element, "clear-chat");
      break;
    case CommandKind::kClearAlerts:
      need_signal(element, "clear-alerts");
      g_signal_emit_by_name(element, "clear-alerts");
      break;
    case CommandKind::kReconnect:
    case CommandKind::kCapture:
    case CommandKind::kSay:
    case CommandKind::kPlay:
    case CommandKind::kSpeechSkip:
    case CommandKind::kSpeechClear:
    case CommandKind::kPreviewStart:
    case CommandKind::kPreviewStop:
    case CommandKind::kPreviews:
      throw ControlError(500, std::string(command_name(c.kind)) + " is not a command for overlays");
  }
}

}  // namespace onair::app
