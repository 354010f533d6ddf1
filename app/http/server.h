// The app's web server: the pages in web/, the run's output under /hls/, and
// the JSON API. Runs in the default GLib main context.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cli.h"
#include "control/command.h"
#include "sessions/event_hub.h"
#include "web/core/origins.h"

typedef struct _SoupServer SoupServer;

#include "common/user_error.h"

namespace onair::app {

class HttpError : public UserError {
 public:
  using UserError::UserError;
};

struct HttpRoutes {
  std::string web_dir;                       // served at /
  std::vector<std::string> vendor_dirs;      // served at /vendor/, first match wins
  std::string hls_dir;                       // served at /hls/
  std::function<std::string()> status_json;  // GET /api/status
  // The status as it goes (GET /api/status/stream, Server-Sent Events, no token, like
  // /api/status); `status_greeting` gives a new client's first events. Null: none.
  EventHub *status_events = nullptr;
  std::function<std::string()> status_greeting;
  std::function<std::string()> metrics;  // GET /metrics
  // The probes, without a token (GET and HEAD): GET /healthz answers from the main loop
  // (200 and `health`'s text); GET /readyz gives 200 when ready, else 503, with the reason.
  std::function<std::string()> health;
  struct Readiness {
    bool ready = false;
    std::string text;  // "ready: ...\n" or "not ready: ...\n"
  };
  std::function<Readiness()> readiness;
  // The overlay control API under /api/overlay (see docs/api.md); off while
  // `overlay_command` is empty. Every request needs "Authorization: Bearer
  // <token>".
  std::string token;
  std::function<ControlResult(CommandKind, std::string_view body, bool empty_is_object)>
      overlay_command;
  std::function<std::string()> overlays_json;  // GET /api/overlay
  // Pages of other sites that may read everything but the control API (CORS).
  web::AllowedOrigins allowed_origins;
  // The recording sessions under /api/sessions (their root; empty: the default).
  std::string sessions_dir;
  // The run's session events (GET /api/events); null: the run records none.
  EventHub *events = nullptr;
  // The SDI previews of a per-port run: their playlists under /previews/PORT/ (the page
  // /previews/ comes from web_dir), GET /api/previews, and POST
  // /api/previews/PORT/start|stop (token needed). Off while `previews_json` is empty.
  std::string previews_dir;
  std::function<std::string()> previews_json;
  std::function<ControlResult(bool start, const std::string &port)> preview_command;
  // Tells what the server did on its own (a slow event client dropped).
  std::function<void(const std::string &)> warn;
};

class HttpServer {
 public:
  explicit HttpServer(HttpRoutes routes);
  ~HttpServer();
  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  // Throws HttpError ("cannot listen on ADDR:PORT: reason").
  void listen(const HttpAddress &address);
  // The address actually bound, as a URL ending in '/'.
  std::string url() const;
  // The libsoup server (runs in the default main context), for elements that
  // serve their own paths on it (webstreamsink, through a GstContext).
  SoupServer *soup_server() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Maps a request path below a served root to a relative file path, or ""
// when the path is not acceptable (escapes the root, hidden files, bad
// encoding). Exposed for tests.
std::string safe_relative_path(const std::string &encoded_path);

}  // namespace onair::app
