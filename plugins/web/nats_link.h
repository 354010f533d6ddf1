// One connection to a NATS broker for webstreamsink (publishing) and webstreamrelaysrc
// (subscribing), over the NATS C client. It connects in the background and keeps
// reconnecting: a broker that is down at start or goes away costs frames, never the stream.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace onair::web {

struct NatsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct NatsLinkEvents {
  // The link came up (true) or went down (false). Called from the client's thread.
  std::function<void(bool up)> on_link;
  // The client dropped messages for a slow subscriber. Called from the client's thread.
  std::function<void()> on_slow_consumer;
};

class NatsLink {
 public:
  // Throws NatsError when the URL or the options are refused (not when the broker is down).
  NatsLink(const std::string &url, NatsLinkEvents events);
  // Closes the connection; no callback runs after it returns.
  ~NatsLink();
  NatsLink(const NatsLink &) = delete;
  NatsLink &operator=(const NatsLink &) = delete;

  bool connected() const;
  // Hands the message to the client, which sends it without waiting for the broker. False
  // (the message is not sent) while the link is down or when the client could not take it.
  bool publish(const std::string &subject, const void *data, size_t size);
  // Calls `on_message` from the client's thread for every message on `subject`, also after
  // reconnecting. At most `pending_bytes` wait in the client; beyond, it drops them and calls
  // on_slow_consumer. Throws NatsError.
  void subscribe(const std::string &subject, int pending_bytes,
                 std::function<void(const void *data, size_t size)> on_message);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace onair::web
