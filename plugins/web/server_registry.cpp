#include "server_registry.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>

#include "core/static_files.h"
#include "onair/soup_files.h"
#include "onair/web_paths.h"
#include "soup_origins.h"

namespace onair::web {

namespace {

struct Idle {
  std::function<void()> fn;
};

gboolean run_idle(gpointer data) {
  auto *idle = static_cast<Idle *>(data);
  try {
    idle->fn();
  } catch (...) {
    // Nothing may escape into GLib; the callers' bodies do their own guarding.
  }
  return G_SOURCE_REMOVE;
}

struct WebRoot {
  std::string folder;
  AllowedOrigins allowed;
};

void serve_static(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                  gpointer data) noexcept {
  try {
    const auto *root = static_cast<const WebRoot *>(data);
    if (answer_by_origin(msg, root->allowed, nullptr)) return;
    const char *method = soup_server_message_get_method(msg);
    if (std::string(method) != "GET" && std::string(method) != "HEAD") {
      soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, nullptr);
      return;
    }
    const std::optional<std::string> decoded = decoded_request_path(path ? path : "/");
    const std::string relative = decoded ? static_relative_path(*decoded) : std::string();
    const std::string full = relative.empty() ? "" : file_inside(root->folder, relative);
    if (full.empty()) {
      soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, nullptr);
      return;
    }
    if (g_file_test(full.c_str(), G_FILE_TEST_IS_DIR)) {
      // "/ascii" -> "/ascii/", where relative links resolve as intended.
      soup_server_message_set_redirect(msg, SOUP_STATUS_MOVED_PERMANENTLY,
                                       (std::string(path) + "/").c_str());
      return;
    }
    if (!respond_with_file(msg, full, "no-cache"))
      soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, nullptr);
  } catch (...) {
    soup_server_message_set_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, nullptr);
  }
}

std::mutex registry_lock;
std::map<std::string, std::weak_ptr<OwnServer>> registry;

std::string key_of(const std::string &address, unsigned port) {
  return address + "|" + std::to_string(port);
}

}  // namespace

void run_in_context(GMainContext *context, std::function<void()> fn) {
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, run_idle, new Idle{std::move(fn)},
                        [](gpointer d) { delete static_cast<Idle *>(d); });
  g_source_attach(source, context);
  g_source_unref(source);
}

OwnServer::OwnServer(const std::string &address, unsigned port) {
  const std::string where = address + ":" + std::to_string(port);
  const std::string host = address == "localhost" ? "127.0.0.1" : address;
  GInetAddress *inet = g_inet_address_new_from_string(host.c_str());
  if (!inet) throw ListenError{"cannot listen on " + where + ": not an IP address"};
  GSocketAddress *socket_address = g_inet_socket_address_new(inet, static_cast<guint16>(port));
  g_object_unref(inet);

  context_ = g_main_context_new();
  // The listener's sources attach to the thread-default context: this one.
  g_main_context_push_thread_default(context_);
  server_ = soup_server_new("server-header", "onair ", nullptr);
  GError *error = nullptr;
  const gboolean ok =
      soup_server_listen(server_, socket_address, static_cast<SoupServerListenOptions>(0), &error);
  g_main_context_pop_thread_default(context_);
  g_object_unref(socket_address);
  if (!ok) {
    std::string message = "cannot listen on " + where + ": " + error->message;
    g_error_free(error);
    g_object_unref(server_);
    g_main_context_unref(context_);
    throw ListenError{message};
  }
  GSList *uris = soup_server_get_uris(server_);
  if (uris) port_ = static_cast<unsigned>(g_uri_get_port(static_cast<GUri *>(uris->data)));
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));

  loop_ = g_main_loop_new(context_, FALSE);
  // The thread owns the context from here on: wait until it does, so nobody
  // else acquires it in between.
  std::future<void> owned = started_.get_future();
  thread_ = g_thread_new("webstreamsink-server", &OwnServer::thread_main, this);
  owned.wait();
}

gpointer OwnServer::thread_main(gpointer data) {
  auto *self = static_cast<OwnServer *>(data);
  g_main_context_push_thread_default(self->context_);  // acquires it
  self->started_.set_value();
  g_main_loop_run(self->loop_);
  // Let cancelled operations finish so what they hold is released.
  for (int i = 0; i < 100 && g_main_context_iteration(self->context_, FALSE); i++) {
  }
  g_main_context_pop_thread_default(self->context_);
  return nullptr;
}

OwnServer::~OwnServer() {
  SoupServer *server = server_;
  GMainLoop *loop = loop_;
  run_in_context(context_, [server, loop] {
    soup_server_disconnect(server);
    g_object_unref(server);
    g_main_loop_quit(loop);
  });
  g_thread_join(thread_);
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

bool OwnServer::serve_web_root(const std::string &root, const AllowedOrigins &allowed) {
  {
    std::lock_guard lock(registry_lock);
    if (!web_root_.empty()) return web_root_ == root;
    web_root_ = root;
  }
  SoupServer *server = server_;
  auto *served = new WebRoot{root, allowed};
  run_in_context(context_, [server, served] {
    soup_server_add_handler(server, "/", serve_static, served,
                            [](gpointer d) { delete static_cast<WebRoot *>(d); });
  });
  return true;
}

bool OwnServer::claim_path(const std::string &path) {
  std::lock_guard lock(registry_lock);
  return paths_.insert(path).second;
}

void OwnServer::release_path(const std::string &path) {
  std::lock_guard lock(registry_lock);
  paths_.erase(path);
}

std::shared_ptr<OwnServer> acquire_server(const std::string &address, unsigned port) {
  std::lock_guard lock(registry_lock);
  for (auto it = registry.begin(); it != registry.end();)
    it = it->second.expired() ? registry.erase(it) : std::next(it);
  if (auto it = registry.find(key_of(address, port)); it != registry.end())
    if (auto server = it->second.lock()) return server;
  auto server = std::make_shared<OwnServer>(address, port);
  registry[key_of(address, port)] = server;
  registry[key_of(address, server->port())] = server;
  return server;
}

}  // namespace onair::web
