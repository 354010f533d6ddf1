#include "run/speech_messages.h"

#include <cstdio>
#include <string>

#include "common/text.h"
#include "speech/ttsmix_messages.h"

namespace onair::app {

namespace msg = onair::ttsmix_messages;

namespace {

std::string string_field(const GstStructure *s, const char *field) {
  const gchar *value = gst_structure_get_string(s, field);
  return value ? value : "";
}

// "12.40 s", or "?" when the field is missing or GST_CLOCK_TIME_NONE.
std::string seconds_field(const GstStructure *s, const char *field) {
  guint64 ns = GST_CLOCK_TIME_NONE;
  if (!gst_structure_get_uint64(s, field, &ns) || !GST_CLOCK_TIME_IS_VALID(ns)) return "?";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", static_cast<double>(ns) / GST_SECOND);
  return text;
}

// The excerpt the element gives, kept to one printable line.
std::string quoted_text(const GstStructure *s) {
  return "\"" + printable_excerpt(string_field(s, msg::kText), 60) + "\"";
}

}  // namespace

bool show_speech_message(GstMessage *message, Console &console) {
  const GstStructure *s = gst_message_get_structure(message);
  if (!s || !GST_MESSAGE_SRC(message)) return false;
  const std::string kind = gst_structure_get_name(s);
  if (kind != msg::kStarted && kind != msg::kFinished && kind != msg::kRefused) return false;
  const std::string name = GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
  guint id = 0;
  gst_structure_get_uint(s, msg::kId, &id);
  const std::string item = name + ": #" + std::to_string(id);
  const std::string item_kind = string_field(s, msg::kKind);
  if (kind == msg::kStarted) {
    console.info(item + " started at " + seconds_field(s, msg::kRunningTime) + " (" + item_kind +
                 "): " + quoted_text(s));
  } else if (kind == msg::kFinished) {
    const std::string reason = string_field(s, msg::kReason);
    std::string line = item + " finished at " + seconds_field(s, msg::kRunningTime) + " (" +
                       reason + ", " + seconds_field(s, msg::kDuration) + ")";
    if (reason == msg::kReasonFailed) {
      line += ": " + quoted_text(s) + ": " + printable_excerpt(string_field(s, msg::kError), 200);
      console.warn(line);
    } else {
      console.info(line);
    }
  } else {
    console.warn(name + ": refused (" + item_kind + "): " +
                 printable_excerpt(string_field(s, msg::kReason), 200) + ": " + quoted_text(s));
  }
  return true;
}

}  // namespace onair::app
