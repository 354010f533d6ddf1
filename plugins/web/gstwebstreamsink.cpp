/**
 * SECTION:element-webstreamsink
 * @title: webstreamsink
 *
 * Serves a stream to browsers. With protocol=websocket each buffer goes to
 * every connected WebSocket client as one binary message; the caps' text
 * field named by header-field (default "init", as in
 * application/x-asciiline caps) goes first as a text message, to late joiners
 * too and again to everyone when the caps change. With protocol=http each
 * buffer is appended to an endless chunked HTTP response (for example ADTS
 * AAC as audio/aac), and clients join at any buffer.
 *
 * Every client has a small queue (client-queue) that drops its oldest frame
 * when the client is slow; drops are counted per client and in total (the
 * stats property); client-unsent-limit keeps what each socket holds unsent
 * small so that the queue, not the kernel, holds a slow client's backlog. With
 * GST_BUFFER_FLAG_DELTA_UNIT buffers a client starts on the next full buffer,
 * and after a drop waits for one again.
 *
 * A buffer may carry alternative payloads (meta "OnairAltPayload",
 * common/onair/alt_payload.h; asciienc's changed-cells frames). A WebSocket
 * client that connects with alt-query on its path (default "?cells=changed")
 * gets the caps' alt-<header-field> as its header and, per buffer, the delta
 * when the last buffer it got is the delta's base, else the alternative
 * whole. Everyone else gets the buffers themselves.
 *
 * Sinks of one process with the same address and port share one server, so
 * one pipeline serves frames and sound on one port; web-root also serves the
 * files of a folder (the player page) there. allow-origins says which pages
 * of other sites may connect and read the HTTP stream (CORS); by default only
 * pages of the same host and port. An application that runs its
 * own libsoup server answers the element's need-context message (context type
 * "onair.soup-server", field "server") and the sink serves its path there.
 *
 * With nats-url and nats-subject every buffer is also published to a NATS broker, with its
 * alternative payloads, for webstreamrelaysrc relays at the edge
 * (docs/protocol/webstream-relay.md); serve=false
 * publishes without serving. The client reconnects by itself; buffers that find the link
 * down are dropped and counted (stats nats-dropped), with a warning and a
 * "webstreamsink-nats" message (event, url with credentials hidden, subject, dropped).
 *
 * Element messages "webstreamsink-client": event ("connected" or
 * "disconnected"), path, client-id, remote, clients (connected now),
 * alternative; on disconnect also sent, dropped, skipped and resyncs (this
 * client's frames).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 uridecodebin uri=file:///path/clip.mp4 name=d
 *   d. ! queue ! videoconvert ! asciienc ! webstreamsink port=8090 path=/ascii/ws
 *        web-root=/usr/local/share/onair/web
 *   d. ! queue ! audioconvert ! audioresample ! voaacenc ! aacparse
 *      ! audio/mpeg,stream-format=adts
 *      ! webstreamsink port=8090 protocol=http path=/ascii/audio.aac async=false
 * ]| and open http://127.0.0.1:8090/ascii/
 */
#include "gstwebstreamsink.h"

#include <gst/video/video.h>
#include <libsoup/soup.h>

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "core/relay.h"
#include "endpoint.h"
#include "onair/alt_payload.h"
#include "onair/gst_ptr.h"
#include "onair/guard.h"
#include "onair/running_time.h"
#include "relay_publisher.h"
#include "server_registry.h"
#include "webstreamsink_messages.h"

// Also endpoint.cpp's.
GST_DEBUG_CATEGORY(web_stream_sink_debug);
#define GST_CAT_DEFAULT web_stream_sink_debug

namespace web = onair::web;
namespace msg = onair::webstreamsink_messages;

