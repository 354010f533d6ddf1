#include "endpoint.h"

#include <chrono>
#include <cstring>
#include <future>
#include <optional>

#include <gst/gst.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "core/client_queue.h"
#include "core/websocket.h"
#include "onair/cell_runs.h"
#include "server_registry.h"
#include "soup_origins.h"

GST_DEBUG_CATEGORY_EXTERN(web_stream_sink_debug);
#define GST_CAT_DEFAULT web_stream_sink_debug

namespace onair::web {

namespace {
// Frames waiting for the server's context; beyond this the oldest go (the
// server's loop is stalled, so every client would drop them anyway).
constexpr size_t kMaxInbox = 32;
constexpr size_t kReadSize = 4096;
}  // namespace

// A buffer's bytes, its running time (ns; -1 when unknown) and its alternatives.
struct Frame {
  std::shared_ptr<GBytes> bytes;
  int64_t time = -1;
  std::shared_ptr<GBytes> alt_full, alt_delta;
  uint64_t sequence = 0;
  FrameAlternatives alt;
};

struct Endpoint::Client {
  Client(uint64_t id_, std::string remote_, Protocol protocol_, size_t queue_size)
      : id(id_), remote(std::move(remote_)), protocol(protocol_), queue(queue_size) {}
  ~Client() {
    g_cancellable_cancel(cancel);
    g_object_unref(cancel);
    if (stream) {
      g_io_stream_close(stream, nullptr, nullptr);
      g_object_unref(stream);
    }
    if (msg) {
      g_signal_handlers_disconnect_by_data(msg, this);
      g_object_unref(msg);
    }
  }

  uint64_t id;
  std::string remote;
  Protocol protocol;
  std::weak_ptr<Endpoint> endpoint;
  ClientQueue<Frame> queue;
  bool busy = false;
  bool times = false;                 // WebSocket: a TIME text message before each frame
  bool wants_alt = false;             // WebSocket: asked for the alternative payloads
  bool alt_on = false;                // and the stream offers them: it gets them
  std::optional<uint64_t> last_sent;  // sequence of the last frame written, for deltas
  std::shared_ptr<GBytes> picture;    // its full alternative: what the client shows
  uint64_t resyncs = 0;
  bool started = false;  // HTTP: the response (and its X-Stream-Time) has begun
  bool gone = false;
  GCancellable *cancel = g_cancellable_new();

  // WebSocket: the stolen connection, our own framing.
  GIOStream *stream = nullptr;
  FrameParser parser;
  uint8_t read_buffer[kReadSize];
  std::deque<std::vector<uint8_t>> control;  // pongs, the close frame: before frames
  bool close_after_control = false;
  std::vector<uint8_t> out_head;
  std::shared_ptr<GBytes> out_payload;
  GOutputVector vectors[2];

