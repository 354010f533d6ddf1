// Catches SIGINT and SIGTERM for the whole of `onair run`, from its first step: an interrupt
// never kills the app halfway through start-up. Until the runner takes over, an interrupt is
// only remembered, so the run can stop at once before anything was written; afterwards each
// one goes to the runner (first: finish the outputs; second: stop at once).
#pragma once

#include <glib.h>

#include <functional>

#include "run/stop_requests.h"

namespace onair::app {

class Interrupts final : public StopRequests {
 public:
  Interrupts();
  ~Interrupts() override;
  Interrupts(const Interrupts &) = delete;
  Interrupts &operator=(const Interrupts &) = delete;

  // True when an interrupt came before forward_to(); delivers any that is pending first.
  bool came_early() override;
  // From now on each interrupt calls `handler` in the main loop.
  void forward_to(std::function<void()> handler) override { handler_ = std::move(handler); }

 private:
  static gboolean on_signal(gpointer self) noexcept;

  std::function<void()> handler_;
  bool early_ = false;
  guint sigint_ = 0;
  guint sigterm_ = 0;
};

}  // namespace onair::app
