#include "control/services.h"

#include <csignal>
#include <optional>

#include "control/channels.h"
#include "control/control_service.h"
#include "control/output_control.h"
#include "control/overlay_control.h"
#include "control/scene_control.h"
#include "control/scheduled_commands.h"
#include "control/speech_control.h"
#include "common/json_string.h"
#include "http/run_server.h"

namespace onair::app {

struct ControlServices::Impl {
  explicit Impl(const RunContext &context)
      : run(context),
        overlays(run.pipeline),
        speech(run.pipeline),
        // Every control channel goes through one service and one rate limit.
        control(
            [this](const ControlCommand &c) -> std::string {
              if (c.kind == CommandKind::kCapture)
                return "\"id\":" + json_string(capture_snapshot(run.pipeline, c.detector));
              if (is_speech_command(c.kind)) return speech.apply(c);
              if (c.kind == CommandKind::kReconnect)
                reconnect_outputs(run.pipeline, c.output);
              else
                overlays.apply(c);
              return {};
            },
            [] { return static_cast<double>(g_get_monotonic_time()) / 1e6; }, RateLimiter(),
            &run.redact),
        schedule(control, run.console, run.file) {
    run.runner.on_playing([this] { schedule.start(); });
    if (run.options.http) server.emplace(run, control, overlays);
    const Options &options = run.options;
    if (options.control_stdin || !options.control_socket.empty()) {
      channels.emplace(control, run.console);
      if (!options.control_socket.empty()) channels->listen(options.control_socket);
      if (options.control_stdin) {
        std::signal(SIGPIPE, SIG_IGN);  // a reader that went away is an error, not an end
        channels->read_stdin();
      }
    }
  }

  const RunContext run;  // a copy: the caller's may be a temporary
  OverlayControl overlays;
  SpeechControl speech;
  ControlService control;
  ScheduledCommands schedule;
  std::optional<RunServer> server;
  std::optional<LineChannels> channels;
};

ControlServices::ControlServices(const RunContext &run) : impl_(std::make_unique<Impl>(run)) {}

ControlServices::~ControlServices() = default;

void ControlServices::announce() const {
  const Options &options = impl_->run.options;
  Console &console = impl_->run.console;
  if (impl_->server) impl_->server->announce(console);
  if (!options.control_socket.empty()) console.info("control socket: " + options.control_socket);
  if (options.control_stdin) console.info("control: reading commands from standard input");
}

std::string ControlServices::http_url() const {
  return impl_->server ? impl_->server->url() : std::string();
}

}  // namespace onair::app