  // HTTP: a chunked response that stays open.
  SoupServerMessage *msg = nullptr;
};

namespace {

using ClientPtr = std::shared_ptr<Endpoint::Client>;

void start_read(const ClientPtr &client);

// Keeps a slow client's backlog in its queue, where frames are dropped, instead of in the
// kernel: the socket takes more only once little of what it holds is still unsent
// (TCP_NOTSENT_LOWAT), while data in flight may still grow with the link, so distant fast
// viewers keep their speed. A fixed SO_SNDBUF, when set, caps both.
void limit_backlog(GSocket *socket, const EndpointConfig &config) {
  if (!socket) return;
  if (config.send_buffer > 0)
    g_socket_set_option(socket, SOL_SOCKET, SO_SNDBUF, config.send_buffer, nullptr);
  if (config.unsent_limit > 0)
    g_socket_set_option(socket, IPPROTO_TCP, TCP_NOTSENT_LOWAT, config.unsent_limit, nullptr);
}

// A changed-cells delta from the picture a client has to frame `to`, or null.
std::shared_ptr<GBytes> rebase(const std::shared_ptr<GBytes> &from,
                               const std::shared_ptr<GBytes> &to, int cell_bytes) {
  if (!from || !to || cell_bytes <= 0) return nullptr;
  gsize from_size = 0, to_size = 0;
  const auto *from_data = static_cast<const uint8_t *>(g_bytes_get_data(from.get(), &from_size));
  const auto *to_data = static_cast<const uint8_t *>(g_bytes_get_data(to.get(), &to_size));
  auto delta = cell_runs::rebase(from_data, from_size, to_data, to_size, size_t(cell_bytes));
  if (!delta) return nullptr;
  auto *copy = new std::vector<uint8_t>(std::move(*delta));
  return std::shared_ptr<GBytes>(
      g_bytes_new_with_free_func(
          copy->data(), copy->size(),
          [](gpointer d) { delete static_cast<std::vector<uint8_t> *>(d); }, copy),
      g_bytes_unref);
}

bool query_has(const char *query, const std::string &parameter) {
  if (!query || parameter.empty()) return false;
  std::unique_ptr<gchar *, void (*)(gchar **)> parts(g_strsplit(query, "&", -1), g_strfreev);
  return g_strv_contains(parts.get(), parameter.c_str());
}

void on_written(GObject *source, GAsyncResult *result, gpointer data) {
  std::unique_ptr<ClientPtr> holder(static_cast<ClientPtr *>(data));
  ClientPtr client = *holder;
  const bool ok =
      g_output_stream_writev_all_finish(G_OUTPUT_STREAM(source), result, nullptr, nullptr);
  client->busy = false;
  client->out_payload.reset();
  auto endpoint = client->endpoint.lock();
  if (!endpoint || client->gone) return;
  if (!ok || (client->close_after_control && client->control.empty())) {
    endpoint->remove(client);
    return;
  }
  endpoint->pump(client);
}

void on_read(GObject *source, GAsyncResult *result, gpointer data) {
  std::unique_ptr<ClientPtr> holder(static_cast<ClientPtr *>(data));
  ClientPtr client = *holder;
  const gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, nullptr);
  auto endpoint = client->endpoint.lock();
  if (!endpoint || client->gone) return;
  if (n <= 0) {
    endpoint->remove(client);
    return;
  }
  for (const ClientFrame &f : client->parser.feed(client->read_buffer, static_cast<size_t>(n))) {
    if (f.opcode == Opcode::kPing) {
      client->control.push_back(frame(Opcode::kPong, f.payload.data(), f.payload.size()));
    } else if (f.opcode == Opcode::kClose) {
      const auto reply =
          f.payload.size() >= 2
              ? close_payload(static_cast<uint16_t>(f.payload[0] << 8 | f.payload[1]), "")
              : std::vector<uint8_t>{};
      client->control.push_back(frame(Opcode::kClose, reply.data(), reply.size()));
      client->close_after_control = true;
    }
  }
  if (client->parser.failed() && !client->close_after_control) {
    const auto reply = close_payload(1002, client->parser.error());
    client->control.push_back(frame(Opcode::kClose, reply.data(), reply.size()));
    client->close_after_control = true;
  }
  endpoint->pump(client);
  if (!client->close_after_control) start_read(client);
}

void start_read(const ClientPtr &client) {
  g_input_stream_read_async(g_io_stream_get_input_stream(client->stream), client->read_buffer,
                            kReadSize, G_PRIORITY_DEFAULT, client->cancel, on_read,
                            new ClientPtr(client));
}

struct Holder {
  std::weak_ptr<Endpoint> endpoint;
};

}  // namespace

Endpoint::Endpoint(EndpointConfig config, GMainContext *context, Notify notify)
    : config_(std::move(config)),
      context_(g_main_context_ref(context)),
      notify_(std::move(notify)),
      content_type_(config_.content_type) {}

Endpoint::~Endpoint() {
  clients_.clear();
  if (server_) g_object_unref(server_);
  g_main_context_unref(context_);
}

