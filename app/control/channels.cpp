#include "control/channels.h"

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>

#include "control/line_splitter.h"
#include "control/replies.h"

namespace onair::app {

// One reader of the line protocol: reads, answers each line in order, and
// reads again only when the answers are written, so a client that does not
// read its answers slows only itself.
class LineSession : public std::enable_shared_from_this<LineSession> {
 public:
  using Ended = std::function<void(LineSession *)>;

  LineSession(ControlService &service, GInputStream *in, GOutputStream *out, GIOStream *connection,
              Ended ended)
      : service_(service),
        in_(G_INPUT_STREAM(g_object_ref(in))),
        out_(G_OUTPUT_STREAM(g_object_ref(out))),
        connection_(connection ? G_IO_STREAM(g_object_ref(connection)) : nullptr),
        cancel_(g_cancellable_new()),
        ended_(std::move(ended)) {}

  ~LineSession() {
    g_object_unref(cancel_);
    if (connection_) g_object_unref(connection_);
    g_object_unref(out_);
    g_object_unref(in_);
  }

  void start() { read_more(); }

  // Stops for good: no more reading, answering or calling back.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    g_cancellable_cancel(cancel_);
    if (connection_) g_io_stream_close(connection_, nullptr, nullptr);
  }

 private:
  // Every asynchronous call carries a strong reference to the session.
  gpointer hold() { return new std::shared_ptr<LineSession>(shared_from_this()); }
  static std::shared_ptr<LineSession> take(gpointer data) {
    auto *held = static_cast<std::shared_ptr<LineSession> *>(data);
    std::shared_ptr<LineSession> self = std::move(*held);
    delete held;
    return self;
  }

  void read_more() {
    if (stopped_ || !writing_.empty()) return;
    g_input_stream_read_bytes_async(in_, 16384, G_PRIORITY_DEFAULT, cancel_, &on_read, hold());
  }

  static void on_read(GObject *, GAsyncResult *result, gpointer data) noexcept {
    std::shared_ptr<LineSession> self = take(data);
    try {
      self->handle_read(result);
    } catch (const std::exception &) {
      self->end();
    }
  }

  void handle_read(GAsyncResult *result) {
    GError *error = nullptr;
    GBytes *bytes = g_input_stream_read_bytes_finish(in_, result, &error);
    if (stopped_) {
      if (bytes) g_bytes_unref(bytes);
      g_clear_error(&error);
      return;
    }
    if (!bytes) {  // a read error ends the session like the end of input
      g_clear_error(&error);
      end();
      return;
    }
    gsize size = 0;
    const auto *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
    if (size == 0) {
      g_bytes_unref(bytes);
      end();  // an unfinished last line is not a command
      return;
    }
    std::vector<LineSplitter::Item> items = splitter_.feed(std::string_view(data, size));
    g_bytes_unref(bytes);
    for (const LineSplitter::Item &item : items) {
      bool answered = true;
      const ControlResult r =
          item.too_long ? service_.too_long() : service_.line(item.line, &answered);
      if (answered) replies_.push_back(line_reply(r.status, r.error, r.fields) + "\n");
    }
    if (!replies_.empty())
      write_replies();
    else
      read_more();
  }

  void write_replies() {
    if (stopped_ || !writing_.empty() || replies_.empty()) return;
    for (const std::string &r : replies_) writing_ += r;
    replies_.clear();
    g_output_stream_write_all_async(out_, writing_.data(), writing_.size(), G_PRIORITY_DEFAULT,
                                    cancel_, &on_written, hold());
  }

  static void on_written(GObject *, GAsyncResult *result, gpointer data) noexcept {
    std::shared_ptr<LineSession> self = take(data);
    GError *error = nullptr;
    const gboolean ok = g_output_stream_write_all_finish(self->out_, result, nullptr, &error);
    g_clear_error(&error);
    if (self->stopped_) return;
    try {
      self->writing_.clear();
      if (!ok)  // the reader went away
        self->end();
      else if (!self->replies_.empty())
        self->write_replies();
      else
        self->read_more();
    } catch (const std::exception &) {
      self->end();
    }
  }

  void end() noexcept {
    if (stopped_) return;
    stop();
    try {
      if (ended_) ended_(this);
    } catch (const std::exception &) {
    }
  }

  ControlService &service_;
  GInputStream *in_;
  GOutputStream *out_;
  GIOStream *connection_;
  GCancellable *cancel_;
  Ended ended_;
  LineSplitter splitter_;
  std::deque<std::string> replies_;
  std::string writing_;  // being written; kept alive until the write ends
  bool stopped_ = false;
};

LineChannels::LineChannels(ControlService &service, Console &console)
    : service_(service), console_(console) {}