namespace {

constexpr guint kDefaultPort = 8090;
constexpr guint kDefaultQueue = 2;
// The system's send buffer, which grows with the link; the unsent limit bounds the backlog.
constexpr guint kDefaultSendBuffer = 0;
// A quarter of a 200x84 full frame: a slow client waits on less than 0.3 s of it at 60 kB/s.
constexpr guint kDefaultUnsentLimit = 16 * 1024;
constexpr char kDefaultAltQuery[] = "cells=changed";

struct Settings {
  web::Protocol protocol = web::Protocol::kWebSocket;
  std::string path = "/stream";
  std::string address = "127.0.0.1";
  guint port = kDefaultPort;
  guint client_queue = kDefaultQueue;
  std::string header_field = "init";
  std::string web_root;
  std::string content_type;
  std::string alt_query = kDefaultAltQuery;
  guint send_buffer = kDefaultSendBuffer;
  guint unsent_limit = kDefaultUnsentLimit;
  std::string allow_origins;
  bool serve = true;
  std::string nats_url;  // with any credentials: never shown as it is
  std::string nats_subject;
};

// The element, as the server's thread sees it: it may be gone.
struct WeakElement {
  explicit WeakElement(GstElement *element) { g_weak_ref_init(&ref, element); }
  ~WeakElement() { g_weak_ref_clear(&ref); }
  GWeakRef ref;
};

// Runtime state: built in start(), dropped in stop().
struct State {
  std::shared_ptr<web::Endpoint> endpoint;         // null when not serving
  std::shared_ptr<web::RelayPublisher> publisher;  // null when not publishing
  std::shared_ptr<web::OwnServer> own_server;      // null on the application's server
  guint port = 0;
  std::string header, alt_header;  // the caps headers the clients got last
  int alt_cell_bytes = 0;
  bool saw_delta = false;  // delta units flow: a joining client needs a full one
};

struct Priv {
  std::mutex lock;  // guards settings and state
  Settings settings;
  std::optional<State> state;
};

enum {
  PROP_0,
  PROP_PROTOCOL,
  PROP_PATH,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_CURRENT_PORT,
  PROP_CLIENT_QUEUE,
  PROP_HEADER_FIELD,
  PROP_WEB_ROOT,
  PROP_CONTENT_TYPE,
  PROP_ALT_QUERY,
  PROP_CLIENT_SEND_BUFFER,
  PROP_CLIENT_UNSENT_LIMIT,
  PROP_ALLOW_ORIGINS,
  PROP_SERVE,
  PROP_NATS_URL,
  PROP_NATS_SUBJECT,
  PROP_STATS,
};

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

}  // namespace

struct _GstWebStreamSink {
  GstBaseSink parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstWebStreamSink, gst_web_stream_sink, GST_TYPE_BASE_SINK)
GST_ELEMENT_REGISTER_DEFINE(webstreamsink, "webstreamsink", GST_RANK_NONE, GST_TYPE_WEB_STREAM_SINK)

