#include "feed_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "feedsrc_messages.h"
#include "onair/guard.h"

#define GST_CAT_DEFAULT feed_src_debug

namespace onair::feedsrc {

namespace msg = onair::feedsrc_messages;

namespace {

// The reason given when a socket connection replaces the current one; it does not end the
// stream even with end-on-close.
constexpr char kReplaced[] = "replaced by a new connection";

}  // namespace

Reader::Reader(Priv *p, const feed::Location &location, const Media &media,
               const feed::ParserConfig &parsing, bool end_on_close)
    : p_(p), location_(location), media_(media), end_on_close_(end_on_close), parser_(parsing) {}

Reader::~Reader() {
  release_frame();
  for (int f : {wake_[0], wake_[1], listen_fd_})
    if (f >= 0) close(f);
  if (owns_fd_ && fd_ >= 0) close(fd_);
  if (listen_fd_ >= 0) unlink(location_.path.c_str());
}

const char *Reader::peer() const {
  switch (location_.kind) {
    case feed::Location::Kind::kStdin:
      return "stdin";
    case feed::Location::Kind::kPipe:
      return "pipe";
    case feed::Location::Kind::kSocket:
      return "socket";
    default:
      return "fd";
  }
}

void Reader::release_frame() {
  if (frame_) gst_buffer_unmap(frame_.get(), &frame_map_);
  frame_.reset();
}

void Reader::set_connected(bool now) {
  connected_ = now;
  std::lock_guard lock(p_->lock);
  p_->counters.connected = now;
}

// ---- opening ----

bool Reader::open(std::string &why, std::string &detail) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    why = "could not create a wake-up pipe";
    detail = g_strerror(errno);
    return false;
  }
  switch (location_.kind) {
    case feed::Location::Kind::kStdin:
    case feed::Location::Kind::kFd:
      if (fcntl(location_.fd, F_GETFL) < 0) {
        why = "descriptor " + std::to_string(location_.fd) + " is not open";
        detail = g_strerror(errno);
        return false;
      }
      fd_ = location_.fd;
      return true;
    case feed::Location::Kind::kPipe:
      return open_pipe(why, detail);
    case feed::Location::Kind::kSocket:
      return open_socket(why, detail);
    default:
      return true;
  }
}

bool Reader::open_pipe(std::string &why, std::string &detail) {
  const char *path = location_.path.c_str();
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno != ENOENT || mkfifo(path, 0600) != 0) {
      why = "could not create the named pipe " + location_.path;
      detail = g_strerror(errno);
      return false;
    }
  } else if (!S_ISFIFO(st.st_mode)) {
    why = location_.path +
          " exists and is not a named pipe (location names a pipe to read; "
          "use unix:PATH for a socket, - for standard input)";
    return false;
  }
  // Non-blocking, so opening does not wait for a writer; poll() tells when data comes.
  fd_ = ::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    why = "could not open the named pipe " + location_.path;
    detail = g_strerror(errno);
    return false;
  }
  owns_fd_ = true;
  return true;
}

bool Reader::open_socket(std::string &why, std::string &detail) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (location_.path.size() >= sizeof address.sun_path) {
    why = "socket path " + location_.path + " is too long";
    return false;
  }
  std::memcpy(address.sun_path, location_.path.c_str(), location_.path.size() + 1);
  const auto *sa = reinterpret_cast<const sockaddr *>(&address);
  struct stat st;
  if (lstat(address.sun_path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      why = location_.path + " exists and is not a socket";
      return false;
    }
    // A socket file nobody listens on is left over from an earlier run: replace it.
    const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool in_use = probe >= 0 && connect(probe, sa, sizeof address) == 0;
    const int probe_errno = errno;
    if (probe >= 0) close(probe);
    if (in_use || probe_errno != ECONNREFUSED) {
      why = location_.path + " is in use by another program";
      detail = in_use ? "a program listens on it" : g_strerror(probe_errno);
      return false;
    }
    unlink(address.sun_path);
  }
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0 || bind(listen_fd_, sa, sizeof address) != 0) {
    why = "could not create the socket " + location_.path;
    detail = g_strerror(errno);
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  if (chmod(address.sun_path, 0600) != 0 || listen(listen_fd_, 4) != 0) {
    why = "could not listen on the socket " + location_.path;
    detail = g_strerror(errno);
    return false;
  }
  return true;
}

// ---- the thread ----

void Reader::start() {
  thread_ = std::thread([this] {
    onair::guarded(p_->element, [this] {
      while (step()) {
      }
    });
  });
}

void Reader::stop() {
  const char byte = 0;
  if (wake_[1] >= 0 && write(wake_[1], &byte, 1) < 0) GST_WARNING("wake-up write failed");
  if (thread_.joinable()) thread_.join();
}

