// What the control services and the web server see of whatever runs a pipeline file: one
// pipeline (run/runner.h) or one pipeline per SDI port (previews/preview_manager.h).
#pragma once

#include <functional>

#include "run/readiness.h"
#include "run/status.h"

namespace onair::app {

class RunSupervisor {
 public:
  virtual ~RunSupervisor() = default;
  virtual Status status() const = 0;
  // Whether it serves (GET /readyz), and why or why not.
  virtual Readiness readiness() const = 0;
  // Each is called once, when the run first plays.
  virtual void on_playing(std::function<void()> callback) = 0;
};

}  // namespace onair::app
