// One service answers the commands of every control channel in the same way:
// the shared rate limit, then parsing, the speech limit for what queues
// speech, then applying.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/redactor.h"
#include "control/command.h"
#include "control/rate_limiter.h"

namespace onair::app {

// Answers commands from every channel: the shared rate limit, then parsing,
// then `apply` (which throws ControlError when the pipeline refuses).
class ControlService {
 public:
  // Returns members for the answer (ControlResult::fields), usually none.
  using Apply = std::function<std::string(const ControlCommand &)>;
  using Clock = std::function<double()>;  // seconds, monotonic

  // `redact` (when given) hides secrets in the messages of refusals, which may
  // repeat what the client sent. `speech_limiter` counts only the items the
  // speech element took (say, play), so a chat flood cannot fill the speech
  // queue while other commands go on.
  ControlService(Apply apply, Clock clock, RateLimiter limiter = RateLimiter(),
                 const Redactor *redact = nullptr,
                 RateLimiter speech_limiter = RateLimiter(kSpeechRate, kSpeechBurst));

  // Items queued on the speech element: one a second on average, 5 at once.
  static constexpr double kSpeechRate = 1;
  static constexpr double kSpeechBurst = 5;

  ControlResult http(CommandKind kind, std::string_view body, bool empty_is_object);
  // One line of the line protocol; blank lines are not commands (nullopt-like:
  // `answered` false, nothing to reply).
  ControlResult line(std::string_view line, bool *answered = nullptr);
  // A line that was longer than the limit.
  ControlResult too_long();
  // A command the HTTP route already built (its fields come from the path).
  ControlResult command(const ControlCommand &command);
  // A scheduled command from the pipeline file: not rate limited.
  ControlResult scheduled(const std::string &command);

 private:
  ControlResult run(const std::function<ControlCommand()> &parse, bool limited);

  Apply apply_;
  Clock clock_;
  RateLimiter limiter_;
  const Redactor *redact_;
  RateLimiter speech_limiter_;
};

}  // namespace onair::app
