// A TCP listener that serves one sender at a time: it accepts a connection, hands over what
// the sender writes, refuses (closes at once) anyone else who connects meanwhile, drops a
// sender that stays silent too long, and goes back to waiting when the sender leaves. Plain
// POSIX sockets, no GStreamer: one thread calls wait(); any thread may call wake() or
// notify().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onair::intake {

struct Endpoint {
  std::string host;  // numeric IPv4 or IPv6 address
  uint16_t port = 0;
};

// "127.0.0.1:4444", "[::1]:4444", "0.0.0.0:0"; nullopt when malformed.
std::optional<Endpoint> parse_endpoint(std::string_view text);

struct ListenerEvent {
  enum class Kind {
    kConnected,  // a sender was accepted; remote, sender
    kData,       // bytes from the current sender
    kLeft,       // the current sender is gone; remote, sender, bytes, reason
    kRefused,    // someone connected while a sender is served; remote, sender (the served one)
    kWoken,      // wake() was called
    kNotified,   // notify() was called since the last kNotified
  };
  Kind kind = Kind::kWoken;
  std::string remote;   // "address:port"
  uint64_t sender = 0;  // 1 for the first accepted sender, 2 for the next, ...
  uint64_t bytes = 0;   // kLeft: bytes the sender sent
  std::string reason;   // kLeft: "closed", "idle", "dropped" or the socket error
  std::vector<uint8_t> data;
};

class SenderListener {
 public:
  // Binds and listens; throws std::system_error (with the address) when it cannot.
  explicit SenderListener(const Endpoint &endpoint);
  ~SenderListener();
  SenderListener(const SenderListener &) = delete;
  SenderListener &operator=(const SenderListener &) = delete;

  uint16_t port() const { return port_; }  // the bound port (useful with port 0)
  bool serving() const { return client_ >= 0; }

  // Blocks until something happens. A sender that sends nothing for idle_timeout (when
  // positive) is dropped with reason "idle".
  ListenerEvent wait(std::chrono::milliseconds idle_timeout);
  // Makes the current or next wait() return kWoken until clear_wake().
  void wake();
  void clear_wake();
  // Makes the current or next wait() return kNotified once: work for the waiting thread that
  // comes from elsewhere than the socket (a remuxer's output).
  void notify();
  // Closes the current sender's connection; the returned kLeft carries the reason given.
  ListenerEvent drop_sender(const std::string &reason);

 private:
  ListenerEvent left(const std::string &reason);

  int listen_fd_ = -1;
  int wake_fd_ = -1;    // eventfd
  int notify_fd_ = -1;  // eventfd
  int client_ = -1;
  uint16_t port_ = 0;
  std::string remote_;
  uint64_t senders_ = 0;
  uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point last_data_;
};

}  // namespace onair::intake
