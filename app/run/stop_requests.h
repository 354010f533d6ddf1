// Where the stops of a run come from: signals for `onair run`
// (run/interrupts.h), stop() for a program that embeds a run (embed/).
#pragma once

#include <functional>

namespace onair::app {

class StopRequests {
 public:
  virtual ~StopRequests() = default;
  // True when a stop came before forward_to(): the run ends before anything ran.
  virtual bool came_early() = 0;
  // From now on each stop calls `handler` in the run's main loop (the first
  // finishes the outputs, the second stops at once); an empty one drops them.
  virtual void forward_to(std::function<void()> handler) = 0;
};

}  // namespace onair::app
