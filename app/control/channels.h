// The line protocol's channels: standard input (replies on standard output)
// and a Unix socket. Everything runs in the default main context
// with GIO's asynchronous streams; see docs/api.md for the protocol.
#pragma once

#include <gio/gio.h>

#include <sys/types.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "run/console.h"
#include "control/control_service.h"

#include "common/user_error.h"

namespace onair::app {

class ChannelError : public UserError {
 public:
  using UserError::UserError;
};

class LineSession;

class LineChannels {
 public:
  LineChannels(ControlService &service, Console &console);
  ~LineChannels();
  LineChannels(const LineChannels &) = delete;
  LineChannels &operator=(const LineChannels &) = delete;

  // Reads commands from standard input until it ends; the end of input only
  // stops the reading.
  void read_stdin();
  // Listens on a Unix socket at `path` (mode 0600). A stale socket left there
  // is replaced; anything else there is an error. Throws ChannelError.
  void listen(const std::string &path);

  static constexpr size_t kMaxConnections = 16;

 private:
  static gboolean on_incoming(GSocketService *, GSocketConnection *connection, GObject *,
                              gpointer self) noexcept;
  void ended(LineSession *session);

  ControlService &service_;
  Console &console_;
  std::vector<std::shared_ptr<LineSession>> sessions_;
  GSocketService *socket_service_ = nullptr;
  std::string socket_path_;
  ino_t socket_inode_ = 0;
  dev_t socket_device_ = 0;
};

}  // namespace onair::app
