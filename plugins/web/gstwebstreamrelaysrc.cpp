/**
 * SECTION:element-webstreamrelaysrc
 * @title: webstreamrelaysrc
 *
 * Receives what a webstreamsink with nats-url publishes on a NATS subject and outputs it
 * again, so that a webstreamsink at the edge serves it to browsers as the first one does:
 * the caps (with the stream's INIT header) come from the key frames, buffers keep their
 * GST_BUFFER_FLAG_DELTA_UNIT and their alternative payloads (meta "OnairAltPayload",
 * common/onair/alt_payload.h: asciienc's changed-cells frames, with the caps' alt-init), and
 * the output starts on a key frame. The message format is docs/protocol/webstream-relay.md.
 *
 * A few frames wait between the broker and the output (queue); when the output is slow the
 * oldest go (and the deltas that need them). Frames that never came (the sequence has a
 * gap: the broker dropped them for a slow link, or the link was down) are counted as lost,
 * and deltas wait for the next key frame. The broker may be down at start or go away: the
 * client reconnects by itself, the element posts webstreamrelaysrc-link messages and a
 * warning, and output resumes with the next key frame; downstream sinks keep their clients
 * meanwhile. A live source; buffers are timestamped on arrival.
 *
 * Element messages "webstreamrelaysrc-link": event ("connected" or "disconnected"), url
 * (credentials hidden), subject.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 webstreamrelaysrc nats-url=nats://127.0.0.1:4222 nats-subject=onair.ascii
 *   ! webstreamsink port=8091 path=/ascii/ws sync=false
 * ]| beside a publisher such as
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! asciienc ! webstreamsink serve=false
 *   nats-url=nats://127.0.0.1:4222 nats-subject=onair.ascii
 * ]|
 */
#include "gstwebstreamrelaysrc.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "core/relay.h"
#include "nats_link.h"
#include "onair/alt_payload.h"
#include "onair/gst_ptr.h"
#include "onair/guard.h"
#include "webstreamrelaysrc_messages.h"

GST_DEBUG_CATEGORY_STATIC(web_stream_relay_src_debug);
#define GST_CAT_DEFAULT web_stream_relay_src_debug

namespace web = onair::web;
namespace relay = onair::web::relay;
namespace msg = onair::webstreamrelaysrc_messages;

namespace {

constexpr guint kDefaultQueue = 8;
// Room for a burst of large frames (200x84 cells are 67 kB) while the output catches up.
constexpr guint kDefaultPendingBytes = 16 * 1024 * 1024;

struct Settings {
  std::string url;  // with any credentials: never shown as it is
  std::string subject;
  guint queue = kDefaultQueue;
  guint pending_bytes = kDefaultPendingBytes;
};

// Between the client's thread (arrive) and the streaming thread (create).
struct Inbox {
  explicit Inbox(size_t capacity) : queue(capacity) {}
  std::mutex lock;
  std::condition_variable arrived;
  relay::RelayQueue queue;
  bool flushing = false;
  uint64_t slow_consumer = 0;
};

struct Priv {
  std::mutex lock;  // guards settings, inbox and link (not what they guard themselves)
  Settings settings;
  std::shared_ptr<Inbox> inbox;
  std::shared_ptr<web::NatsLink> link;
  relay::CapsTracker caps;  // streaming thread only
};

enum { PROP_0, PROP_NATS_URL, PROP_NATS_SUBJECT, PROP_QUEUE, PROP_PENDING_BYTES, PROP_STATS };

GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

}  // namespace

