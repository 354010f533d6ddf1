// The control channels besides HTTP: the line protocol on standard input
// (replies on standard output) and on a Unix socket, and the scheduled
// commands of the pipeline file. Everything runs in the default main context
// with GIO's asynchronous streams; see docs/api.md for the protocol.
#pragma once

#include <gio/gio.h>

#include <sys/types.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "run/console.h"
#include "control/command_json.h"
#include "pipeline/pipeline_file.h"

namespace onair::app {

class ChannelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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

// Runs the "at SECONDS [every SECONDS]:" commands of a pipeline file once
// start() is called (when the pipeline reaches PLAYING). A failing command is
// reported once as a warning until it works again.
class ScheduledCommands {
 public:
  ScheduledCommands(ControlService &service, Console &console, const PipelineFile &file);
  ~ScheduledCommands();
  ScheduledCommands(const ScheduledCommands &) = delete;
  ScheduledCommands &operator=(const ScheduledCommands &) = delete;

  void start();

  struct Entry;

 private:
  ControlService &service_;
  Console &console_;
  std::vector<std::unique_ptr<Entry>> entries_;
  bool started_ = false;
};

}  // namespace onair::app