void Endpoint::attach(SoupServer *server, bool own_thread) {
  g_object_ref(server);
  auto self = shared_from_this();
  auto add = [self, server] {
    self->server_ = server;
    soup_server_add_handler(server, self->config_.path.c_str(), &Endpoint::handle, new Holder{self},
                            [](gpointer d) { delete static_cast<Holder *>(d); });
  };
  // Clients may connect as soon as the element is started: the handler must be
  // there. Run it here when nobody else runs the context (the application's
  // thread before or inside its loop), else in the context's thread, waiting.
  // A server's own thread always owns its context.
  if (!own_thread && g_main_context_acquire(context_)) {
    add();
    g_main_context_release(context_);
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> added = done->get_future();
  run_in_context(context_, [add, done] {
    add();
    done->set_value();
  });
  added.wait_for(std::chrono::seconds(5));
}

void Endpoint::detach() {
  auto self = shared_from_this();
  run_in_context(context_, [self] {
    if (self->server_) {
      soup_server_remove_handler(self->server_, self->config_.path.c_str());
      g_object_unref(self->server_);
      self->server_ = nullptr;
    }
    const auto clients = self->clients_;
    for (const auto &[id, client] : clients) {
      if (client->msg) {
        // Ends the chunked response properly.
        soup_message_body_complete(soup_server_message_get_response_body(client->msg));
        soup_server_message_unpause(client->msg);
      }
      self->remove(client);
    }
  });
}

void Endpoint::handle(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                      gpointer data) noexcept {
  try {
    auto self = static_cast<Holder *>(data)->endpoint.lock();
    // libsoup hands a handler everything below its path too; an endpoint is
    // its exact path only (/ascii/ws is not /ascii/ws/high).
    if (self && path && self->config_.path != path) {
      soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, nullptr);
      return;
    }
    if (self) self->on_request(msg);
  } catch (...) {
    soup_server_message_set_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, nullptr);
  }
}

