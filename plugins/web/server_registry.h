// Servers the webstreamsink elements of one process share: one SoupServer per
// address and port, each running in its own thread and GMainContext (libsoup
// servers are not thread-safe, so everything touching one runs there).
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <functional>
#include <future>
#include <memory>
#include <set>
#include <string>

#include "core/origins.h"

namespace onair::web {

class OwnServer {
 public:
  // Listens on address:port (port 0: a free one); throws ListenError.
  OwnServer(const std::string &address, unsigned port);
  ~OwnServer();
  OwnServer(const OwnServer &) = delete;
  OwnServer &operator=(const OwnServer &) = delete;

  SoupServer *server() const { return server_; }
  GMainContext *context() const { return context_; }
  unsigned port() const { return port_; }
  // Serves files from `root` for every path no sink serves (first root wins), to
  // pages of the origins `allowed` admits; false when another root is already served.
  bool serve_web_root(const std::string &root, const AllowedOrigins &allowed);
  // One sink per path: false when another sink serves it already.
  bool claim_path(const std::string &path);
  void release_path(const std::string &path);

 private:
  static gpointer thread_main(gpointer data);
  SoupServer *server_ = nullptr;
  GMainContext *context_ = nullptr;
  GMainLoop *loop_ = nullptr;
  GThread *thread_ = nullptr;
  unsigned port_ = 0;
  std::promise<void> started_;
  std::string web_root_;         // touched only under the registry lock
  std::set<std::string> paths_;  // likewise
};

struct ListenError {
  std::string message;
};

// The server for address:port, made and bound when no sink uses one yet.
// Throws ListenError.
std::shared_ptr<OwnServer> acquire_server(const std::string &address, unsigned port);

// Runs `fn` once in `context`, from an idle source (never in the caller's
// thread, even when it could acquire the context).
void run_in_context(GMainContext *context, std::function<void()> fn);

}  // namespace onair::web