GType gst_web_stream_sink_protocol_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {int(web::Protocol::kWebSocket), "WebSocket: one binary message per buffer", "websocket"},
      {int(web::Protocol::kHttp), "HTTP: buffers appended to a chunked response", "http"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstWebStreamSinkProtocol", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

namespace {

void post_client_message(GstElement *element, const std::string &path, const web::ClientEvent &e) {
  GstStructure *s = gst_structure_new(
      msg::kClient, msg::kEvent, G_TYPE_STRING, e.connected ? msg::kConnected : msg::kDisconnected,
      msg::kPath, G_TYPE_STRING, path.c_str(), msg::kClientId, G_TYPE_UINT64, e.id, msg::kRemote,
      G_TYPE_STRING, e.remote.c_str(), msg::kClients, G_TYPE_UINT, e.clients, nullptr);
  gst_structure_set(s, msg::kAlternative, G_TYPE_BOOLEAN, gboolean(e.alternative), nullptr);
  if (!e.connected)
    gst_structure_set(s, msg::kSent, G_TYPE_UINT64, e.sent, msg::kDropped, G_TYPE_UINT64, e.dropped,
                      msg::kSkipped, G_TYPE_UINT64, e.skipped, msg::kResyncs, G_TYPE_UINT64,
                      e.resyncs, nullptr);
  gst_element_post_message(element, gst_message_new_element(GST_OBJECT(element), s));
}

// The application's server, from a context set on us or given when asked.
bool app_server(GstWebStreamSink *self, SoupServer **server, GMainContext **context) {
  GstElement *element = GST_ELEMENT(self);
  GstContext *ctx = gst_element_get_context(element, GST_WEB_STREAM_SINK_CONTEXT_TYPE);
  if (!ctx) {
    // A synchronous bus handler may answer with gst_element_set_context().
    gst_element_post_message(element, gst_message_new_need_context(
                                          GST_OBJECT(element), GST_WEB_STREAM_SINK_CONTEXT_TYPE));
    ctx = gst_element_get_context(element, GST_WEB_STREAM_SINK_CONTEXT_TYPE);
  }
  if (!ctx) return false;
  const GstStructure *s = gst_context_get_structure(ctx);
  *server = nullptr;
  *context = nullptr;
  const GValue *v = gst_structure_get_value(s, "server");
  if (v && G_VALUE_HOLDS_OBJECT(v) && SOUP_IS_SERVER(g_value_get_object(v)))
    *server = SOUP_SERVER(g_value_dup_object(v));
  if (gst_structure_has_field_typed(s, "main-context", G_TYPE_MAIN_CONTEXT))
    gst_structure_get(s, "main-context", G_TYPE_MAIN_CONTEXT, context, nullptr);
  gst_context_unref(ctx);
  if (!*server) return false;
  if (!*context) *context = g_main_context_ref(g_main_context_default());
  return true;
}

guint port_of(SoupServer *server) {
  GSList *uris = soup_server_get_uris(server);
  guint port = uris ? static_cast<guint>(g_uri_get_port(static_cast<GUri *>(uris->data))) : 0;
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  return port;
}

void on_client_event(GstWebStreamSink *self, const std::string &path,
                     const web::ClientEvent &event) {
  GST_INFO_OBJECT(self,
                  "client %" G_GUINT64_FORMAT " (%s) %s, %u connected; sent %" G_GUINT64_FORMAT
                  ", dropped %" G_GUINT64_FORMAT,
                  event.id, event.remote.c_str(), event.connected ? "connected" : "left",
                  event.clients, event.sent, event.dropped);
  post_client_message(GST_ELEMENT(self), path, event);
  bool saw_delta = false;
  {
    std::lock_guard lock(self->priv->lock);
    saw_delta = self->priv->state && self->priv->state->saw_delta;
  }
  // A new client starts on a full frame: ask upstream for one.
  if (event.connected && saw_delta)
    gst_pad_push_event(GST_BASE_SINK_PAD(self),
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

void post_nats_message(GstElement *element, bool up, const std::string &url,
                       const std::string &subject, uint64_t dropped) {
  GstStructure *s = gst_structure_new(
      msg::kNats, msg::kEvent, G_TYPE_STRING, up ? msg::kConnected : msg::kDisconnected,
      msg::kNatsUrl, G_TYPE_STRING, url.c_str(), msg::kNatsSubject, G_TYPE_STRING, subject.c_str(),
      msg::kDropped, G_TYPE_UINT64, guint64(dropped), nullptr);
  gst_element_post_message(element, gst_message_new_element(GST_OBJECT(element), s));
}

// The publisher for settings.nats_url, or null after posting the error.
std::shared_ptr<web::RelayPublisher> start_publisher(GstWebStreamSink *self,
                                                     const Settings &settings) {
  const std::string shown = web::relay::redact_url(settings.nats_url);
  if (settings.nats_subject.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No NATS subject to publish %s on", shown.c_str()),
                      ("set nats-subject"));
    return nullptr;
  }
  // The link's callbacks end before the publisher goes (in stop()), so the element is alive.
  GstElement *element = GST_ELEMENT(self);
  const std::string subject = settings.nats_subject;
  auto on_link = [element, shown, subject](bool up, uint64_t dropped) {
    onair::guarded(element, [&] {
      if (!up)
        GST_ELEMENT_WARNING(element, RESOURCE, WRITE, ("Lost the NATS broker at %s", shown.c_str()),
                            ("frames for %s are dropped until it is back", subject.c_str()));
      else
        GST_INFO_OBJECT(element, "publishing on %s at %s", subject.c_str(), shown.c_str());
      post_nats_message(element, up, shown, subject, dropped);
    });
  };
  try {
    return std::make_shared<web::RelayPublisher>(settings.nats_url, subject, on_link);
  } catch (const web::NatsError &e) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("Cannot publish to NATS at %s", shown.c_str()),
                      ("%s", e.what()));
    return nullptr;
  }
}

gboolean start(GstBaseSink *sink) noexcept {
  auto *self = GST_WEB_STREAM_SINK(sink);
  return onair::guarded(GST_ELEMENT(sink), FALSE, [&]() -> gboolean {
    Priv *p = self->priv;
    Settings settings;
    {
      std::lock_guard lock(p->lock);
      settings = p->settings;
    }
    if (settings.path.empty() || settings.path[0] != '/') {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Invalid path '%s'", settings.path.c_str()),
                        ("the path must start with '/'"));
      return FALSE;
    }
    web::AllowedOrigins allowed_origins;
    try {
      allowed_origins = web::AllowedOrigins::parse(settings.allow_origins);
    } catch (const std::invalid_argument &e) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("Invalid allow-origins '%s'", settings.allow_origins.c_str()),
                        ("%s", e.what()));
      return FALSE;
    }
    if (!settings.serve && settings.nats_url.empty()) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Nothing to do"),
                        ("serve=false needs nats-url to publish to"));
      return FALSE;
    }
    std::shared_ptr<web::RelayPublisher> publisher;
    if (!settings.nats_url.empty() && !(publisher = start_publisher(self, settings))) return FALSE;
    if (!settings.serve) {
      std::lock_guard lock(p->lock);
      p->state.emplace(State{nullptr, publisher, nullptr, 0, {}, {}, 0, false});
      return TRUE;
    }
    auto weak = std::make_shared<WeakElement>(GST_ELEMENT(self));
    const std::string path = settings.path;
    // Runs in the server's thread.
    auto notify = [weak, path](const web::ClientEvent &event) {
      auto *element = static_cast<GstElement *>(g_weak_ref_get(&weak->ref));
      if (!element) return;
      onair::guarded(element, [&] { on_client_event(GST_WEB_STREAM_SINK(element), path, event); });
      gst_object_unref(element);
    };
    web::EndpointConfig config{settings.protocol,          settings.path,
                               settings.client_queue,      settings.content_type,
                               settings.alt_query,         int(settings.send_buffer),
                               int(settings.unsent_limit), allowed_origins};

    SoupServer *server = nullptr;
    GMainContext *context = nullptr;
    std::shared_ptr<web::OwnServer> own;
    if (app_server(self, &server, &context)) {
      GST_INFO_OBJECT(self, "serving %s on the application's server", path.c_str());
    } else {
      try {
        own = web::acquire_server(settings.address, settings.port);
      } catch (const web::ListenError &e) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ_WRITE,
                          ("Cannot listen on %s:%u", settings.address.c_str(), settings.port),
                          ("%s", e.message.c_str()));
        return FALSE;
      }
      if (!own->claim_path(path)) {
        GST_ELEMENT_ERROR(self, RESOURCE, BUSY,
                          ("Another sink already serves %s on port %u", path.c_str(), own->port()),
                          ("choose another path"));
        return FALSE;
      }
      server = SOUP_SERVER(g_object_ref(own->server()));
      context = g_main_context_ref(own->context());
      // Else every page is a 404 with nothing to say why.
      if (!settings.web_root.empty() && !g_file_test(settings.web_root.c_str(), G_FILE_TEST_IS_DIR))
        GST_ELEMENT_WARNING(self, RESOURCE, NOT_FOUND,
                            ("web-root '%s' is not a folder", settings.web_root.c_str()),
                            ("no pages are served on port %u (after meson install they are in "
                             "PREFIX/share/onair/web)",
                             own->port()));
      if (!settings.web_root.empty() && !own->serve_web_root(settings.web_root, allowed_origins))
        GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                            ("Another web root is already served on port %u", own->port()),
                            ("web-root '%s' ignored", settings.web_root.c_str()));
    }
    auto endpoint = std::make_shared<web::Endpoint>(config, context, notify);
    endpoint->attach(server, own != nullptr);
    const guint port = port_of(server);
    g_object_unref(server);
    g_main_context_unref(context);
    {
      std::lock_guard lock(p->lock);
      p->state.emplace(State{endpoint, publisher, own, port, {}, {}, 0, false});
    }
    GST_INFO_OBJECT(self, "serving %s on port %u", path.c_str(), port);
    return TRUE;
  });
}

