#include "run/run_command.h"

#include "run/interrupts.h"
#include "run/session.h"
#include "run/unfed_sources.h"

namespace onair::app {

int command_run(const Locations &where, const Options &options) {
  // First, so that no interrupt during start-up kills the app halfway.
  Interrupts interrupts;
  Redactor no_secrets;
  const bool json = options.log_format == Options::LogFormat::kJson;
  Console early(no_secrets, json);
  RunSession session(where, options, early);
  Console console(session.redact(), json);
  try {
    refuse_sources_nobody_feeds(session.pipeline(), session.file(), options.control_stdin);
  } catch (const PipelineError &e) {
    throw PipelineError(session.redact()(e.what()));
  }
  return session.run(options, console, interrupts);
}

}  // namespace onair::app
