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
#include "common/text.h"
#include "http/run_server.h"
#include "previews/preview_manager.h"

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
              if (is_preview_command(c.kind)) return apply_preview(c);
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
    if (run.options.http)
      server.emplace(run, control, overlays, [this] { return previews_list(); });
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

  // preview-start, preview-stop and previews: the answer says what changed.
  std::string apply_preview(const ControlCommand &c) {
    if (!run.previews)
      throw ControlError(404,
                         "this run has no SDI previews (run a per-port pipeline: sdi-preview)");
    if (c.kind == CommandKind::kPreviews) return previews_fields(previews_list());
    const bool start = c.kind == CommandKind::kPreviewStart;
    const PreviewManager::Answer answer =
        start ? run.previews->start(c.port) : run.previews->stop(c.port);
    using Outcome = PreviewManager::Outcome;
    if (answer.outcome == Outcome::kUnknownPort)
      throw ControlError(404, "no port '" + printable_excerpt(c.port, 32) + "' in this run");
    if (answer.outcome == Outcome::kFailed)
      throw ControlError(500, "port " + c.port + ": " + answer.error);
    const bool changed = answer.outcome == Outcome::kDone;
    const char *message = start ? (changed ? "started" : "already previewing")
                                : (changed ? "stopped" : "already stopped");
    return "\"port\":" + json_string(c.port) + ",\"previewing\":" + (start ? "true" : "false") +
           ",\"changed\":" + (changed ? "true" : "false") + ",\"message\":" + json_string(message);
  }

  // The previews with their errors' secrets hidden.
  std::vector<PreviewInfo> previews_list() const {
    std::vector<PreviewInfo> list =
        run.previews ? run.previews->list() : std::vector<PreviewInfo>{};
    for (PreviewInfo &p : list) p.last_error = run.redact(p.last_error);
    return list;
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