gboolean stop(GstBaseSink *sink) noexcept {
  auto *self = GST_WEB_STREAM_SINK(sink);
  return onair::guarded_teardown(GST_ELEMENT(sink), FALSE, [&]() -> gboolean {
    Priv *p = self->priv;
    std::optional<State> state;
    {
      std::lock_guard lock(p->lock);
      state.swap(p->state);
    }
    if (!state) return TRUE;
    // Closes the link; its callbacks are over when this returns.
    state->publisher.reset();
    if (!state->endpoint) return TRUE;
    state->endpoint->detach();
    if (state->own_server) state->own_server->release_path(state->endpoint->path());
    // The last sink on a server stops it (after the detach above has run there).
    state->own_server.reset();
    return TRUE;
  });
}

std::shared_ptr<web::Endpoint> endpoint_of(GstWebStreamSink *self) {
  std::lock_guard lock(self->priv->lock);
  return self->priv->state ? self->priv->state->endpoint : nullptr;
}

std::string content_type_for(const GstStructure *s) {
  const std::string name = gst_structure_get_name(s);
  if (name == "audio/mpeg") {
    gint version = 0;
    gst_structure_get_int(s, "mpegversion", &version);
    if (version == 1) return "audio/mpeg";
    return "audio/aac";
  }
  return name;
}

std::string caps_text(GstCaps *caps) {
  gchar *text = gst_caps_to_string(caps);
  std::string out(text);
  g_free(text);
  return out;
}

// The caps relays get with frames that have no alternative payloads: without the
// alternatives' header, which such frames cannot serve.
std::string caps_without_alternatives(GstCaps *caps) {
  onair::CapsPtr copy(gst_caps_copy(caps));
  for (guint i = 0; i < gst_caps_get_size(copy.get()); ++i)
    gst_structure_filter_and_map_in_place(
        gst_caps_get_structure(copy.get(), i),
        [](GQuark field, GValue *, gpointer) -> gboolean {
          return !g_str_has_prefix(g_quark_to_string(field), onair::alt_payload::kHeaderPrefix);
        },
        nullptr);
  return caps_text(copy.get());
}