void Endpoint::on_request(SoupServerMessage *msg) {
  const char *method = soup_server_message_get_method(msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  // Pages of other sites read the sound's time (X-Stream-Time) to keep picture and sound together.
  if (answer_by_origin(msg, config_.allowed_origins,
                       config_.protocol == Protocol::kHttp ? "X-Stream-Time" : nullptr)) {
    if (soup_server_message_get_status(msg) == SOUP_STATUS_FORBIDDEN)
      GST_DEBUG(
          "%s: refused a request from Origin %s", config_.path.c_str(),
          soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Origin"));
    return;
  }
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    soup_message_headers_replace(headers, "Allow", "GET, HEAD, OPTIONS");
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, nullptr);
    return;
  }
  const std::string remote =
      soup_server_message_get_remote_host(msg) ? soup_server_message_get_remote_host(msg) : "";

  if (config_.protocol == Protocol::kWebSocket) {
    if (!soup_websocket_server_check_handshake(msg, nullptr, nullptr, nullptr, nullptr)) {
      soup_message_headers_replace(headers, "Upgrade", "websocket");
      soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                       "WebSocket only\n", 15);
      soup_server_message_set_status(msg, 426, "Upgrade Required");
      return;
    }
    soup_websocket_server_process_handshake(msg, nullptr, nullptr, nullptr, nullptr);
    // "?times=1": the client wants each frame's running time (see pump());
    // alt_query ("cells=changed"): the alternative payloads.
    const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
    g_object_set_data(G_OBJECT(msg), "onair-times", GINT_TO_POINTER(query_has(query, "times=1")));
    g_object_set_data(G_OBJECT(msg), "onair-alt",
                      GINT_TO_POINTER(query_has(query, config_.alt_query)));
    // The 101 answer is written after this returns; then the connection is ours.
    auto *holder = new Holder{shared_from_this()};
    auto *remote_copy = new std::string(remote);
    g_object_set_data_full(G_OBJECT(msg), "onair-remote", remote_copy,
                           [](gpointer d) { delete static_cast<std::string *>(d); });
    g_signal_connect_data(
        msg, "wrote-informational", G_CALLBACK(+[](SoupServerMessage *m, gpointer d) noexcept {
          try {
            auto self = static_cast<Holder *>(d)->endpoint.lock();
            if (!self || soup_server_message_get_status(m) != SOUP_STATUS_SWITCHING_PROTOCOLS)
              return;
            limit_backlog(soup_server_message_get_socket(m), self->config_);
            GIOStream *stream = soup_server_message_steal_connection(m);
            if (!stream) return;
            auto *r = static_cast<std::string *>(g_object_get_data(G_OBJECT(m), "onair-remote"));
            auto client = std::make_shared<Client>(
                self->next_id_++, r ? *r : "", Protocol::kWebSocket, self->config_.client_queue);
            client->stream = stream;
            client->times = g_object_get_data(G_OBJECT(m), "onair-times") != nullptr;
            client->wants_alt = g_object_get_data(G_OBJECT(m), "onair-alt") != nullptr;
            self->add_client(client);
          } catch (...) {
          }
        }),
        holder, [](gpointer d, GClosure *) { delete static_cast<Holder *>(d); },
        static_cast<GConnectFlags>(0));
    return;
  }

  std::string type;
  {
    std::lock_guard lock(inbox_lock_);
    type = content_type_;
  }
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  soup_message_headers_set_content_type(
      headers, type.empty() ? "application/octet-stream" : type.c_str(), nullptr);
  soup_message_headers_replace(headers, "Cache-Control", "no-store");
  if (std::strcmp(method, "HEAD") == 0) return;
  soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
  limit_backlog(soup_server_message_get_socket(msg), config_);
  auto client = std::make_shared<Client>(next_id_++, remote, Protocol::kHttp, config_.client_queue);
  client->msg = SOUP_SERVER_MESSAGE(g_object_ref(msg));
  Client *raw = client.get();
  g_signal_connect(msg, "wrote-chunk", G_CALLBACK(+[](SoupServerMessage *, gpointer d) noexcept {
                     auto *c = static_cast<Client *>(d);
                     c->busy = false;
                     if (auto e = c->endpoint.lock(); e && !c->gone) {
                       auto it = e->clients_.find(c->id);
                       if (it != e->clients_.end()) e->pump(it->second);
                     }
                   }),
                   raw);
  g_signal_connect(msg, "finished", G_CALLBACK(+[](SoupServerMessage *, gpointer d) noexcept {
                     auto *c = static_cast<Client *>(d);
                     if (auto e = c->endpoint.lock(); e && !c->gone) {
                       auto it = e->clients_.find(c->id);
                       if (it != e->clients_.end()) e->remove(it->second);
                     }
                   }),
                   raw);
  add_client(client);
  soup_server_message_pause(msg);
}

void Endpoint::add_client(std::shared_ptr<Client> client) {
  client->endpoint = weak_from_this();
  give_header(*client);
  clients_[client->id] = client;
  ClientEvent event;
  event.connected = true;
  event.id = client->id;
  event.remote = client->remote;
  event.alternative = client->alt_on;
  event.clients = static_cast<unsigned>(clients_.size());
  {
    std::lock_guard lock(stats_lock_);
    stats_.clients = event.clients;
    stats_.connections++;
  }
  if (client->stream) start_read(client);
  pump(client);
  if (notify_) notify_(event);
}

// The header of the stream this client gets; after it, a fresh start (no delta).
void Endpoint::give_header(Client &client) {
  client.alt_on = client.wants_alt && !alt_header_.empty();
  client.queue.set_header(client.alt_on ? alt_header_ : header_);
  client.last_sent.reset();
  client.picture.reset();
}

