#include "http/server.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <cstring>
#include <optional>

#include "onair/soup_files.h"
#include "onair/web_paths.h"
#include "common/json_string.h"
#include "common/text.h"
#include "control/replies.h"
#include "http/auth.h"
#include "control/command_json.h"
#include "http/routes.h"
#include "sessions/frame_index.h"
#include "sessions/session_store.h"
#include "web/soup_origins.h"

namespace onair::app {

namespace {

void respond_text(SoupServerMessage *msg, guint status, const char *type, const std::string &body) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body.data(), body.size());
}

void respond_error(SoupServerMessage *msg, guint status, const std::string &api_path) {
  const char *reason = soup_status_get_phrase(status);
  if (api_path.rfind("/api/", 0) == 0)
    respond_text(msg, status, "application/json", "{\"error\":" + json_string(reason) + "}");
  else
    respond_text(msg, status, "text/plain; charset=utf-8", std::string(reason) + "\n");
}

void respond_api(SoupServerMessage *msg, guint status, const std::string &body) {
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(headers, "Cache-Control", "no-store");
  respond_text(msg, status, "application/json", body);
}

// A command's answer; a temporary refusal (429) says when to try again.
void respond_result(SoupServerMessage *msg, const ControlResult &result) {
  if (result.status == 429)
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
                                 std::to_string(std::max(1, result.retry_after)).c_str());
  respond_api(msg, static_cast<guint>(result.status),
              result.ok() ? ok_json(result.fields) : error_json(result.error, result.fields));
}

// Serves root/relative when it is a regular file inside root.
bool serve_file(SoupServerMessage *msg, const std::string &root, const std::string &relative) {
  const std::string full = file_inside(root, relative);
  if (full.empty() || !g_file_test(full.c_str(), G_FILE_TEST_IS_REGULAR)) return false;

  // Playlists change every segment; everything else may be cached briefly.
  const bool playlist = full.size() > 5 && full.compare(full.size() - 5, 5, ".m3u8") == 0;
  return respond_with_file(msg, full, playlist ? "no-cache" : "max-age=5");
}

bool is_dir(const std::string &root, const std::string &relative) {
  const std::string full = file_inside(root, relative);
  return !full.empty() && g_file_test(full.c_str(), G_FILE_TEST_IS_DIR);
}

// Event clients at most, and what one may have unsent before it is dropped.
constexpr size_t kMaxEventClients = 32;
constexpr size_t kMaxEventBacklog = 256 * 1024;

