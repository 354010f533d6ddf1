#include "control/control_service.h"

#include "common/text.h"
#include "control/command_json.h"
#include "pipeline/expression.h"

namespace onair::app {

ControlService::ControlService(Apply apply, Clock clock, RateLimiter limiter,
                               const Redactor *redact, RateLimiter speech_limiter)
    : apply_(std::move(apply)),
      clock_(std::move(clock)),
      limiter_(limiter),
      redact_(redact),
      speech_limiter_(speech_limiter) {}

ControlResult ControlService::run(const std::function<ControlCommand()> &parse, bool limited) {
  try {
    if (limited && !limiter_.allow(clock_()))
      throw ControlError(429, "too many commands: at most " + format_number(limiter_.rate()) +
                                  " a second, " + format_number(limiter_.burst()) + " at once");
    const ControlCommand command = parse();
    // Only items the element took count against the speech limit: a refused
    // one fills no queue (and the shared limit bounds those).
    const bool speech = limited && queues_speech(command.kind);
    if (speech && speech_limiter_.wait_time(clock_()) > 0)
      throw ControlError(429, "too much speech: at most " + format_number(speech_limiter_.rate()) +
                                  " a second, " + format_number(speech_limiter_.burst()) +
                                  " at once");
    ControlResult result;
    result.fields = apply_(command);
    if (speech) speech_limiter_.allow(clock_());
    return result;
  } catch (const ControlError &e) {
    ControlResult refused(e.status(), redact_ ? (*redact_)(e.what()) : std::string(e.what()),
                          e.fields());
    refused.retry_after = e.retry_after();
    return refused;
  } catch (const std::exception &) {
    return {500, "internal error"};
  }
}

ControlResult ControlService::http(CommandKind kind, std::string_view body, bool empty_is_object) {
  return run([&] { return parse_command_body(kind, body, empty_is_object); }, true);
}

ControlResult ControlService::line(std::string_view text, bool *answered) {
  if (answered) *answered = !is_blank(text);
  if (is_blank(text)) return {};
  return run([&] { return parse_command_line(text); }, true);
}

ControlResult ControlService::too_long() {
  return run(
      [&]() -> ControlCommand {
        throw ControlError(413, "line is longer than " + std::to_string(kMaxCommandBytes / 1024) +
                                    " KiB: skipped");
      },
      true);
}

ControlResult ControlService::command(const ControlCommand &command) {
  return run([&] { return command; }, true);
}

ControlResult ControlService::scheduled(const std::string &command) {
  return run([&] { return parse_command_line(command); }, false);
}

}  // namespace onair::app
