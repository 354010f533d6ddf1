#include "run/input_messages.h"

#include "feed/feedsrc_messages.h"

namespace onair::app {

namespace msg = onair::feedsrc_messages;

bool show_input_message(GstMessage *message, Console &console) {
  const GstStructure *s = gst_message_get_structure(message);
  if (!s || !GST_MESSAGE_SRC(message)) return false;
  const std::string kind = gst_structure_get_name(s);
  const std::string name = GST_OBJECT_NAME(GST_MESSAGE_SRC(message));
  if (kind == msg::kConnected) {
    const gchar *peer = gst_structure_get_string(s, msg::kPeer);
    console.info(name + ": a writer connected" + (peer ? std::string(" (") + peer + ")" : ""));
  } else if (kind == msg::kDisconnected) {
    const gchar *reason = gst_structure_get_string(s, msg::kReason);
    console.info(name + ": the writer went away" +
                 (reason ? std::string(" (") + reason + ")" : "") +
                 "; the stream goes on until the next one");
  } else if (kind == msg::kStalled) {
    console.warn(name + ": no new frame; the last one repeats");
  } else if (kind == msg::kResumed) {
    guint64 ns = 0;
    gst_structure_get_uint64(s, msg::kStalledFor, &ns);
    char seconds[32];
    g_snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(ns) / GST_SECOND);
    console.info(name + ": frames again after " + seconds + " s");
  } else {
    return false;
  }
  return true;
}

}  // namespace onair::app