bool is_blank_body(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

std::string safe_relative_path(const std::string &encoded_path) {
  if (encoded_path.size() > 1024) return {};
  const std::optional<std::string> decoded = decoded_request_path(encoded_path.c_str());
  if (!decoded) return {};
  const std::string &path = *decoded;
  if (!is_valid_utf8(path) || has_control_chars(path) || path.find('\\') != std::string::npos)
    return {};
  return relative_web_path(path);  // no "..", "." or hidden files
}

struct HttpServer::Impl {
  HttpRoutes routes;
  SoupServer *server = nullptr;

  // One GET /api/events or /api/status/stream client: its response stays open, an event a
  // chunk.
  struct EventStream {
    Impl *impl = nullptr;
    EventHub *hub = nullptr;
    SoupServerMessage *msg = nullptr;
    uint64_t subscription = 0;
    size_t backlog = 0;    // bytes appended, not yet written
    bool open = true;      // until it finishes or the server goes
    bool dropped = false;  // too slow: its response ends, nothing more is sent
    gulong wrote_handler = 0, finished_handler = 0;
  };
  std::map<SoupServerMessage *, std::shared_ptr<EventStream>> event_streams;

  ~Impl() {
    for (auto &[msg, stream] : event_streams) close_stream(*stream);
    for (auto &[msg, stream] : event_streams) g_object_unref(msg);
    event_streams.clear();
  }

  void close_stream(EventStream &stream) {
    if (!stream.open) return;
    stream.open = false;
    stream.hub->unsubscribe(stream.subscription);
    if (stream.wrote_handler) g_signal_handler_disconnect(stream.msg, stream.wrote_handler);
    g_signal_handler_disconnect(stream.msg, stream.finished_handler);
  }

  static void on_wrote(SoupServerMessage *, guint size, gpointer data) noexcept {
    auto *stream = static_cast<EventStream *>(data);
    stream->backlog -= std::min<size_t>(stream->backlog, size);
  }

  static void on_finished(SoupServerMessage *msg, gpointer data) noexcept {
    Impl *self = static_cast<EventStream *>(data)->impl;
    const auto it = self->event_streams.find(msg);
    if (it == self->event_streams.end()) return;
    const std::shared_ptr<EventStream> keep = it->second;
    self->close_stream(*keep);
    self->event_streams.erase(it);
    g_object_unref(msg);
  }

  static void append(EventStream &stream, const std::string &text) {
    soup_message_body_append(soup_server_message_get_response_body(stream.msg), SOUP_MEMORY_COPY,
                             text.data(), text.size());
    stream.backlog += text.size();
    soup_server_message_unpause(stream.msg);
  }

  // Follows `hub` for the client, which first gets `greeting` (events or a comment).
  void start_events(SoupServerMessage *msg, EventHub &hub, const std::string &greeting) {
    if (event_streams.size() >= kMaxEventClients) {
      respond_api(
          msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
          error_json("too many event clients (at most " + std::to_string(kMaxEventClients) + ")"));
      return;
    }
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    soup_message_headers_replace(headers, "Content-Type", "text/event-stream");
    soup_message_headers_replace(headers, "Cache-Control", "no-store");
    soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
    auto stream = std::make_shared<EventStream>();
    stream->impl = this;
    stream->hub = &hub;
    stream->msg = msg;
    stream->wrote_handler =
        g_signal_connect(msg, "wrote-body-data", G_CALLBACK(&Impl::on_wrote), stream.get());
    stream->finished_handler =
        g_signal_connect(msg, "finished", G_CALLBACK(&Impl::on_finished), stream.get());
    EventStream *raw = stream.get();
    stream->subscription = hub.subscribe([this, raw](const std::string &text) {
      if (!raw->open || raw->dropped) return false;
      if (raw->backlog + text.size() > kMaxEventBacklog) {
        // A client that does not read is let go; the app never waits for it.
        if (routes.warn) routes.warn("an event client reading too slowly was dropped");
        raw->dropped = true;
        g_signal_handler_disconnect(raw->msg, raw->wrote_handler);
        raw->wrote_handler = 0;
        soup_message_body_complete(soup_server_message_get_response_body(raw->msg));
        soup_server_message_unpause(raw->msg);
        return false;
      }
      append(*raw, text);
      return true;
    });
    // Held until it finishes, so that closing it later never touches a freed message.
    event_streams.emplace(static_cast<SoupServerMessage *>(g_object_ref(msg)), stream);
    // Something at once, so the client knows it is subscribed.
    append(*stream, greeting);
  }

  // The token check of the control API; false (answered 401) without it.
  bool authorized(SoupServerMessage *msg) {
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    const char *authorization =
        soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
    const std::optional<std::string> given = bearer_token(authorization);
    if (given && !routes.token.empty() && constant_time_equal(*given, routes.token)) return true;
    soup_message_headers_replace(
        headers, "WWW-Authenticate",
        given ? "Bearer realm=\"onair\", error=\"invalid_token\"" : "Bearer realm=\"onair\"");
    respond_api(
        msg, SOUP_STATUS_UNAUTHORIZED,
        error_json(given ? "wrong token"
                         : "send Authorization: Bearer TOKEN ('onair token' prints the token)"));
    return false;
  }

  // POST .../sent takes no body, or an empty JSON object.
  static void check_empty_body(SoupServerMessage *msg) {
    GBytes *bytes = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    gsize size = 0;
    const auto *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
    const std::string body(data ? data : "", size);
    g_bytes_unref(bytes);
    if (is_blank_body(body)) return;
    try {
      if (!parse_json_object(body).empty())
        throw SessionError(400, "this request takes no fields: send no body or {}");
    } catch (const ControlError &e) {
      throw SessionError(e.status(), e.what());
    }
  }

  void sessions_api(SoupServerMessage *msg, const std::string &path, const char *method) {
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    const SessionsRoute route = sessions_route(path, method);
    if (!route.found) {
      respond_api(msg, SOUP_STATUS_NOT_FOUND, error_json("no such endpoint"));
      return;
    }
    if (route.needs_token) {
      if (!authorized(msg)) return;
    } else if (web::answer_by_origin(msg, routes.allowed_origins, nullptr)) {
      return;
    }
    if (route.action == SessionsRoute::Action::kNone) {
      soup_message_headers_replace(headers, "Allow", route.allow.c_str());
      respond_api(
          msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
          error_json(std::string(method) + " is not allowed here (allowed: " + route.allow + ")"));
      return;
    }
    const SessionStore store(routes.sessions_dir);
    try {
      switch (route.action) {
        case SessionsRoute::Action::kList:
          respond_api(msg, SOUP_STATUS_OK, summaries_json(store.list()));
          break;
        case SessionsRoute::Action::kShow:
          respond_api(msg, SOUP_STATUS_OK, summary_json(store.show(route.session)) + "\n");
          break;
        case SessionsRoute::Action::kDelete:
          respond_api(msg, SOUP_STATUS_OK,
                      "{\"ok\":true,\"removed\":" + json_string(store.remove(route.session)) + "}");
          break;
        case SessionsRoute::Action::kMarkSent:
          check_empty_body(msg);
          mark_snapshot_sent(store.session_dir(route.session) + "/frames/index.json",
                             route.snapshot);
          respond_api(msg, SOUP_STATUS_OK, ok_json());
          break;
        case SessionsRoute::Action::kEvents:
          if (routes.events)
            start_events(msg, *routes.events, ": onair session events\n\n");
          else
            respond_api(msg, SOUP_STATUS_NOT_FOUND,
                        error_json("this run records no session, so it has no events"));
          break;
        case SessionsRoute::Action::kNone:
          break;
      }
    } catch (const SessionError &e) {
      respond_api(msg, static_cast<guint>(e.status()), error_json(e.what()));
    }
  }

  // Runs when the headers are in, before the body is read: a body larger than
  // any request needs is refused and not kept (a client that asked for
  // "Expect: 100-continue" gets the answer without sending it).
  static void early(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                    gpointer) noexcept {
    try {
      SoupMessageHeaders *request = soup_server_message_get_request_headers(msg);
      const std::string where = path ? path : "";
      const bool api = is_control_path(where) || is_sessions_path(where) || is_previews_path(where);
      const SoupEncoding encoding = soup_message_headers_get_encoding(request);
      if (encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF) {
        if (api)
          respond_api(msg, SOUP_STATUS_LENGTH_REQUIRED, error_json("send a Content-Length"));
        else
          respond_error(msg, SOUP_STATUS_LENGTH_REQUIRED, where);
      } else if (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
                 soup_message_headers_get_content_length(request) >
                     static_cast<goffset>(kMaxCommandBytes)) {
        if (api)
          respond_api(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                      error_json("request body is larger than " +
                                 std::to_string(kMaxCommandBytes / 1024) + " KiB"));
        else
          respond_error(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, where);
      } else {
        return;
      }
      // The answer goes once the body is read; what comes is dropped, not kept.
      soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
      soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection",
                                   "close");
    } catch (const std::exception &) {
      soup_server_message_set_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, nullptr);
    }
  }

  static void handle(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                     gpointer user_data) noexcept {
    auto *self = static_cast<Impl *>(user_data);
    try {
      self->dispatch(msg, path ? path : "/");
    } catch (const std::exception &) {
      respond_error(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, path ? path : "");
    }
  }

  void dispatch(SoupServerMessage *msg, const std::string &path) {
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
    const char *method = soup_server_message_get_method(msg);
    if (is_control_path(path)) {
      control_api(msg, path, method);
      return;
    }
    if (is_sessions_path(path)) {
      sessions_api(msg, path, method);
      return;
    }
    if (is_previews_path(path)) {
      previews_api(msg, path, method);
      return;
    }
    // The same rules as webstreamsink's for its paths (a sink on this server has its own).
    if (web::answer_by_origin(msg, routes.allowed_origins, nullptr)) return;
    if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
      soup_message_headers_replace(headers, "Allow", "GET, HEAD, OPTIONS");
      respond_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, path);
      return;
    }
    if (path == "/api/status") {
      soup_message_headers_replace(headers, "Cache-Control", "no-store");
      respond_text(msg, SOUP_STATUS_OK, "application/json", routes.status_json());
      return;
    }
    if (path == "/api/status/stream" && routes.status_events) {
      if (std::strcmp(method, "GET") != 0) {
        soup_message_headers_replace(headers, "Allow", "GET, OPTIONS");
        respond_api(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, error_json("only GET is allowed here"));
        return;
      }
      start_events(msg, *routes.status_events, routes.status_greeting());
      return;
    }
    if ((path == "/healthz" && routes.health) || (path == "/readyz" && routes.readiness)) {
      soup_message_headers_replace(headers, "Cache-Control", "no-store");
      if (path == "/healthz") {
        respond_text(msg, SOUP_STATUS_OK, "text/plain; charset=utf-8", routes.health());
      } else {
        const HttpRoutes::Readiness r = routes.readiness();
        respond_text(msg, r.ready ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE,
                     "text/plain; charset=utf-8", r.text);
      }
      return;
    }
    if (path == "/metrics") {
      soup_message_headers_replace(headers, "Cache-Control", "no-store");
      respond_text(msg, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8",
                   routes.metrics());
      return;
    }
    if (path.rfind("/api/", 0) == 0 || path == "/api") {
      respond_error(msg, SOUP_STATUS_NOT_FOUND, "/api/");
      return;
    }
    const std::string relative = safe_relative_path(path);
    if (relative.empty() && path != "/") {
      respond_error(msg, SOUP_STATUS_NOT_FOUND, path);
      return;
    }
    bool served = false;
    if (relative.rfind("hls/", 0) == 0) {
      served = !routes.hls_dir.empty() && serve_file(msg, routes.hls_dir, relative.substr(4));
    } else if (relative.rfind("previews/", 0) == 0 && relative.find('/', 9) != std::string::npos) {
      // previews/PORT/...: what the port's pipeline writes; previews/ itself is the page.
      served =
          !routes.previews_dir.empty() && serve_file(msg, routes.previews_dir, relative.substr(9));
    } else if (relative.rfind("vendor/", 0) == 0) {
      for (const std::string &dir : routes.vendor_dirs)
        if ((served = serve_file(msg, dir, relative.substr(7)))) break;
    } else if (!relative.empty() && is_dir(routes.web_dir, relative)) {
      // A folder's page: "/ascii/" is ascii/index.html; "/ascii" goes there.
      if (path.back() != '/') {
        soup_server_message_set_redirect(msg, SOUP_STATUS_MOVED_PERMANENTLY, (path + "/").c_str());
        return;
      }
      served = serve_file(msg, routes.web_dir, relative + "/index.html");
    } else {
      served = serve_file(msg, routes.web_dir, relative.empty() ? "index.html" : relative);
    }
    if (!served) respond_error(msg, SOUP_STATUS_NOT_FOUND, path);
  }

  void previews_api(SoupServerMessage *msg, const std::string &path, const char *method) {
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    const PreviewsRoute route = previews_route(path, method);
    if (!route.found || !routes.previews_json) {
      respond_api(
          msg, SOUP_STATUS_NOT_FOUND,
          error_json(routes.previews_json ? "no such endpoint" : "this run has no SDI previews"));
      return;
    }
    if (route.needs_token) {
      if (!authorized(msg)) return;
    } else if (web::answer_by_origin(msg, routes.allowed_origins, nullptr)) {
      return;
    }
    if (route.action == PreviewsRoute::Action::kNone) {
      soup_message_headers_replace(headers, "Allow", route.allow.c_str());
      respond_api(
          msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
          error_json(std::string(method) + " is not allowed here (allowed: " + route.allow + ")"));
      return;
    }
    if (route.action == PreviewsRoute::Action::kList) {
      respond_api(msg, SOUP_STATUS_OK, routes.previews_json());
      return;
    }
    const ControlResult result =
        routes.preview_command(route.action == PreviewsRoute::Action::kStart, route.port);
    respond_result(msg, result);
  }

  void control_api(SoupServerMessage *msg, const std::string &path, const char *method) {
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    const ApiRoute route = control_route(path, method);
    if (!route.found || !routes.overlay_command) {
      respond_api(msg, SOUP_STATUS_NOT_FOUND, error_json("no such endpoint"));
      return;
    }
    // Everything here needs the token; the answer says nothing else without it.
    if (!authorized(msg)) return;
    if (!route.allowed) {
      soup_message_headers_replace(headers, "Allow", route.allow.c_str());
      respond_api(
          msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
          error_json(std::string(method) + " is not allowed here (allowed: " + route.allow + ")"));
      return;
    }
    if (route.list) {
      respond_api(msg, SOUP_STATUS_OK, routes.overlays_json());
      return;
    }
    SoupMessageBody *body = soup_server_message_get_request_body(msg);
    GBytes *bytes = soup_message_body_flatten(body);
    gsize size = 0;
    const auto *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
    ControlResult result;
    if (size > kMaxCommandBytes)
      result = {413,
                "request body is larger than " + std::to_string(kMaxCommandBytes / 1024) + " KiB"};
    else
      result = routes.overlay_command(*route.kind, std::string_view(data ? data : "", size),
                                      route.empty_body_ok);
    g_bytes_unref(bytes);
    respond_result(msg, result);
  }
};

