#include "run/source_watch.h"

#include "failover/slateswitch_messages.h"
#include "run/elements.h"

namespace onair::app {

namespace msg = onair::slateswitch_messages;

namespace {

std::string seconds(guint64 ns) {
  char text[32];
  g_snprintf(text, sizeof text, "%.1f", static_cast<double>(ns) / GST_SECOND);
  return text;
}

bool inside_resilientsrc(GstElement *element) {
  for (GstObject *parent = GST_OBJECT_PARENT(element); parent; parent = GST_OBJECT_PARENT(parent)) {
    GstElementFactory *factory =
        GST_IS_ELEMENT(parent) ? gst_element_get_factory(GST_ELEMENT(parent)) : nullptr;
    if (factory && g_str_equal(GST_OBJECT_NAME(factory), "resilientsrc")) return true;
  }
  return false;
}

}  // namespace

SourceWatch::SourceWatch(GstElement *pipeline) {
  sources_ = elements_made_by(pipeline, "resilientsrc");
  for (auto &[name, element] : elements_made_by(pipeline, "slateswitch"))
    if (!inside_resilientsrc(element.get())) sources_[name] = std::move(element);
}

bool SourceWatch::handle(GstMessage *message, Console &console) {
  const GstStructure *s = gst_message_get_structure(message);
  if (!s || !GST_MESSAGE_SRC(message)) return false;
  const std::string name = GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
  if (!sources_.count(name)) return false;
  if (gst_structure_has_name(s, msg::kInputLost)) {
    const gchar *reason = gst_structure_get_string(s, msg::kReason);
    const gchar *error = gst_structure_get_string(s, msg::kError);
    guint64 next = 0;
    const bool retrying = gst_structure_get_uint64(s, msg::kNextAttempt, &next);
    if (error) {
      std::lock_guard<std::mutex> l(lock);
      notes_[name].last_error = error;
    }
    std::string text = name + ": input lost (" + (reason ? reason : "?");
    if (error) text += std::string(": ") + error;
    text += "); the slate shows";
    if (retrying) text += ", next try in " + seconds(next) + " s";
    console.warn(text);
    return true;
  }
  if (gst_structure_has_name(s, msg::kInputBack)) {
    guint64 lost_for = 0;
    gst_structure_get_uint64(s, msg::kLostFor, &lost_for);
    console.info(name + ": input back after " + seconds(lost_for) + " s");
    return true;
  }
  return false;
}

void SourceWatch::fill(Status &status) const {
  for (const auto &[name, element] : sources_) {
    SourceFigures f;
    f.name = name;
    GstStructure *stats = nullptr;
    g_object_get(element.get(), "stats", &stats, nullptr);
    const gchar *state = stats ? gst_structure_get_string(stats, msg::kState) : nullptr;
    f.state = state && g_str_equal(state, "live") ? "live" : "lost";
    guint count = 0;
    if (stats && gst_structure_get_uint(stats, msg::kLostCount, &count)) f.lost_count = count;
    if (f.state == "lost") {
      const gchar *reason = stats ? gst_structure_get_string(stats, msg::kReason) : nullptr;
      f.reason = reason ? reason : "starting";  // no picture yet, not announced
      guint64 lost_for = 0;
      if (stats && gst_structure_get_uint64(stats, msg::kLostFor, &lost_for))
        f.lost_for = static_cast<double>(lost_for) / 1e9;
      // resilientsrc plans each reopening after a failed one: its stats have the next.
      guint64 next = 0;
      if (stats && gst_structure_get_uint64(stats, msg::kNextAttemptIn, &next))
        f.next_attempt_in = static_cast<double>(next) / 1e9;
    }
    if (stats) gst_structure_free(stats);
    std::lock_guard<std::mutex> l(lock);
    if (const auto it = notes_.find(name); it != notes_.end()) f.last_error = it->second.last_error;
    status.sources.push_back(std::move(f));
  }
}

}  // namespace onair::app