// One wait and what follows it; false once the element stops.
bool Reader::step() {
  if (const uint64_t want = parser_.frame_wanted()) {
    attach(want);
    return handle_events();
  }
  pollfd fds[3] = {{wake_[0], POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
  if (fd_ >= 0 && !exhausted_) fds[1].fd = fd_;
  if (listen_fd_ >= 0 && !exhausted_) fds[2].fd = listen_fd_;
  if (poll(fds, 3, -1) < 0) return errno == EINTR || errno == EAGAIN;
  if (fds[0].revents) return false;
  if (fds[2].revents & POLLIN) accept_writer();
  if (fds[1].fd >= 0 && fds[1].revents) return read_some();
  return true;
}

void Reader::attach(uint64_t size) {
  if (media_.video) {
    frame_.reset(gst_buffer_new_allocate(nullptr, size, nullptr));
    gst_buffer_map(frame_.get(), &frame_map_, GST_MAP_WRITE);
    parser_.attach_frame(frame_map_.data, events_);
  } else {
    message_.resize(size);
    parser_.attach_frame(message_.data(), events_);
  }
}

// ---- writers coming and going ----

void Reader::accept_writer() {
  const int conn = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (conn < 0) return;  // gone again, or EAGAIN
  if (fd_ >= 0) {
    GST_ELEMENT_WARNING(
        p_->element, RESOURCE, READ,
        ("a new writer connected to %s; the previous one was dropped", location_.path.c_str()),
        (nullptr));
    writer_gone(kReplaced);
  }
  fd_ = conn;
  owns_fd_ = true;
  announce_connected();
}

void Reader::announce_connected() {
  set_connected(true);
  GST_INFO_OBJECT(p_->element, "writer connected (%s)", peer());
  post(p_, gst_structure_new(msg::kConnected, msg::kPeer, G_TYPE_STRING, peer(), nullptr));
}

// The writer went away (or was replaced): drop what it left unfinished, tell, and wait for
// the next writer (a pipe is reopened; stdin and fd:N have no next writer).
void Reader::writer_gone(const std::string &reason) {
  const feed::Partial partial = parser_.reset();
  release_frame();
  if (partial.bytes > 0) {
    const char *what = partial.in_header ? "a message header"
                       : media_.video    ? "a frame"
                                         : "a sound message";
    GST_ELEMENT_WARNING(p_->element, STREAM, FORMAT,
                        ("the writer went away %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                         " bytes into %s; the partial %s was dropped",
                         partial.bytes, partial.expected, what,
                         partial.in_header ? "header"
                         : media_.video    ? "frame"
                                           : "sound"),
                        ("%s", reason.c_str()));
  }
  const bool was_connected = connected_;
  if (was_connected) set_connected(false);
  switch (location_.kind) {
    case feed::Location::Kind::kPipe: {
      // Open the new end before closing the old one, so a writer that opens in between
      // never finds the pipe without a reader.
      const int next = ::open(location_.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (next < 0) {
        GST_ELEMENT_WARNING(
            p_->element, RESOURCE, OPEN_READ,
            ("could not reopen the named pipe %s for the next writer", location_.path.c_str()),
            ("%s", g_strerror(errno)));
        exhausted_ = true;
      }
      close(fd_);
      fd_ = next;
      break;
    }
    case feed::Location::Kind::kSocket:
      close(fd_);
      fd_ = -1;
      break;
    default:
      exhausted_ = true;
      break;
  }
  if (was_connected || partial.bytes > 0) {
    GST_INFO_OBJECT(p_->element, "writer gone: %s", reason.c_str());
    post(p_, gst_structure_new(msg::kDisconnected, msg::kPartialBytes, G_TYPE_UINT64, partial.bytes,
                               msg::kReason, G_TYPE_STRING, reason.c_str(), nullptr));
  }
  if (end_on_close_ && reason != kReplaced) {
    exhausted_ = true;
    std::lock_guard lock(p_->lock);
    if (p_->state) p_->state->ending = true;
  }
}

// ---- reading ----

bool Reader::read_some() {
  std::span<uint8_t> target = parser_.read_target();
  if (!media_.video) {
    // Raw sound is read only as far as the buffer has room: back-pressure on the writer.
    std::unique_lock lock(p_->lock);
    Priv *p = p_;
    p->room.wait(lock, [p] { return !p->state || p->state->audio->room() > 0; });
    if (!p->state) return false;
    target = target.first(std::min<uint64_t>(target.size(), p->state->audio->room()));
  }
  const ssize_t n = read(fd_, target.data(), target.size());
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return true;
    const std::string why = std::string("read error: ") + g_strerror(errno);
    GST_ELEMENT_WARNING(p_->element, RESOURCE, READ,
                        ("could not read from the writer (%s)", peer()), ("%s", why.c_str()));
    writer_gone(why);
    return true;
  }
  if (n == 0) {
    writer_gone("the writer closed");
    return true;
  }
  if (!connected_) announce_connected();
  {
    std::lock_guard lock(p_->lock);
    p_->counters.bytes += static_cast<guint64>(n);
  }
  parser_.commit(static_cast<size_t>(n), events_);
  return handle_events();
}

// False when the element stopped while a frame waited for room.
bool Reader::handle_events() {
  bool running = true;
  for (const feed::ParserEvent &e : events_) {
    switch (e.kind) {
      case feed::ParserEvent::Kind::kFrame:
        if (media_.video) {
          gst_buffer_unmap(frame_.get(), &frame_map_);
          BufferPtr done = std::move(frame_);
          running = running && queue_frame(p_, std::move(done));
        } else {
          running = running && queue_sound(p_, message_.data(), message_.size());
        }
        break;
      case feed::ParserEvent::Kind::kSound:
        running = running && queue_sound(p_, e.sound.data(), e.sound.size());
        break;
      case feed::ParserEvent::Kind::kRefused:
        warn_refused(p_, media_, e.bytes, e.expected);
        break;
      case feed::ParserEvent::Kind::kLostAlignment:
        lost_alignment();
        break;
    }
  }
  events_.clear();
  return running;
}

void Reader::lost_alignment() {
  bool first = false;
  {
    std::lock_guard lock(p_->lock);
    if (p_->state && !p_->state->warned_alignment) first = p_->state->warned_alignment = true;
  }
  GST_DEBUG_OBJECT(p_->element, "lost frame alignment; scanning for the next OAF1 header");
  if (first)
    GST_ELEMENT_WARNING(p_->element, STREAM, FORMAT,
                        ("lost frame alignment on the %s writer: no OAF1 header where a message "
                         "should start; is the writer sending the 8-byte OAF1 header? "
                         "(framing=raw takes bare frames)",
                         peer()),
                        ("scanning forward for the next OAF1 header"));
}

}  // namespace onair::feedsrc
