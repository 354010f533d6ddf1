// The JSON side of the control commands: request bodies and protocol lines
// become checked ControlCommands (json-glib reads the JSON; every rule is in
// control.h), and one service answers every channel in the same way.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "control/command.h"
#include "pipeline/pipeline_file.h"
#include "common/text.h"

namespace onair::app {

// The members of the JSON object in `text`. Throws ControlError (400).
JsonFields parse_json_object(std::string_view text);

// An HTTP body for the endpoint's `kind`; with `empty_is_object` (DELETE) an
// empty body means {}. Throws ControlError.
ControlCommand parse_command_body(CommandKind kind, std::string_view body, bool empty_is_object);

// One line of the line protocol, or a scheduled command: "cmd" names the kind.
// Throws ControlError.
ControlCommand parse_command_line(std::string_view line);

// Checks every scheduled command ("at ...:" lines) of a pipeline file.
// Throws PipelineError naming the file and line.
void check_scheduled_commands(const PipelineFile &file);

// Answers commands from every channel: the shared rate limit, then parsing,
// then `apply` (which throws ControlError when the pipeline refuses).
class ControlService {
 public:
  using Apply = std::function<void(const ControlCommand &)>;
  using Clock = std::function<double()>;  // seconds, monotonic

  // `redact` (when given) hides secrets in the messages of refusals, which may
  // repeat what the client sent.
  ControlService(Apply apply, Clock clock, RateLimiter limiter = RateLimiter(),
                 const Redactor *redact = nullptr);

  ControlResult http(CommandKind kind, std::string_view body, bool empty_is_object);
  // One line of the line protocol; blank lines are not commands (nullopt-like:
  // `answered` false, nothing to reply).
  ControlResult line(std::string_view line, bool *answered = nullptr);
  // A line that was longer than the limit.
  ControlResult too_long();
  // A scheduled command from the pipeline file: not rate limited.
  ControlResult scheduled(const std::string &command);

 private:
  ControlResult run(const std::function<ControlCommand()> &parse, bool limited);

  Apply apply_;
  Clock clock_;
  RateLimiter limiter_;
  const Redactor *redact_;
};

}  // namespace onair::app
