// onair: runs live broadcasting pipelines described in pipeline files. This
// file only dispatches the commands; each stage's folder has its own.
#include <gst/gst.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "common/log_line.h"
#include "common/user_error.h"
#include "deploy/deploy_command.h"
#include "http/token_command.h"
#include "pipeline/catalog.h"
#include "pipeline/commands.h"
#include "run/check_command.h"
#include "run/gst_log.h"
#include "run/run_command.h"
#include "sessions/sessions_command.h"

namespace onair::app {
namespace {

int main_guarded(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Options options;
  try {
    options = parse_command_line(args);
  } catch (const UsageError &e) {
    std::fprintf(stderr, "onair: %s\nTry 'onair --help'.\n", e.what());
    return kExitUsage;
  }
  switch (options.command) {
    case Options::Command::kHelp:
      std::fputs(help_text(options.help_topic).c_str(), stdout);
      return kExitOk;
    case Options::Command::kToken:
      return command_token(options);
    case Options::Command::kSessions:
      return command_sessions(options);
    case Options::Command::kVersion: {
      guint major, minor, micro, nano;
      gst_version(&major, &minor, &micro, &nano);
      std::printf("onair %s (GStreamer %u.%u.%u)\n", ONAIR_VERSION, major, minor, micro);
      // Where the pages are, for a webstreamsink's web-root outside the app.
      std::printf("web pages: %s\n", find_locations(options.web_dir).web_dir.c_str());
      return kExitOk;
    }
    default:
      break;
  }

  const Locations where = find_locations(options.web_dir);
  gst_init(nullptr, nullptr);
  install_gst_log();
  const bool json_logs =
      options.command == Options::Command::kRun && options.log_format == Options::LogFormat::kJson;
  if (json_logs) use_json_logs();
  try {
    switch (options.command) {
      case Options::Command::kRun:
        return command_run(where, options);
      case Options::Command::kCheck:
        return command_check(where, options);
      case Options::Command::kList:
        return command_list(where);
      case Options::Command::kShow:
        return command_show(where, options);
      case Options::Command::kDeploy:
        return command_deploy(where, options);
      default:
        return kExitUsage;
    }
  } catch (const UserError &e) {
    if (json_logs)
      std::fputs(
          json_log_line({LogLevel::kError, "onair", e.what(), {}}, std::chrono::system_clock::now())
              .c_str(),
          stderr);
    else
      std::fprintf(stderr, "onair: %s\n", e.what());
    return kExitUsage;
  }
}

}  // namespace
}  // namespace onair::app

int main(int argc, char **argv) {
  try {
    return onair::app::main_guarded(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "onair: internal error: %s\n", e.what());
    return 1;
  }
}
