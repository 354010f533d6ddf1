// The run's status as the dashboard follows it: sampled every second on the main loop into
// the figures' history (kept whether anyone listens or not) and published, with the sample,
// to the subscribers of events() (GET /api/status/stream). Call from the main loop.
#pragma once

#include <glib.h>

#include <functional>
#include <string>

#include "dashboard/figure_history.h"
#include "run/status.h"
#include "sessions/event_hub.h"

namespace onair::app {

class StatusFeed {
 public:
  // `status`: the status as the API shows it (secrets hidden).
  explicit StatusFeed(std::function<Status()> status);
  ~StatusFeed();
  StatusFeed(const StatusFeed &) = delete;
  StatusFeed &operator=(const StatusFeed &) = delete;

  EventHub &events() { return events_; }
  // What a new subscriber gets first: a "history" event, then a "status" event of now.
  std::string greeting();

 private:
  static gboolean on_tick(gpointer self) noexcept;

  std::function<Status()> status_;
  FigureHistory history_;
  EventHub events_;
  guint timer_ = 0;
};

}  // namespace onair::app
