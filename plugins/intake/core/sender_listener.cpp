#include "core/sender_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

namespace onair::intake {

namespace {

constexpr size_t kReadSize = 64 * 1024;

std::system_error socket_error(const std::string &what) {
  return std::system_error(errno, std::generic_category(), what);
}

std::string describe(const sockaddr_storage &addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    const auto *in = reinterpret_cast<const sockaddr_in *>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&addr);
  inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
  port = ntohs(in6->sin6_port);
  return "[" + std::string(host) + "]:" + std::to_string(port);
}

}  // namespace

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty())
    return std::nullopt;
  in6_addr probe{};
  const std::string host_str(host);
  if (inet_pton(AF_INET, host_str.c_str(), &probe) != 1 &&
      inet_pton(AF_INET6, host_str.c_str(), &probe) != 1)
    return std::nullopt;
  return Endpoint{host_str, static_cast<uint16_t>(port)};
}

SenderListener::SenderListener(const Endpoint &endpoint) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto *in = reinterpret_cast<sockaddr_in *>(&addr);
  auto *in6 = reinterpret_cast<sockaddr_in6 *>(&addr);
  if (inet_pton(AF_INET, endpoint.host.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(endpoint.port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, endpoint.host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(endpoint.port);
    len = sizeof(sockaddr_in6);
  } else {
    throw std::system_error(EINVAL, std::generic_category(), "not an address: " + endpoint.host);
  }
  const std::string where = endpoint.host + ":" + std::to_string(endpoint.port);
  listen_fd_ = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) throw socket_error("socket for " + where);
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), len) != 0 ||
      listen(listen_fd_, 4) != 0) {
    const auto error = socket_error("listen on " + where);
    close(listen_fd_);
    throw error;
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&bound), &bound_len);
  port_ = bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in *>(&bound)->sin_port)
                                     : ntohs(reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  notify_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0 || notify_fd_ < 0) {
    const auto error = socket_error("eventfd");
    if (wake_fd_ >= 0) close(wake_fd_);
    if (notify_fd_ >= 0) close(notify_fd_);
    close(listen_fd_);
    throw error;
  }
}

SenderListener::~SenderListener() {
  if (client_ >= 0) close(client_);
  close(listen_fd_);
  close(wake_fd_);
  close(notify_fd_);
}

void SenderListener::wake() {
  const uint64_t one = 1;
  [[maybe_unused]] const auto n = write(wake_fd_, &one, sizeof one);
}

void SenderListener::clear_wake() {
  uint64_t count = 0;
  [[maybe_unused]] const auto n = read(wake_fd_, &count, sizeof count);
}

void SenderListener::notify() {
  const uint64_t one = 1;
  [[maybe_unused]] const auto n = write(notify_fd_, &one, sizeof one);
}

ListenerEvent SenderListener::left(const std::string &reason) {
  ListenerEvent event;
  event.kind = ListenerEvent::Kind::kLeft;
  event.remote = remote_;
  event.sender = senders_;
  event.bytes = bytes_;
  event.reason = reason;
  close(client_);
  client_ = -1;
  return event;
}

ListenerEvent SenderListener::drop_sender(const std::string &reason) {
  if (client_ < 0) return {};
  return left(reason);
}

ListenerEvent SenderListener::wait(std::chrono::milliseconds idle_timeout) {
  for (;;) {
    pollfd fds[4] = {{wake_fd_, POLLIN, 0},
                     {notify_fd_, POLLIN, 0},
                     {listen_fd_, POLLIN, 0},
                     {client_, POLLIN, 0}};
    int timeout = -1;
    if (client_ >= 0 && idle_timeout.count() > 0) {
      const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - last_data_);
      if (idle >= idle_timeout) return left("idle");
      timeout = static_cast<int>((idle_timeout - idle).count()) + 1;
    }
    const int ready = poll(fds, client_ >= 0 ? 4 : 3, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw socket_error("poll");
    }
    if (fds[0].revents) return {};
    if (fds[1].revents) {
      uint64_t count = 0;
      [[maybe_unused]] const auto n = read(notify_fd_, &count, sizeof count);
      ListenerEvent event;
      event.kind = ListenerEvent::Kind::kNotified;
      return event;
    }
    if (fds[2].revents & POLLIN) {
      sockaddr_storage peer{};
      socklen_t peer_len = sizeof peer;
      const int fd =
          accept4(listen_fd_, reinterpret_cast<sockaddr *>(&peer), &peer_len, SOCK_CLOEXEC);
      if (fd >= 0) {
        ListenerEvent event;
        event.remote = describe(peer);
        if (client_ >= 0) {
          // Served one at a time: the newcomer is closed before it sends anything we read.
          close(fd);
          event.kind = ListenerEvent::Kind::kRefused;
          event.sender = senders_;
          return event;
        }
        client_ = fd;
        remote_ = event.remote;
        bytes_ = 0;
        last_data_ = std::chrono::steady_clock::now();
        event.kind = ListenerEvent::Kind::kConnected;
        event.sender = ++senders_;
        return event;
      }
      // A connection that vanished before accept: nothing to report.
    }
    if (client_ >= 0 && fds[3].revents) {
      ListenerEvent event;
      event.data.resize(kReadSize);
      const ssize_t n = recv(client_, event.data.data(), event.data.size(), MSG_DONTWAIT);
      if (n > 0) {
        event.kind = ListenerEvent::Kind::kData;
        event.data.resize(static_cast<size_t>(n));
        event.remote = remote_;
        event.sender = senders_;
        bytes_ += static_cast<uint64_t>(n);
        last_data_ = std::chrono::steady_clock::now();
        return event;
      }
      if (n == 0) return left("closed");
      if (errno != EAGAIN && errno != EINTR) return left(std::strerror(errno));
    }
  }
}

}  // namespace onair::intake