struct _GstWebStreamRelaySrc {
  GstPushSrc parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstWebStreamRelaySrc, gst_web_stream_relay_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(webstreamrelaysrc, "webstreamrelaysrc", GST_RANK_NONE,
                            GST_TYPE_WEB_STREAM_RELAY_SRC)

namespace {

void post_link_message(GstElement *element, bool up, const std::string &url,
                       const std::string &subject) {
  GstStructure *s = gst_structure_new(
      msg::kLink, msg::kEvent, G_TYPE_STRING, up ? msg::kConnected : msg::kDisconnected, msg::kUrl,
      G_TYPE_STRING, url.c_str(), msg::kSubject, G_TYPE_STRING, subject.c_str(), nullptr);
  gst_element_post_message(element, gst_message_new_element(GST_OBJECT(element), s));
}

gboolean start(GstBaseSrc *src) noexcept {
  auto *self = GST_WEB_STREAM_RELAY_SRC(src);
  return onair::guarded(GST_ELEMENT(src), FALSE, [&]() -> gboolean {
    Priv *p = self->priv;
    Settings settings;
    {
      std::lock_guard lock(p->lock);
      settings = p->settings;
    }
    const std::string shown = relay::redact_url(settings.url);
    if (settings.url.empty() || settings.subject.empty()) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No NATS broker or subject to relay"),
                        ("set nats-url and nats-subject"));
      return FALSE;
    }
    auto inbox = std::make_shared<Inbox>(settings.queue);
    // The link's callbacks end before it goes (in stop()), so the element is alive.
    GstElement *element = GST_ELEMENT(self);
    web::NatsLinkEvents events;
    events.on_link = [element, shown, subject = settings.subject](bool up) {
      onair::guarded(element, [&] {
        if (!up)
          GST_ELEMENT_WARNING(element, RESOURCE, READ,
                              ("Lost the NATS broker at %s", shown.c_str()),
                              ("no frames for %s until it is back", subject.c_str()));
        else
          GST_INFO_OBJECT(element, "relaying %s from %s", subject.c_str(), shown.c_str());
        post_link_message(element, up, shown, subject);
      });
    };
    events.on_slow_consumer = [inbox] {
      std::lock_guard lock(inbox->lock);
      inbox->slow_consumer++;
    };
    std::shared_ptr<web::NatsLink> link;
    try {
      link = std::make_shared<web::NatsLink>(settings.url, events);
      link->subscribe(settings.subject, int(settings.pending_bytes),
                      [inbox](const void *data, size_t size) {
                        {
                          std::lock_guard lock(inbox->lock);
                          inbox->queue.arrive(static_cast<const uint8_t *>(data), size);
                        }
                        inbox->arrived.notify_one();
                      });
    } catch (const web::NatsError &e) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Cannot relay from NATS at %s", shown.c_str()),
                        ("%s", e.what()));
      return FALSE;
    }
    std::lock_guard lock(p->lock);
    p->inbox = inbox;
    p->link = link;
    p->caps = relay::CapsTracker{};
    return TRUE;
  });
}

gboolean stop(GstBaseSrc *src) noexcept {
  auto *self = GST_WEB_STREAM_RELAY_SRC(src);
  return onair::guarded_teardown(GST_ELEMENT(src), FALSE, [&]() -> gboolean {
    std::shared_ptr<web::NatsLink> link;
    {
      std::lock_guard lock(self->priv->lock);
      link.swap(self->priv->link);
      self->priv->inbox.reset();
    }
    // Closes the connection and waits for its callbacks (outside our lock: they post).
    link.reset();
    return TRUE;
  });
}

std::shared_ptr<Inbox> inbox_of(GstWebStreamRelaySrc *self) {
  std::lock_guard lock(self->priv->lock);
  return self->priv->inbox;
}

gboolean unlock(GstBaseSrc *src) noexcept {
  auto *self = GST_WEB_STREAM_RELAY_SRC(src);
  return onair::guarded_teardown(GST_ELEMENT(src), TRUE, [&]() -> gboolean {
    if (auto inbox = inbox_of(self)) {
      std::lock_guard lock(inbox->lock);
      inbox->flushing = true;
      inbox->arrived.notify_all();
    }
    return TRUE;
  });
}

gboolean unlock_stop(GstBaseSrc *src) noexcept {
  auto *self = GST_WEB_STREAM_RELAY_SRC(src);
  return onair::guarded(GST_ELEMENT(src), TRUE, [&]() -> gboolean {
    if (auto inbox = inbox_of(self)) {
      std::lock_guard lock(inbox->lock);
      inbox->flushing = false;
    }
    return TRUE;
  });
}

// `bytes` in a buffer, without a copy.
GstBuffer *wrap(std::vector<uint8_t> &&bytes) {
  auto *owned = new std::vector<uint8_t>(std::move(bytes));
  return gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, owned->data(), owned->size(), 0, owned->size(), owned,
      [](gpointer data) { delete static_cast<std::vector<uint8_t> *>(data); });
}