gboolean set_caps(GstBaseSink *sink, GstCaps *caps) noexcept {
  auto *self = GST_WEB_STREAM_SINK(sink);
  return onair::guarded(GST_ELEMENT(sink), FALSE, [&]() -> gboolean {
    Priv *p = self->priv;
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    std::shared_ptr<web::Endpoint> endpoint;
    std::shared_ptr<web::RelayPublisher> publisher;
    std::string content_type, header, alt_header;
    int alt_cell_bytes = 0;
    bool header_changed = false;
    {
      std::lock_guard lock(p->lock);
      if (!p->state) return TRUE;
      endpoint = p->state->endpoint;
      publisher = p->state->publisher;
      content_type = p->settings.content_type;
      const std::string &field = p->settings.header_field;
      const auto string_field = [&](const std::string &name) {
        const gchar *value = field.empty() ? nullptr : gst_structure_get_string(s, name.c_str());
        return std::string(value ? value : "");
      };
      header = string_field(field);
      alt_header = string_field(onair::alt_payload::kHeaderPrefix + field);
      if (!gst_structure_get_int(s, onair::alt_payload::kCellBytes, &alt_cell_bytes) ||
          alt_cell_bytes < 0)
        alt_cell_bytes = 0;
      header_changed = header != p->state->header || alt_header != p->state->alt_header ||
                       alt_cell_bytes != p->state->alt_cell_bytes;
      p->state->header = header;
      p->state->alt_header = alt_header;
      p->state->alt_cell_bytes = alt_cell_bytes;
    }
    if (publisher) publisher->set_caps(caps_without_alternatives(caps), caps_text(caps));
    if (!endpoint) return TRUE;
    if (content_type.empty()) endpoint->set_content_type(content_type_for(s));
    if (header_changed) endpoint->set_header(header, alt_header, alt_cell_bytes);
    return TRUE;
  });
}

struct MappedBuffer {
  GstBuffer *buffer;
  GstMapInfo map;
};

// The buffer's bytes without a copy; the buffer goes when the last client is done. Null
// when it cannot be mapped.
GBytes *bytes_of(GstBuffer *buffer) {
  auto *mapped = new MappedBuffer{gst_buffer_ref(buffer), {}};
  if (!gst_buffer_map(mapped->buffer, &mapped->map, GST_MAP_READ)) {
    gst_buffer_unref(mapped->buffer);
    delete mapped;
    return nullptr;
  }
  return g_bytes_new_with_free_func(
      mapped->map.data, mapped->map.size,
      [](gpointer data) {
        auto *m = static_cast<MappedBuffer *>(data);
        gst_buffer_unmap(m->buffer, &m->map);
        gst_buffer_unref(m->buffer);
        delete m;
      },
      mapped);
}

// The buffer's alternative payloads (onair/alt_payload.h), if it has any. False when one
// cannot be mapped.
bool alternatives_of(GstBuffer *buffer, web::AltFrame &alt) {
  namespace ap = onair::alt_payload;
  const GstStructure *s = ap::find(buffer);
  if (!s) return true;
  GstBuffer *full = nullptr, *delta = nullptr;
  guint64 sequence = 0, base = 0;
  if (!gst_structure_get(s, ap::kFull, GST_TYPE_BUFFER, &full, ap::kSequence, G_TYPE_UINT64,
                         &sequence, nullptr))
    return true;  // not a usable alternative: the buffer goes as it is
  onair::BufferPtr full_owned(full);
  if (gst_structure_get(s, ap::kDelta, GST_TYPE_BUFFER, &delta, ap::kBase, G_TYPE_UINT64, &base,
                        nullptr)) {
    onair::BufferPtr delta_owned(delta);
    alt.delta = bytes_of(delta);
    if (!alt.delta) return false;
  }
  alt.full = bytes_of(full);
  alt.sequence = sequence;
  alt.base = base;
  if (alt.full) return true;
  if (alt.delta) g_bytes_unref(alt.delta);
  alt.delta = nullptr;
  return false;
}

std::span<const uint8_t> span_of(GBytes *bytes) {
  gsize size = 0;
  const auto *data = static_cast<const uint8_t *>(g_bytes_get_data(bytes, &size));
  return {data, size};
}

void publish(web::RelayPublisher &publisher, GBytes *bytes, bool delta, int64_t running_time,
             const web::AltFrame &alt) {
  std::optional<web::relay::AlternativesView> alternatives;
  if (alt.full) {
    alternatives.emplace();
    alternatives->sequence = alt.sequence;
    alternatives->full = span_of(alt.full);
    if (alt.delta) {
      alternatives->delta = span_of(alt.delta);
      alternatives->base = alt.base;
    }
  }
  const std::span<const uint8_t> payload = span_of(bytes);
  publisher.publish(delta, running_time < 0 ? web::relay::kUnknownTime : uint64_t(running_time),
                    payload.data(), payload.size(), alternatives ? &*alternatives : nullptr);
}

