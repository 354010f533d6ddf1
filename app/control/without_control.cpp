// The app built without the control API (no json-glib or libsoup): no
// control services, and pipeline files with scheduled commands are refused.
#include "control/services.h"
#include "control/schedule_check.h"

namespace onair::app {

struct ControlServices::Impl {};

ControlServices::ControlServices(const RunContext &run) {
  if (run.options.http)
    throw PipelineError("this onair was built without the web server; use --no-http");
  if (run.options.control_stdin || !run.options.control_socket.empty())
    throw PipelineError("this onair was built without the control API (json-glib)");
}

ControlServices::~ControlServices() = default;

void ControlServices::announce() const {}

std::string ControlServices::http_url() const {
  return {};
}

void check_scheduled_commands(const PipelineFile &file) {
  if (!file.schedule.empty())
    throw PipelineError(file.path + ":" + std::to_string(file.schedule.front().line) +
                        ": scheduled commands need onair built with the control API (json-glib)");
}

}  // namespace onair::app