HttpServer::HttpServer(HttpRoutes routes) : impl_(std::make_unique<Impl>()) {
  impl_->routes = std::move(routes);
  impl_->server = soup_server_new("server-header", "onair ", nullptr);
  soup_server_add_early_handler(impl_->server, nullptr, &Impl::early, impl_.get(), nullptr);
  soup_server_add_handler(impl_->server, nullptr, &Impl::handle, impl_.get(), nullptr);
}

HttpServer::~HttpServer() {
  soup_server_disconnect(impl_->server);
  g_object_unref(impl_->server);
}

void HttpServer::listen(const HttpAddress &address) {
  const std::string where = address.host + ":" + std::to_string(address.port);
  const std::string host = address.host == "localhost" ? "127.0.0.1" : address.host;
  GInetAddress *inet = g_inet_address_new_from_string(host.c_str());
  if (!inet)
    throw HttpError("cannot listen on " + where + ": not an IP address (use e.g. 127.0.0.1)");
  GSocketAddress *socket_address =
      g_inet_socket_address_new(inet, static_cast<guint16>(address.port));
  g_object_unref(inet);
  GError *error = nullptr;
  const gboolean ok = soup_server_listen(impl_->server, socket_address,
                                         static_cast<SoupServerListenOptions>(0), &error);
  g_object_unref(socket_address);
  if (!ok) {
    std::string message = "cannot listen on " + where + ": " + error->message +
                          " (choose another with --http ADDR:PORT, or --no-http)";
    g_error_free(error);
    throw HttpError(message);
  }
}

SoupServer *HttpServer::soup_server() const {
  return impl_->server;
}

std::string HttpServer::url() const {
  GSList *uris = soup_server_get_uris(impl_->server);
  std::string out;
  if (uris) {
    auto *uri = static_cast<GUri *>(uris->data);
    const char *host = g_uri_get_host(uri);
    const bool v6 = host && std::strchr(host, ':');
    out = std::string("http://") + (v6 ? "[" : "") + (host ? host : "") + (v6 ? "]" : "") + ":" +
          std::to_string(g_uri_get_port(uri)) + "/";
  }
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  return out;
}

}  // namespace onair::app