GstFlowReturn render(GstBaseSink *sink, GstBuffer *buffer) noexcept {
  auto *self = GST_WEB_STREAM_SINK(sink);
  return onair::guarded(GST_ELEMENT(sink), GST_FLOW_ERROR, [&]() -> GstFlowReturn {
    const bool delta = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    std::shared_ptr<web::Endpoint> endpoint;
    std::shared_ptr<web::RelayPublisher> publisher;
    {
      std::lock_guard lock(self->priv->lock);
      if (!self->priv->state) return GST_FLOW_FLUSHING;
      endpoint = self->priv->state->endpoint;
      publisher = self->priv->state->publisher;
      if (delta) self->priv->state->saw_delta = true;
    }
    const int64_t running_time =
        onair::segment_running_time(&sink->segment, GST_BUFFER_PTS(buffer));
    GBytes *bytes = bytes_of(buffer);
    web::AltFrame alt;
    if (!bytes || !alternatives_of(buffer, alt)) {
      if (bytes) g_bytes_unref(bytes);
      GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Cannot read a buffer"), (nullptr));
      return GST_FLOW_ERROR;
    }
    if (publisher) publish(*publisher, bytes, delta, running_time, alt);
    if (!endpoint) {
      g_bytes_unref(bytes);
      if (alt.full) g_bytes_unref(alt.full);
      if (alt.delta) g_bytes_unref(alt.delta);
      return GST_FLOW_OK;
    }
    // Running time, for clients that keep picture and sound together.
    endpoint->push(bytes, delta, running_time, alt);
    return GST_FLOW_OK;
  });
}

GstStructure *stats_structure(GstWebStreamSink *self) {
  auto endpoint = endpoint_of(self);
  std::shared_ptr<web::RelayPublisher> publisher;
  {
    std::lock_guard lock(self->priv->lock);
    if (self->priv->state) publisher = self->priv->state->publisher;
  }
  const web::PublisherCounters nats = publisher ? publisher->counters() : web::PublisherCounters{};
  const web::EndpointStats st = endpoint ? endpoint->stats() : web::EndpointStats{};
  GValue list = G_VALUE_INIT;
  gst_value_list_init(&list, static_cast<guint>(st.per_client.size()));
  for (const web::ClientStats &c : st.per_client) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    GstStructure *cs = gst_structure_new(
        msg::kClientEntry, msg::kClientId, G_TYPE_UINT64, c.id, msg::kRemote, G_TYPE_STRING,
        c.remote.c_str(), msg::kSent, G_TYPE_UINT64, c.sent, msg::kDropped, G_TYPE_UINT64,
        c.dropped, msg::kSkipped, G_TYPE_UINT64, c.skipped, msg::kAlternative, G_TYPE_BOOLEAN,
        gboolean(c.alternative), msg::kResyncs, G_TYPE_UINT64, c.resyncs, nullptr);
    g_value_take_boxed(&v, cs);
    gst_value_list_append_and_take_value(&list, &v);
  }
  GstStructure *s = gst_structure_new(
      msg::kStats, msg::kClients, G_TYPE_UINT, st.clients, msg::kConnections, G_TYPE_UINT64,
      st.connections, msg::kFramesIn, G_TYPE_UINT64, st.frames_in, msg::kFramesSent, G_TYPE_UINT64,
      st.frames_sent, msg::kDropped, G_TYPE_UINT64, st.dropped, msg::kBytesSent, G_TYPE_UINT64,
      st.bytes_sent, msg::kNatsPublished, G_TYPE_UINT64, nats.published, msg::kNatsDropped,
      G_TYPE_UINT64, nats.dropped, msg::kNatsConnected, G_TYPE_BOOLEAN, gboolean(nats.connected),
      nullptr);
  gst_structure_take_value(s, msg::kPerClient, &list);
  return s;
}

void set_context(GstElement *element, GstContext *context) noexcept {
  onair::guarded(element, [&] {
    GST_DEBUG_OBJECT(element, "context %s", gst_context_get_context_type(context));
    GST_ELEMENT_CLASS(gst_web_stream_sink_parent_class)->set_context(element, context);
  });
}

}  // namespace