void Endpoint::remove(const std::shared_ptr<Client> &client_ref) {
  // The reference may be the map's own entry, erased below.
  const std::shared_ptr<Client> client = client_ref;
  if (client->gone) return;
  client->gone = true;
  g_cancellable_cancel(client->cancel);
  clients_.erase(client->id);
  const ClientCounters &c = client->queue.counters();
  ClientEvent event;
  event.id = client->id;
  event.remote = client->remote;
  event.clients = static_cast<unsigned>(clients_.size());
  event.sent = c.frames_sent;
  event.dropped = c.dropped;
  event.skipped = c.skipped;
  event.alternative = client->alt_on;
  event.resyncs = client->resyncs;
  {
    std::lock_guard lock(stats_lock_);
    stats_.clients = event.clients;
    dropped_gone_ += c.dropped;
    refresh_stats_locked();
  }
  if (notify_) notify_(event);
}

void Endpoint::pump(const std::shared_ptr<Client> &client) {
  if (client->gone || client->busy) return;
  if (client->protocol == Protocol::kHttp) {
    auto item = client->queue.next();
    while (item && item->is_header) item = client->queue.next();
    if (!item) return;
    if (!client->started) {
      // The headers go out with the first chunk: they can say its time.
      client->started = true;
      if (item->frame.time >= 0)
        soup_message_headers_replace(soup_server_message_get_response_headers(client->msg),
                                     "X-Stream-Time", std::to_string(item->frame.time).c_str());
    }
    gsize size = g_bytes_get_size(item->frame.bytes.get());
    soup_message_body_append_bytes(soup_server_message_get_response_body(client->msg),
                                   item->frame.bytes.get());
    client->busy = true;
    soup_server_message_unpause(client->msg);
    std::lock_guard lock(stats_lock_);
    stats_.frames_sent++;
    stats_.bytes_sent += size;
    return;
  }
  size_t n = 1;
  bool counted_frame = false;
  if (!client->control.empty()) {
    client->out_head = std::move(client->control.front());
    client->control.pop_front();
  } else if (client->close_after_control) {
    return;
  } else if (auto item = client->queue.next()) {
    if (item->is_header) {
      client->out_head = frame(Opcode::kText, item->header.data(), item->header.size());
    } else {
      Frame &f = item->frame;
      const PayloadChoice choice = choose_payload(client->alt_on, f.alt, client->last_sent);
      client->out_payload = choice == PayloadChoice::kAltDelta  ? f.alt_delta
                            : choice == PayloadChoice::kAltFull ? f.alt_full
                                                                : f.bytes;
      if (is_resync(choice, f.alt, client->last_sent)) client->resyncs++;
      if (choice == PayloadChoice::kAltFull && client->last_sent &&
          *client->last_sent + 1 != f.sequence) {
        // The client missed frames (this one's delta base, or the frame before a full one):
        // a delta on the picture it has is usually far smaller than the whole frame, which
        // matters most to the slow clients that miss frames.
        if (auto rebased = rebase(client->picture, f.alt_full, alt_cell_bytes_))
          client->out_payload = std::move(rebased);
      }
      if (f.alt.present) {
        client->last_sent = f.sequence;
        client->picture = alt_cell_bytes_ > 0 ? f.alt_full : nullptr;
      } else {
        client->last_sent.reset();
        client->picture.reset();
      }
      client->out_head.clear();
      if (client->times && item->frame.time >= 0) {
        const std::string time = "TIME:" + std::to_string(item->frame.time);
        client->out_head = frame(Opcode::kText, time.data(), time.size());
      }
      const auto head = frame_header(Opcode::kBinary, g_bytes_get_size(client->out_payload.get()));
      client->out_head.insert(client->out_head.end(), head.begin(), head.end());
      n = 2;
      counted_frame = true;
    }
  } else {
    return;
  }
  client->vectors[0] = {client->out_head.data(), client->out_head.size()};
  gsize total = client->out_head.size();
  if (n == 2) {
    gsize size = 0;
    const void *data = g_bytes_get_data(client->out_payload.get(), &size);
    client->vectors[1] = {data, size};
    total += size;
  }
  client->busy = true;
  g_output_stream_writev_all_async(g_io_stream_get_output_stream(client->stream), client->vectors,
                                   n, G_PRIORITY_DEFAULT, client->cancel, on_written,
                                   new ClientPtr(client));
  std::lock_guard lock(stats_lock_);
  if (counted_frame) stats_.frames_sent++;
  stats_.bytes_sent += total;
}

