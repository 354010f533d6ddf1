// The scheduled commands of a pipeline file ("at SECONDS [every SECONDS]:"),
// run from the default main context.
#pragma once

#include <glib.h>

#include <memory>
#include <vector>

#include "control/control_service.h"
#include "pipeline/pipeline_file.h"
#include "run/console.h"

namespace onair::app {

// Runs the "at SECONDS [every SECONDS]:" commands of a pipeline file once
// start() is called (when the pipeline reaches PLAYING). A failing command is
// reported once as a warning until it works again.
class ScheduledCommands {
 public:
  ScheduledCommands(ControlService &service, Console &console, const PipelineFile &file);
  ~ScheduledCommands();
  ScheduledCommands(const ScheduledCommands &) = delete;
  ScheduledCommands &operator=(const ScheduledCommands &) = delete;

  void start();

  struct Entry;

 private:
  ControlService &service_;
  Console &console_;
  std::vector<std::unique_ptr<Entry>> entries_;
  bool started_ = false;
};

}  // namespace onair::app