GstBuffer *buffer_of(relay::Message &&message) {
  GstBuffer *buffer = wrap(std::move(message.payload));
  if (message.kind == relay::Kind::kDelta) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  // The publisher's alternative payloads, as its sink got them.
  if (relay::Alternatives *alt = message.alternatives ? &*message.alternatives : nullptr) {
    onair::BufferPtr full(wrap(std::move(alt->full)));
    onair::BufferPtr delta(alt->delta ? wrap(std::move(*alt->delta)) : nullptr);
    onair::alt_payload::attach(buffer, alt->sequence, full.get(), delta.get(), alt->base);
  }
  return buffer;
}

GstFlowReturn create(GstPushSrc *push_src, GstBuffer **out) noexcept {
  auto *self = GST_WEB_STREAM_RELAY_SRC(push_src);
  return onair::guarded(GST_ELEMENT(push_src), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    auto inbox = inbox_of(self);
    if (!inbox) return GST_FLOW_FLUSHING;
    while (true) {
      std::optional<relay::Message> message;
      {
        std::unique_lock lock(inbox->lock);
        inbox->arrived.wait(lock, [&] { return inbox->flushing || !inbox->queue.empty(); });
        if (inbox->flushing) return GST_FLOW_FLUSHING;
        message = inbox->queue.next();
      }
      if (!message) continue;
      if (self->priv->caps.changes(*message)) {
        onair::CapsPtr caps(gst_caps_from_string(message->caps.c_str()));
        if (!caps || !gst_caps_is_fixed(caps.get())) {
          GST_ELEMENT_WARNING(self, STREAM, DECODE, ("A frame came with caps that do not parse"),
                              ("caps '%s'", message->caps.c_str()));
          self->priv->caps = relay::CapsTracker{};
          continue;
        }
        GST_INFO_OBJECT(self, "caps %s", message->caps.c_str());
        if (!gst_base_src_set_caps(GST_BASE_SRC(self), caps.get())) return GST_FLOW_NOT_NEGOTIATED;
      }
      *out = buffer_of(std::move(*message));
      return GST_FLOW_OK;
    }
  });
}

GstStructure *stats_structure(GstWebStreamRelaySrc *self) {
  std::shared_ptr<Inbox> inbox;
  std::shared_ptr<web::NatsLink> link;
  {
    std::lock_guard lock(self->priv->lock);
    inbox = self->priv->inbox;
    link = self->priv->link;
  }
  relay::RelayCounters c;
  uint64_t slow_consumer = 0;
  if (inbox) {
    std::lock_guard lock(inbox->lock);
    c = inbox->queue.counters();
    slow_consumer = inbox->slow_consumer;
  }
  return gst_structure_new(msg::kStats, msg::kReceived, G_TYPE_UINT64, c.received, msg::kInvalid,
                           G_TYPE_UINT64, c.invalid, msg::kLost, G_TYPE_UINT64, c.lost,
                           msg::kDropped, G_TYPE_UINT64, c.dropped, msg::kSkipped, G_TYPE_UINT64,
                           c.skipped, msg::kRestarts, G_TYPE_UINT64, c.restarts, msg::kSlowConsumer,
                           G_TYPE_UINT64, guint64(slow_consumer), msg::kConnectedNow,
                           G_TYPE_BOOLEAN, gboolean(link && link->connected()), nullptr);
}

}  // namespace