void Endpoint::set_header(const std::string &header, const std::string &alt_header,
                          int alt_cell_bytes) {
  std::lock_guard lock(inbox_lock_);
  Inbound in;
  in.is_header = true;
  in.header = header;
  in.alt_header = alt_header;
  in.alt_cell_bytes = alt_cell_bytes;
  inbox_.push_back(std::move(in));
  schedule_drain();
}

void Endpoint::set_content_type(const std::string &type) {
  std::lock_guard lock(inbox_lock_);
  content_type_ = type;
}

void Endpoint::push(GBytes *bytes, bool delta, int64_t time, AltFrame alt) {
  const auto own = [](GBytes *b) {
    return b ? std::shared_ptr<GBytes>(b, g_bytes_unref) : std::shared_ptr<GBytes>();
  };
  Inbound in;
  in.frame = own(bytes);
  in.alt_full = own(alt.full);
  in.alt_delta = own(alt.delta);
  in.delta = delta;
  in.time = time;
  in.sequence = alt.sequence;
  in.base = alt.base;
  uint64_t lost = 0;
  {
    std::lock_guard lock(inbox_lock_);
    inbox_.push_back(std::move(in));
    size_t frames = 0;
    for (const Inbound &in : inbox_) frames += in.is_header ? 0 : 1;
    if (frames > kMaxInbox) {
      for (auto it = inbox_.begin(); it != inbox_.end(); ++it)
        if (!it->is_header) {
          inbox_.erase(it);
          lost++;
          break;
        }
    }
    schedule_drain();
  }
  std::lock_guard lock(stats_lock_);
  stats_.frames_in++;
  inbox_lost_ += lost;
  stats_.dropped += lost;
}

// Under inbox_lock_.
void Endpoint::schedule_drain() {
  if (drain_scheduled_) return;
  drain_scheduled_ = true;
  auto self = shared_from_this();
  run_in_context(context_, [self] { self->drain(); });
}

void Endpoint::drain() {
  std::deque<Inbound> batch;
  {
    std::lock_guard lock(inbox_lock_);
    batch.swap(inbox_);
    drain_scheduled_ = false;
  }
  for (Inbound &in : batch) {
    if (in.is_header) {
      header_ = in.header;
      alt_header_ = in.alt_header;
      alt_cell_bytes_ = in.alt_cell_bytes;
      for (auto &[id, client] : clients_) give_header(*client);
    } else {
      const Frame frame{
          in.frame,    in.time,
          in.alt_full, in.alt_delta,
          in.sequence, FrameAlternatives{in.alt_full != nullptr, in.alt_delta != nullptr, in.base}};
      for (auto &[id, client] : clients_) client->queue.push(frame, in.delta);
    }
  }
  // Pump a copy: a failing write may remove clients.
  const auto clients = clients_;
  for (const auto &[id, client] : clients) pump(client);
  std::lock_guard lock(stats_lock_);
  refresh_stats_locked();
}

// Under stats_lock_; the client list is read in the server's context only.
void Endpoint::refresh_stats_locked() {
  stats_.per_client.clear();
  uint64_t dropped = inbox_lost_ + dropped_gone_;
  for (const auto &[id, client] : clients_) {
    const ClientCounters &c = client->queue.counters();
    stats_.per_client.push_back(ClientStats{id, client->remote, c.frames_sent, c.dropped, c.skipped,
                                            client->alt_on, client->resyncs});
    dropped += c.dropped;
  }
  stats_.dropped = dropped;
}

EndpointStats Endpoint::stats() const {
  std::lock_guard lock(stats_lock_);
  return stats_;
}

}  // namespace onair::web
