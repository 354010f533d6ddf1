#include "dashboard/status_feed.h"

#include <exception>

namespace onair::app {

namespace {

// Five minutes of figures, a sample a second, well under what an event client may have unsent.
constexpr size_t kHistorySamples = 300;
constexpr size_t kHistoryBytes = 128 * 1024;

// {"status":{...},"sample":{...} or null}
std::string status_event(const Status &status, const std::string &sample) {
  return "{\"status\":" + status_json(status) + ",\"sample\":" + sample + "}";
}

}  // namespace

StatusFeed::StatusFeed(std::function<Status()> status)
    : status_(std::move(status)), history_(kHistorySamples, kHistoryBytes) {
  timer_ = g_timeout_add_seconds(1, &StatusFeed::on_tick, this);
}

StatusFeed::~StatusFeed() {
  g_source_remove(timer_);
}

std::string StatusFeed::greeting() {
  // In this order (ids count up): the plots' history, then the status now.
  std::string text = events_.event_text("history", history_.json());
  return text + events_.event_text("status", status_event(status_(), "null"));
}

gboolean StatusFeed::on_tick(gpointer data) noexcept {
  auto *self = static_cast<StatusFeed *>(data);
  try {
    const Status status = self->status_();
    const std::string sample =
        self->history_.record(static_cast<double>(g_get_real_time()) / 1e6, status);
    if (self->events_.subscribers()) self->events_.publish("status", status_event(status, sample));
  } catch (const std::exception &) {
    // A figure that could not be read now is read again at the next tick.
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace onair::app