static void gst_web_stream_relay_src_set_property(GObject *object, guint prop_id,
                                                  const GValue *value, GParamSpec *pspec) noexcept {
  auto *self = GST_WEB_STREAM_RELAY_SRC(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    Settings &s = self->priv->settings;
    const gchar *text = G_VALUE_HOLDS_STRING(value) ? g_value_get_string(value) : nullptr;
    switch (prop_id) {
      case PROP_NATS_URL:
        s.url = text ? text : "";
        break;
      case PROP_NATS_SUBJECT:
        s.subject = text ? text : "";
        break;
      case PROP_QUEUE:
        s.queue = g_value_get_uint(value);
        break;
      case PROP_PENDING_BYTES:
        s.pending_bytes = g_value_get_uint(value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_web_stream_relay_src_get_property(GObject *object, guint prop_id, GValue *value,
                                                  GParamSpec *pspec) noexcept {
  auto *self = GST_WEB_STREAM_RELAY_SRC(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    if (prop_id == PROP_STATS) {
      g_value_take_boxed(value, stats_structure(self));
      return;
    }
    std::lock_guard lock(self->priv->lock);
    const Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_NATS_URL:
        g_value_set_string(value, relay::redact_url(s.url).c_str());
        break;
      case PROP_NATS_SUBJECT:
        g_value_set_string(value, s.subject.c_str());
        break;
      case PROP_QUEUE:
        g_value_set_uint(value, s.queue);
        break;
      case PROP_PENDING_BYTES:
        g_value_set_uint(value, s.pending_bytes);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_web_stream_relay_src_finalize(GObject *object) noexcept {
  onair::guarded_teardown(GST_ELEMENT(object),
                          [&] { delete GST_WEB_STREAM_RELAY_SRC(object)->priv; });
  G_OBJECT_CLASS(gst_web_stream_relay_src_parent_class)->finalize(object);
}

static void gst_web_stream_relay_src_init(GstWebStreamRelaySrc *self) {
  self->priv = new Priv();
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp(GST_BASE_SRC(self), TRUE);
}

static void gst_web_stream_relay_src_class_init(GstWebStreamRelaySrcClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *base_class = GST_BASE_SRC_CLASS(klass);
  auto *push_class = GST_PUSH_SRC_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(web_stream_relay_src_debug, "webstreamrelaysrc", 0,
                          "Relays a webstreamsink's stream from a NATS broker");

  gobject_class->set_property = gst_web_stream_relay_src_set_property;
  gobject_class->get_property = gst_web_stream_relay_src_get_property;
  gobject_class->finalize = gst_web_stream_relay_src_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_NATS_URL,
      g_param_spec_string("nats-url", "NATS URL",
                          "The broker, e.g. nats://127.0.0.1:4222 (user:password@ or token@ "
                          "allowed; reads back hidden; comma-separated for several servers)",
                          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_NATS_SUBJECT,
      g_param_spec_string("nats-subject", "NATS subject",
                          "The subject a webstreamsink publishes on (its nats-subject)", "", rw));
  g_object_class_install_property(
      gobject_class, PROP_QUEUE,
      g_param_spec_uint("queue", "Queue",
                        "Frames waiting for the output; when full, the oldest is dropped", 1, 1000,
                        kDefaultQueue, rw));
  g_object_class_install_property(
      gobject_class, PROP_PENDING_BYTES,
      g_param_spec_uint("pending-bytes", "Pending bytes",
                        "Bytes the NATS client may hold for this relay before it drops "
                        "messages (slow-consumer in stats)",
                        64 * 1024, G_MAXINT, kDefaultPendingBytes, rw));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "webstreamrelaysrc-stats: received, invalid, lost (never came: broker "
                         "or link), dropped (output slow), skipped (deltas waiting for a key "
                         "frame), restarts (publisher started again), slow-consumer, connected",
                         GST_TYPE_STRUCTURE, ro));

  gst_element_class_set_static_metadata(
      element_class, "Web stream relay source", "Source/Network",
      "Outputs what a webstreamsink publishes on a NATS subject (caps with the INIT header, key "
      "and delta frames), for a webstreamsink at the edge. Element messages: "
      "'webstreamrelaysrc-link' when the broker link comes up or goes down, with 'event' "
      "(connected, disconnected), 'url' (credentials hidden), 'subject'. Example: "
      "gst-launch-1.0 webstreamrelaysrc nats-url=nats://127.0.0.1:4222 nats-subject=onair.ascii "
      "! webstreamsink port=8091 path=/ascii/ws sync=false",
      "onair");
  gst_element_class_add_static_pad_template(element_class, &src_template);
  base_class->start = start;
  base_class->stop = stop;
  base_class->unlock = unlock;
  base_class->unlock_stop = unlock_stop;
  push_class->create = create;
}
