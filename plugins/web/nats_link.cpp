#include "nats_link.h"

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/relay.h"

namespace onair::web {

namespace {

// Quick retries: a broker restart is usually over in a second.
constexpr int64_t kReconnectWaitMs = 250;
constexpr int64_t kConnectTimeoutMs = 2000;
// A publish waits at most this long on a broker that does not read (then the link is
// dropped and reconnected); frames are small next to the socket buffers, so it rarely waits.
constexpr int64_t kWriteDeadlineMs = 200;
// A broker that stops answering is noticed within two pings.
constexpr int64_t kPingIntervalMs = 5000;
constexpr auto kCloseWait = std::chrono::seconds(5);

void check(natsStatus status, const char *what) {
  if (status != NATS_OK)
    throw NatsError(std::string(what) + ": " + natsStatus_GetText(status) + " (" +
                    nats_GetLastError(nullptr) + ")");
}

}  // namespace

struct NatsLink::Impl {
  NatsLinkEvents events;
  natsConnection *connection = nullptr;
  natsSubscription *subscription = nullptr;
  std::function<void(const void *, size_t)> on_message;
  std::mutex lock;
  std::condition_variable done;
  bool closed = false;
  bool subscription_done = false;
  std::atomic<bool> closing{false};  // a link we close is not a link lost

  static void on_connected(natsConnection *, void *closure) {
    auto *self = static_cast<Impl *>(closure);
    if (self->events.on_link) self->events.on_link(true);
  }
  static void on_disconnected(natsConnection *, void *closure) {
    auto *self = static_cast<Impl *>(closure);
    if (!self->closing && self->events.on_link) self->events.on_link(false);
  }
  static void on_closed(natsConnection *, void *closure) {
    auto *self = static_cast<Impl *>(closure);
    std::lock_guard guard(self->lock);
    self->closed = true;
    self->done.notify_all();
  }
  static void on_error(natsConnection *, natsSubscription *, natsStatus status, void *closure) {
    auto *self = static_cast<Impl *>(closure);
    if (status == NATS_SLOW_CONSUMER && self->events.on_slow_consumer)
      self->events.on_slow_consumer();
  }
  static void on_msg(natsConnection *, natsSubscription *, natsMsg *msg, void *closure) {
    auto *self = static_cast<Impl *>(closure);
    self->on_message(natsMsg_GetData(msg), size_t(natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
  }
  static void on_subscription_done(void *closure) {
    auto *self = static_cast<Impl *>(closure);
    std::lock_guard guard(self->lock);
    self->subscription_done = true;
    self->done.notify_all();
  }
};

NatsLink::NatsLink(const std::string &url, NatsLinkEvents events)
    : impl_(std::make_unique<Impl>()) {
  impl_->events = std::move(events);
  natsOptions *options = nullptr;
  check(natsOptions_Create(&options), "cannot create the NATS options");
  std::unique_ptr<natsOptions, decltype(&natsOptions_Destroy)> owned(options, &natsOptions_Destroy);
  Impl *impl = impl_.get();
  const std::string shown = relay::redact_url(url);
  if (natsOptions_SetURL(options, url.c_str()) != NATS_OK)
    throw NatsError("the NATS URL '" + shown + "' is not valid");
  check(natsOptions_SetAllowReconnect(options, true), "reconnect");
  check(natsOptions_SetMaxReconnect(options, -1), "reconnect");
  check(natsOptions_SetReconnectWait(options, kReconnectWaitMs), "reconnect wait");
  check(natsOptions_SetTimeout(options, kConnectTimeoutMs), "timeout");
  check(natsOptions_SetWriteDeadline(options, kWriteDeadlineMs), "write deadline");
  check(natsOptions_SetPingInterval(options, kPingIntervalMs), "ping interval");
  check(natsOptions_SetMaxPingsOut(options, 2), "pings");
  // Frames go out at once rather than when the client's buffer fills.
  check(natsOptions_SetSendAsap(options, true), "send asap");
  check(natsOptions_SetRetryOnFailedConnect(options, true, &Impl::on_connected, impl), "retry");
  check(natsOptions_SetReconnectedCB(options, &Impl::on_connected, impl), "callback");
  check(natsOptions_SetDisconnectedCB(options, &Impl::on_disconnected, impl), "callback");
  check(natsOptions_SetClosedCB(options, &Impl::on_closed, impl), "callback");
  check(natsOptions_SetErrorHandler(options, &Impl::on_error, impl), "callback");
  const natsStatus status = natsConnection_Connect(&impl_->connection, options);
  // Not yet connected: the client goes on trying in the background.
  if (status == NATS_OK) {
    if (impl_->events.on_link) impl_->events.on_link(true);
  } else if (status != NATS_NOT_YET_CONNECTED) {
    throw NatsError("cannot connect to " + shown + ": " + natsStatus_GetText(status));
  }
}

NatsLink::~NatsLink() {
  if (!impl_->connection) return;
  impl_->closing = true;
  if (impl_->subscription) natsSubscription_Unsubscribe(impl_->subscription);
  natsConnection_Close(impl_->connection);
  {
    std::unique_lock guard(impl_->lock);
    impl_->done.wait_for(guard, kCloseWait, [&] {
      return impl_->closed && (!impl_->subscription || impl_->subscription_done);
    });
  }
  if (impl_->subscription) natsSubscription_Destroy(impl_->subscription);
  natsConnection_Destroy(impl_->connection);
}

bool NatsLink::connected() const {
  return natsConnection_Status(impl_->connection) == NATS_CONN_STATUS_CONNECTED;
}

bool NatsLink::publish(const std::string &subject, const void *data, size_t size) {
  // While reconnecting the client would keep messages for later: stale frames, dropped here.
  if (!connected()) return false;
  return natsConnection_Publish(impl_->connection, subject.c_str(), data, int(size)) == NATS_OK;
}

void NatsLink::subscribe(const std::string &subject, int pending_bytes,
                         std::function<void(const void *, size_t)> on_message) {
  impl_->on_message = std::move(on_message);
  check(natsConnection_Subscribe(&impl_->subscription, impl_->connection, subject.c_str(),
                                 &Impl::on_msg, impl_.get()),
        "cannot subscribe");
  check(natsSubscription_SetPendingLimits(impl_->subscription, -1, pending_bytes),
        "pending limits");
  check(natsSubscription_SetOnCompleteCB(impl_->subscription, &Impl::on_subscription_done,
                                         impl_.get()),
        "callback");
}

}  // namespace onair::web
