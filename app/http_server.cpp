#include "http_server.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "status.h"
#include "text.h"

namespace onair::app {

namespace {

const char *content_type_for(const std::string &path) {
  static const std::pair<const char *, const char *> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".m3u8", "application/vnd.apple.mpegurl"},
      {".ts", "video/mp2t"},
      {".m4s", "video/iso.segment"},
      {".mp4", "video/mp4"},
      {".aac", "audio/aac"},
      {".wav", "audio/wav"},
      {".map", "application/json"},
  };
  for (const auto &[ext, type] : kTypes) {
    const size_t n = std::strlen(ext);
    if (path.size() >= n && path.compare(path.size() - n, n, ext) == 0) return type;
  }
  return "application/octet-stream";
}

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

std::string real_path(const std::string &path) {
  char *r = realpath(path.c_str(), nullptr);
  if (!r) return {};
  std::string out(r);
  std::free(r);
  return out;
}

// Serves root/relative when it is a regular file inside root.
bool serve_file(SoupServerMessage *msg, const std::string &root, const std::string &relative) {
  const std::string real_root = real_path(root);
  if (real_root.empty()) return false;
  const std::string full = real_path(real_root + "/" + relative);
  if (full.empty() || full.rfind(real_root + "/", 0) != 0) return false;
  if (!g_file_test(full.c_str(), G_FILE_TEST_IS_REGULAR)) return false;

  GError *error = nullptr;
  GMappedFile *mapped = g_mapped_file_new(full.c_str(), FALSE, &error);
  if (!mapped) {
    g_error_free(error);
    return false;
  }
  GBytes *bytes = g_mapped_file_get_bytes(mapped);
  g_mapped_file_unref(mapped);

  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_content_type(headers, content_type_for(full), nullptr);
  // Playlists change every segment; everything else may be cached briefly.
  const bool playlist = full.size() > 5 && full.compare(full.size() - 5, 5, ".m3u8") == 0;
  soup_message_headers_replace(headers, "Cache-Control", playlist ? "no-cache" : "max-age=5");
  soup_message_body_append_bytes(soup_server_message_get_response_body(msg), bytes);
  g_bytes_unref(bytes);
  return true;
}

}  // namespace

std::string safe_relative_path(const std::string &encoded_path) {
  if (encoded_path.size() > 1024) return {};
  // NULL when the path holds an encoded '/' or NUL.
  gchar *decoded = g_uri_unescape_string(encoded_path.c_str(), "/");
  if (!decoded) return {};
  std::string path(decoded);
  g_free(decoded);
  if (!is_valid_utf8(path) || has_control_chars(path) || path.find('\\') != std::string::npos)
    return {};
  std::string out;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty()) continue;
    if (part[0] == '.') return {};  // "..", "." and hidden files
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

struct HttpServer::Impl {
  HttpRoutes routes;
  SoupServer *server = nullptr;

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
    if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
      soup_message_headers_replace(headers, "Allow", "GET, HEAD");
      respond_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, path);
      return;
    }
    if (path == "/api/status") {
      soup_message_headers_replace(headers, "Cache-Control", "no-store");
      respond_text(msg, SOUP_STATUS_OK, "application/json", routes.status_json());
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
    } else if (relative.rfind("vendor/", 0) == 0) {
      for (const std::string &dir : routes.vendor_dirs)
        if ((served = serve_file(msg, dir, relative.substr(7)))) break;
    } else {
      served = serve_file(msg, routes.web_dir, relative.empty() ? "index.html" : relative);
    }
    if (!served) respond_error(msg, SOUP_STATUS_NOT_FOUND, path);
  }
};

HttpServer::HttpServer(HttpRoutes routes) : impl_(std::make_unique<Impl>()) {
  impl_->routes = std::move(routes);
  impl_->server = soup_server_new("server-header", "onair ", nullptr);
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
