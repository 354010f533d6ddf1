// One path served on a SoupServer: the clients of one webstreamsink. Frames
// come from the streaming thread into a small inbox; everything else runs in
// the server's GMainContext.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/origins.h"

namespace onair::web {

enum class Protocol { kWebSocket, kHttp };

struct ClientEvent {
  bool connected = false;  // else disconnected
  uint64_t id = 0;
  std::string remote;
  unsigned clients = 0;                         // connected after this event
  uint64_t sent = 0, dropped = 0, skipped = 0;  // this client's counts (disconnect)
  bool alternative = false;                     // it asked for the alternative payloads
  uint64_t resyncs = 0;                         // (disconnect)
};

struct ClientStats {
  uint64_t id = 0;
  std::string remote;
  uint64_t sent = 0, dropped = 0, skipped = 0;
  bool alternative = false;
  uint64_t resyncs = 0;
};

struct EndpointStats {
  unsigned clients = 0;
  uint64_t connections = 0;  // since start
  uint64_t frames_in = 0;
  uint64_t frames_sent = 0;  // over all clients
  uint64_t dropped = 0;      // over all clients, including those gone
  uint64_t bytes_sent = 0;
  std::vector<ClientStats> per_client;
};

struct EndpointConfig {
  Protocol protocol = Protocol::kWebSocket;
  std::string path;
  size_t client_queue = 2;
  std::string content_type;        // HTTP mode
  std::string alt_query;           // WebSocket query parameter asking for the alternatives
  int send_buffer = 0;             // SO_SNDBUF per client (bytes; 0: the system's)
  int unsent_limit = 0;            // TCP_NOTSENT_LOWAT per client (bytes; 0: none)
  AllowedOrigins allowed_origins;  // pages of other sites that may connect
};

// A frame's alternative payloads (onair/alt_payload.h); the GBytes are taken over.
struct AltFrame {
  GBytes *full = nullptr;  // null: none
  GBytes *delta = nullptr;
  uint64_t sequence = 0, base = 0;
};

class Endpoint : public std::enable_shared_from_this<Endpoint> {
 public:
  using Notify = std::function<void(const ClientEvent &)>;  // runs in the server's context

  Endpoint(EndpointConfig config, GMainContext *context, Notify notify);
  ~Endpoint();

  // Adds the handler for the path (in the server's context) before returning.
  // `own_thread`: a thread of the server's own runs the context.
  void attach(SoupServer *server, bool own_thread);
  // Removes the handler and closes every client.
  void detach();

  // Streaming thread. `frame` is taken over; `time` is its running time in
  // ns (-1: unknown), told to clients that ask for it.
  // `alt_cell_bytes` > 0: the alternatives are changed-cells frames (onair/alt_payload.h) that
  // the endpoint may rebase for a client that missed frames.
  void set_header(const std::string &header, const std::string &alt_header = {},
                  int alt_cell_bytes = 0);
  void set_content_type(const std::string &type);
  void push(GBytes *frame, bool delta, int64_t time = -1, AltFrame alt = {});

  EndpointStats stats() const;
  const std::string &path() const { return config_.path; }

  struct Client;

 private:
  struct Inbound {
    bool is_header = false;
    std::string header, alt_header;
    int alt_cell_bytes = 0;
    std::shared_ptr<GBytes> frame, alt_full, alt_delta;
    bool delta = false;
    int64_t time = -1;  // running time (ns)
    uint64_t sequence = 0, base = 0;
  };
  static void handle(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                     gpointer data) noexcept;
  void on_request(SoupServerMessage *msg);
  void schedule_drain();
  void drain();
  void add_client(std::shared_ptr<Client> client);
  void give_header(Client &client);

 public:  // used by clients, in the server's context
  void pump(const std::shared_ptr<Client> &client);
  void remove(const std::shared_ptr<Client> &client);

 private:
  EndpointConfig config_;
  GMainContext *context_;
  Notify notify_;

  // Streaming thread -> server context.
  mutable std::mutex inbox_lock_;
  std::deque<Inbound> inbox_;
  bool drain_scheduled_ = false;
  std::string content_type_;  // under inbox_lock_

  // Server context only.
  SoupServer *server_ = nullptr;
  std::string header_, alt_header_;
  int alt_cell_bytes_ = 0;
  std::map<uint64_t, std::shared_ptr<Client>> clients_;
  uint64_t next_id_ = 1;

  // Read by stats() from any thread.
  mutable std::mutex stats_lock_;
  EndpointStats stats_;
  uint64_t inbox_lost_ = 0;    // under stats_lock_
  uint64_t dropped_gone_ = 0;  // under stats_lock_: by clients that left
  void refresh_stats_locked();
};

}  // namespace onair::web