LineChannels::~LineChannels() {
  for (const auto &session : sessions_) session->stop();
  sessions_.clear();
  if (socket_service_) {
    g_socket_service_stop(socket_service_);
    g_socket_listener_close(G_SOCKET_LISTENER(socket_service_));
    g_signal_handlers_disconnect_by_data(socket_service_, this);
    g_object_unref(socket_service_);
    // Remove the socket file only if it is still ours.
    struct stat st {};
    if (lstat(socket_path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
        st.st_ino == socket_inode_ && st.st_dev == socket_device_)
      unlink(socket_path_.c_str());
  }
}

void LineChannels::ended(LineSession *session) {
  auto it = std::find_if(sessions_.begin(), sessions_.end(),
                         [&](const auto &s) { return s.get() == session; });
  if (it != sessions_.end()) sessions_.erase(it);
}

void LineChannels::read_stdin() {
  GInputStream *in = g_unix_input_stream_new(STDIN_FILENO, FALSE);
  GOutputStream *out = g_unix_output_stream_new(STDOUT_FILENO, FALSE);
  auto session = std::make_shared<LineSession>(service_, in, out, nullptr, [this](LineSession *s) {
    console_.info("control: standard input ended; the pipeline goes on");
    ended(s);
  });
  g_object_unref(in);
  g_object_unref(out);
  sessions_.push_back(session);
  session->start();
}

namespace {

// True when something accepts connections on the Unix socket at `path`.
bool socket_in_use(const std::string &path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const bool connected = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
  close(fd);
  return connected;
}

}  // namespace

void LineChannels::listen(const std::string &path) {
  const std::string where = "control socket '" + path + "'";
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    throw ChannelError(where + ": the path is too long for a Unix socket (at most " +
                       std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)");
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) throw ChannelError(where + ": a file that is not a socket is there");
    if (socket_in_use(path)) throw ChannelError(where + ": another program is listening there");
    unlink(path.c_str());  // left by a run that ended without cleaning up
  }

  GError *error = nullptr;
  GSocket *socket =
      g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  const auto fail = [&](const char *what) {
    std::string message = where + ": " + what + ": " + (error ? error->message : "failed");
    g_clear_error(&error);
    if (socket) g_object_unref(socket);
    throw ChannelError(message);
  };
  if (!socket) fail("cannot create");
  GSocketAddress *address = g_unix_socket_address_new(path.c_str());
  const gboolean bound = g_socket_bind(socket, address, FALSE, &error);
  g_object_unref(address);
  if (!bound) fail("cannot bind");
  // Nobody can connect before listen(), so the socket is private before it opens.
  if (chmod(path.c_str(), 0600) != 0 || lstat(path.c_str(), &st) != 0) {
    unlink(path.c_str());
    fail("cannot make it private");
  }
  socket_path_ = path;
  socket_inode_ = st.st_ino;
  socket_device_ = st.st_dev;
  g_socket_set_listen_backlog(socket, 8);
  if (!g_socket_listen(socket, &error)) {
    unlink(path.c_str());
    fail("cannot listen");
  }
  socket_service_ = g_socket_service_new();
  if (!g_socket_listener_add_socket(G_SOCKET_LISTENER(socket_service_), socket, nullptr, &error)) {
    unlink(path.c_str());
    fail("cannot listen");
  }
  g_object_unref(socket);
  g_signal_connect(socket_service_, "incoming", G_CALLBACK(&LineChannels::on_incoming), this);
  g_socket_service_start(socket_service_);
}

gboolean LineChannels::on_incoming(GSocketService *, GSocketConnection *connection, GObject *,
                                   gpointer data) noexcept {
  auto *self = static_cast<LineChannels *>(data);
  try {
    GIOStream *stream = G_IO_STREAM(connection);
    if (self->sessions_.size() >= kMaxConnections) {
      const std::string reply = line_reply(503, "too many control connections") + "\n";
      GOutputStream *out = g_io_stream_get_output_stream(stream);
      if (G_IS_POLLABLE_OUTPUT_STREAM(out))
        g_pollable_output_stream_write_nonblocking(G_POLLABLE_OUTPUT_STREAM(out), reply.data(),
                                                   reply.size(), nullptr, nullptr);
      g_io_stream_close(stream, nullptr, nullptr);
      return TRUE;
    }
    auto session = std::make_shared<LineSession>(
        self->service_, g_io_stream_get_input_stream(stream), g_io_stream_get_output_stream(stream),
        stream, [self](LineSession *s) { self->ended(s); });
    self->sessions_.push_back(session);
    session->start();
  } catch (const std::exception &) {
  }
  return TRUE;
}

}  // namespace onair::app