static void gst_web_stream_sink_set_property(GObject *object, guint prop_id, const GValue *value,
                                             GParamSpec *pspec) noexcept {
  auto *self = GST_WEB_STREAM_SINK(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    std::lock_guard lock(self->priv->lock);
    Settings &s = self->priv->settings;
    auto str = [&] {
      const gchar *v = g_value_get_string(value);
      return std::string(v ? v : "");
    };
    switch (prop_id) {
      case PROP_PROTOCOL:
        s.protocol = static_cast<web::Protocol>(g_value_get_enum(value));
        break;
      case PROP_PATH:
        s.path = str();
        break;
      case PROP_ADDRESS:
        s.address = str();
        break;
      case PROP_PORT:
        s.port = g_value_get_uint(value);
        break;
      case PROP_CLIENT_QUEUE:
        s.client_queue = g_value_get_uint(value);
        break;
      case PROP_HEADER_FIELD:
        s.header_field = str();
        break;
      case PROP_WEB_ROOT:
        s.web_root = str();
        break;
      case PROP_CONTENT_TYPE:
        s.content_type = str();
        break;
      case PROP_ALT_QUERY:
        s.alt_query = str();
        break;
      case PROP_CLIENT_SEND_BUFFER:
        s.send_buffer = g_value_get_uint(value);
        break;
      case PROP_CLIENT_UNSENT_LIMIT:
        s.unsent_limit = g_value_get_uint(value);
        break;
      case PROP_ALLOW_ORIGINS:
        s.allow_origins = str();
        break;
      case PROP_SERVE:
        s.serve = g_value_get_boolean(value);
        break;
      case PROP_NATS_URL:
        s.nats_url = str();
        break;
      case PROP_NATS_SUBJECT:
        s.nats_subject = str();
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_web_stream_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                             GParamSpec *pspec) noexcept {
  auto *self = GST_WEB_STREAM_SINK(object);
  onair::guarded(GST_ELEMENT_CAST(self), [&] {
    if (prop_id == PROP_STATS) {
      g_value_take_boxed(value, stats_structure(self));
      return;
    }
    std::lock_guard lock(self->priv->lock);
    const Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_PROTOCOL:
        g_value_set_enum(value, int(s.protocol));
        break;
      case PROP_PATH:
        g_value_set_string(value, s.path.c_str());
        break;
      case PROP_ADDRESS:
        g_value_set_string(value, s.address.c_str());
        break;
      case PROP_PORT:
        g_value_set_uint(value, s.port);
        break;
      case PROP_CURRENT_PORT:
        g_value_set_uint(value, self->priv->state ? self->priv->state->port : 0);
        break;
      case PROP_CLIENT_QUEUE:
        g_value_set_uint(value, s.client_queue);
        break;
      case PROP_HEADER_FIELD:
        g_value_set_string(value, s.header_field.c_str());
        break;
      case PROP_WEB_ROOT:
        g_value_set_string(value, s.web_root.c_str());
        break;
      case PROP_CONTENT_TYPE:
        g_value_set_string(value, s.content_type.c_str());
        break;
      case PROP_ALT_QUERY:
        g_value_set_string(value, s.alt_query.c_str());
        break;
      case PROP_CLIENT_SEND_BUFFER:
        g_value_set_uint(value, s.send_buffer);
        break;
      case PROP_CLIENT_UNSENT_LIMIT:
        g_value_set_uint(value, s.unsent_limit);
        break;
      case PROP_ALLOW_ORIGINS:
        g_value_set_string(value, s.allow_origins.c_str());
        break;
      case PROP_SERVE:
        g_value_set_boolean(value, s.serve);
        break;
      case PROP_NATS_URL:
        g_value_set_string(value, web::relay::redact_url(s.nats_url).c_str());
        break;
      case PROP_NATS_SUBJECT:
        g_value_set_string(value, s.nats_subject.c_str());
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_web_stream_sink_finalize(GObject *object) noexcept {
  onair::guarded_teardown(GST_ELEMENT(object), [&] { delete GST_WEB_STREAM_SINK(object)->priv; });
  G_OBJECT_CLASS(gst_web_stream_sink_parent_class)->finalize(object);
}

static void gst_web_stream_sink_init(GstWebStreamSink *self) {
  self->priv = new Priv();
  gst_base_sink_set_sync(GST_BASE_SINK(self), TRUE);
}

static void gst_web_stream_sink_class_init(GstWebStreamSinkClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *sink_class = GST_BASE_SINK_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(web_stream_sink_debug, "webstreamsink", 0,
                          "Streams to browsers over WebSocket or HTTP");

  gobject_class->set_property = gst_web_stream_sink_set_property;
  gobject_class->get_property = gst_web_stream_sink_get_property;
  gobject_class->finalize = gst_web_stream_sink_finalize;

  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_property(
      gobject_class, PROP_PROTOCOL,
      g_param_spec_enum("protocol", "Protocol",
                        "websocket: one binary message per buffer, the caps header first as "
                        "text; http: buffers appended to a chunked response",
                        GST_TYPE_WEB_STREAM_SINK_PROTOCOL, int(web::Protocol::kWebSocket), rw));
  g_object_class_install_property(
      gobject_class, PROP_PATH,
      g_param_spec_string("path", "Path", "URL path this sink serves, e.g. /ascii/ws", "/stream",
                          rw));
  g_object_class_install_property(
      gobject_class, PROP_ADDRESS,
      g_param_spec_string("address", "Address",
                          "IP address to listen on (ignored when the application gives its "
                          "server through a context)",
                          "127.0.0.1", rw));
  g_object_class_install_property(
      gobject_class, PROP_PORT,
      g_param_spec_uint("port", "Port",
                        "TCP port to listen on (0: a free one, see current-port); sinks with "
                        "the same address and port share one server",
                        0, 65535, kDefaultPort, rw));
  g_object_class_install_property(
      gobject_class, PROP_CURRENT_PORT,
      g_param_spec_uint("current-port", "Current port",
                        "The port the server listens on (0 while stopped)", 0, 65535, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_CLIENT_QUEUE,
      g_param_spec_uint("client-queue", "Client queue",
                        "Frames waiting per client; when full, the oldest is dropped", 1, 1000,
                        kDefaultQueue, rw));
  g_object_class_install_property(
      gobject_class, PROP_HEADER_FIELD,
      g_param_spec_string("header-field", "Header field",
                          "String field of the caps sent to each client first as a WebSocket "
                          "text message (empty: none)",
                          "init", rw));
  g_object_class_install_property(
      gobject_class, PROP_WEB_ROOT,
      g_param_spec_string("web-root", "Web root",
                          "Folder whose files are also served (paths no sink serves); empty: "
                          "none. Not used on an application's server",
                          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_CONTENT_TYPE,
      g_param_spec_string("content-type", "Content type",
                          "HTTP Content-Type in http mode (empty: from the caps, audio/aac for "
                          "AAC)",
                          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_ALT_QUERY,
      g_param_spec_string("alt-query", "Alternative query",
                          "Query parameter with which a WebSocket client asks for the buffers' "
                          "alternative payloads (asciienc's changed-cells frames) and their "
                          "header (caps field alt-<header-field>); empty: nobody can",
                          kDefaultAltQuery, rw));
  g_object_class_install_property(
      gobject_class, PROP_CLIENT_SEND_BUFFER,
      g_param_spec_uint("client-send-buffer", "Client send buffer",
                        "Kernel send buffer per client socket in bytes (SO_SNDBUF; 0: the "
                        "system's, which grows with the link). A fixed size also caps what a "
                        "distant client gets per round trip; client-unsent-limit usually suffices",
                        0, G_MAXINT / 2, kDefaultSendBuffer, rw));
  g_object_class_install_property(
      gobject_class, PROP_CLIENT_UNSENT_LIMIT,
      g_param_spec_uint("client-unsent-limit", "Client unsent limit",
                        "Bytes a client socket may hold not yet sent before the sink waits "
                        "(TCP_NOTSENT_LOWAT; 0: no limit): small, so a slow client's frames "
                        "wait in its client-queue and are dropped there, not in the kernel",
                        0, G_MAXINT / 2, kDefaultUnsentLimit, rw));
  g_object_class_install_property(
      gobject_class, PROP_ALLOW_ORIGINS,
      g_param_spec_string(
          "allow-origins", "Allowed origins",
          "Pages of other sites that may open the WebSockets and read the HTTP stream (CORS), "
          "comma-separated, e.g. 'https://example.com,http://127.0.0.1:8081'; '*': any. Empty: "
          "only pages of the host and port the request names. Requests without an Origin "
          "(not from a browser page) are always served",
          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_SERVE,
      g_param_spec_boolean("serve", "Serve",
                           "Serve the stream to clients here; false: only publish it (nats-url)",
                           TRUE, rw));
  g_object_class_install_property(
      gobject_class, PROP_NATS_URL,
      g_param_spec_string(
          "nats-url", "NATS URL",
          "Also publish every buffer to a NATS broker for webstreamrelaysrc relays, e.g. "
          "nats://127.0.0.1:4222 (user:password@ or token@ allowed; reads back hidden; "
          "comma-separated for several servers). Empty: no publishing",
          "", rw));
  g_object_class_install_property(
      gobject_class, PROP_NATS_SUBJECT,
      g_param_spec_string("nats-subject", "NATS subject",
                          "Subject the buffers are published on, e.g. onair.ascii.high", "", rw));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "webstreamsink-stats: clients, connections, frames-in, frames-sent, "
                         "dropped, bytes-sent, nats-published, nats-dropped (frames not "
                         "published: broker away), nats-connected, per-client (list of client "
                         "structures: client-id, remote, sent, dropped, skipped, alternative, "
                         "resyncs)",
                         GST_TYPE_STRUCTURE, ro));

  gst_element_class_set_static_metadata(
      element_class, "Web stream sink", "Sink/Network",
      "Serves buffers to browsers as WebSocket messages or a chunked HTTP stream, with a small "
      "drop-oldest queue per client. Element messages: 'webstreamsink-client' when a client "
      "connects or leaves, with 'event' (connected, disconnected), 'path', 'client-id', 'remote', "
      "'clients' (connected now) and 'alternative' (it asked for the alternative payloads), on "
      "leaving also 'sent', 'dropped', 'skipped' and 'resyncs' (this client's frames). Posts "
      "need-context for 'onair.soup-server' to serve on an application's "
      "server. With nats-url, 'webstreamsink-nats' when the broker link comes up or goes down: "
      "'event' (connected, disconnected), 'url' (credentials hidden), 'subject', 'dropped' "
      "(frames not published so far). Example: gst-launch-1.0 videotestsrc is-live=true ! asciienc "
      "! webstreamsink "
      "port=8090 path=/ascii/ws",
      "onair");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  element_class->set_context = set_context;
  sink_class->start = start;
  sink_class->stop = stop;
  sink_class->set_caps = set_caps;
  sink_class->render = render;
  gst_type_mark_as_plugin_api(GST_TYPE_WEB_STREAM_SINK_PROTOCOL, static_cast<GstPluginAPIFlags>(0));
}
