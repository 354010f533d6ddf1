#include "control/speech_control.h"

#include <gst/base/gsttypefindhelper.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <vector>

#include "common/text.h"
#include "onair/gst_ptr.h"
#include "run/elements.h"
#include "speech/ttsmix_messages.h"

namespace onair::app {

namespace {

constexpr const char *kFactory = "ttsmix";

// Where the refusal the element posts while this thread calls its signal goes
// (null when no call is under way on this thread).
thread_local std::string *refusal_reason = nullptr;

// Catches the reason of a refusal for the length of one signal call.
class RefusalCatcher {
 public:
  RefusalCatcher() { refusal_reason = &reason_; }
  ~RefusalCatcher() { refusal_reason = nullptr; }
  RefusalCatcher(const RefusalCatcher &) = delete;
  RefusalCatcher &operator=(const RefusalCatcher &) = delete;
  const std::string &reason() const { return reason_; }

 private:
  std::string reason_;
};

// The ttsmix the commands go to. Throws ControlError 409.
ElementPtr choose_element(GstElement *pipeline) {
  std::map<std::string, ElementPtr> found = elements_made_by(pipeline, kFactory);
  if (found.empty())
    throw ControlError(409, "no ttsmix in this pipeline (is speech off, or the plugin not built?)");
  if (auto it = found.find(SpeechControl::kName); it != found.end()) return std::move(it->second);
  if (found.size() > 1)
    throw ControlError(
        409, std::string("several ttsmix elements and none named '") + SpeechControl::kName + "'");
  return std::move(found.begin()->second);
}

void need_signal(GstElement *element, const char *name) {
  if (!g_signal_lookup(name, G_OBJECT_TYPE(element)))
    throw ControlError(500, std::string("ttsmix '") + GST_OBJECT_NAME(element) +
                                "' has no action signal '" + name + "'");
}

guint uint_property(GstElement *element, const char *name) {
  GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name);
  if (!spec || spec->value_type != G_TYPE_UINT) return 0;
  guint value = 0;
  g_object_get(element, name, &value, nullptr);
  return value;
}

// What typefinding may call a sound file: sound itself, or a container or
// tag that usually holds only sound. The element decodes anything GStreamer
// can; a file that turns out to hold no sound ends as a failed item.
bool is_sound_type(const std::string &media) {
  static const char *const kContainers[] = {"application/ogg", "application/x-id3",
                                            "application/x-apetag"};
  if (media.rfind("audio/", 0) == 0) return true;
  for (const char *c : kContainers)
    if (media == c) return true;
  return false;
}

// A clip the app hands over: an existing, readable regular file whose first
// bytes GStreamer's typefinders call sound. Returns its absolute path.
std::string checked_clip(const std::string &path) {
  gchar *absolute = g_canonicalize_filename(path.c_str(), nullptr);
  const std::string out = absolute;
  g_free(absolute);
  GStatBuf st{};
  if (g_stat(out.c_str(), &st) != 0) throw ControlError(400, "\"path\": no such file");
  if (!S_ISREG(st.st_mode)) throw ControlError(400, "\"path\": not a regular file");
  std::ifstream in(out, std::ios::binary);
  std::vector<char> head(4096);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (!in && !in.eof()) throw ControlError(400, "\"path\": cannot read the file");
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.empty()) throw ControlError(400, "\"path\": the file is empty");
  GstTypeFindProbability probability = GST_TYPE_FIND_NONE;
  GstCaps *caps = gst_type_find_helper_for_data(
      nullptr, reinterpret_cast<const guint8 *>(head.data()), head.size(), &probability);
  const std::string media = caps && !gst_caps_is_empty(caps)
                                ? gst_structure_get_name(gst_caps_get_structure(caps, 0))
                                : std::string();
  if (caps) gst_caps_unref(caps);
  if (!is_sound_type(media))
    throw ControlError(400, "\"path\": not a sound file" +
                                (media.empty() ? std::string() : " (it looks like " + media + ")"));
  return out;
}

}  // namespace

SpeechControl::SpeechControl(GstElement *pipeline)
    : pipeline_(GST_ELEMENT(gst_object_ref(pipeline))), bus_(gst_element_get_bus(pipeline)) {
  gst_bus_enable_sync_message_emission(bus_);
  handler_ = g_signal_connect(bus_, "sync-message::element",
                              G_CALLBACK(&SpeechControl::on_sync_message), nullptr);
}

SpeechControl::~SpeechControl() {
  g_signal_handler_disconnect(bus_, handler_);
  gst_bus_disable_sync_message_emission(bus_);
  gst_object_unref(bus_);
  gst_object_unref(pipeline_);
}

void SpeechControl::on_sync_message(GstBus *, GstMessage *message, gpointer) noexcept {
  if (!refusal_reason) return;
  const GstStructure *s = gst_message_get_structure(message);
  if (!s || !gst_structure_has_name(s, ttsmix_messages::kRefused)) return;
  const gchar *reason = gst_structure_get_string(s, ttsmix_messages::kReason);
  try {
    *refusal_reason = reason ? reason : "";
  } catch (const std::exception &) {
  }
}

std::string SpeechControl::apply(const ControlCommand &c) {
  const ElementPtr chosen = choose_element(pipeline_);
  GstElement *element = chosen.get();
  const std::string who = std::string("ttsmix '") + GST_OBJECT_NAME(element) + "'";

  // The element says why on the bus; a full queue is worth its own status,
  // so the client knows to wait rather than to change what it sends.
  const auto queued = [&](guint id, const char *what, const RefusalCatcher &refusal) {
    if (id) return "\"id\":" + std::to_string(id);
    const guint waiting = uint_property(element, "queue-length");
    const guint max = uint_property(element, "max-queue");
    if (max && waiting >= max)
      throw ControlError(429, "the speech queue is full (" + std::to_string(max) +
                                  " items wait); try again when one has played");
    throw ControlError(400,
                       who + " refused the " + what + ": " +
                           (refusal.reason().empty() ? std::string("the console says why")
                                                     : printable_excerpt(refusal.reason(), 200)));
  };

  switch (c.kind) {
    case CommandKind::kSay: {
      need_signal(element, "say");
      guint id = 0;
      const RefusalCatcher refusal;
      g_signal_emit_by_name(element, "say", c.text.c_str(), c.voice.c_str(),
                            static_cast<gboolean>(c.interrupt), &id);
      return queued(id, "text", refusal);
    }
    case CommandKind::kPlay: {
      need_signal(element, "play");
      const std::string path = checked_clip(c.path);
      guint id = 0;
      const RefusalCatcher refusal;
      g_signal_emit_by_name(element, "play", path.c_str(), static_cast<gboolean>(c.interrupt), &id);
      return queued(id, "clip", refusal);
    }
    case CommandKind::kSpeechSkip: {
      need_signal(element, "skip");
      gboolean skipped = FALSE;
      g_signal_emit_by_name(element, "skip", &skipped);
      return std::string("\"skipped\":") + (skipped ? "true" : "false");
    }
    case CommandKind::kSpeechClear: {
      need_signal(element, "clear");
      guint cleared = 0;
      g_signal_emit_by_name(element, "clear", &cleared);
      return "\"cleared\":" + std::to_string(cleared);
    }
    default:
      throw ControlError(500, std::string(command_name(c.kind)) + " is not a speech command");
  }
}

}  // namespace onair::app
