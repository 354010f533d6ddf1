// Command line of the onair app. Plain C++ so it is unit-tested without GLib.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace onair::app {

// The app's exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;  // the command line, a file or a value is wrong

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HttpAddress {
  std::string host = "127.0.0.1";
  int port = 8080;
};

struct Options {
  enum class Command { kHelp, kVersion, kRun, kCheck, kList, kShow, kToken, kSessions, kDeploy };
  Command command = Command::kHelp;
  std::string help_topic;  // for "onair help COMMAND" / "onair COMMAND --help"
  std::string pipeline;    // NAME or FILE
  std::vector<std::pair<std::string, std::string>> sets;  // -s KEY=VALUE, in order
  std::optional<HttpAddress> http = HttpAddress{};        // nullopt: --no-http
  std::string output_dir;                                 // empty: the default
  std::string web_dir;                                    // empty: found automatically
  double eos_timeout = 10.0;                              // seconds
  double status_interval = -1;  // seconds; <0: 1 s on a terminal, 5 s otherwise; 0: off
  std::string token_file;       // empty: $XDG_CONFIG_HOME/onair/api-token
  bool control_stdin = false;   // --control stdin: commands on standard input
  std::string control_socket;   // --control-socket PATH; empty: none
  // --allow-origin (repeatable): pages of other sites that may use the web server's
  // streams and JSON; empty: the same origin only.
  std::vector<std::string> allow_origins;
  // Recording sessions: their root (empty: ~/.local/share/onair/sessions), and
  // for "onair sessions" the action (list, show, delete), its ids and --json.
  std::string sessions_dir;
  std::string sessions_action;
  std::vector<std::string> session_ids;
  bool json = false;
  // --run-dir: this exact run directory, made if missing and reused as it is, so a
  // restarted channel continues there; empty: a new one in output_dir.
  std::string run_dir;
  // --log-format json: one JSON object a line (common/log_line.h).
  enum class LogFormat { kText, kJson };
  LogFormat log_format = LogFormat::kText;
  // "onair deploy": its arguments, read by deploy/deploy_options.h.
  std::vector<std::string> deploy_args;
};

// The --allow-origin values as webstreamsink's allow-origins ("a,b").
std::string allow_origins_list(const Options &options);

// Throws UsageError with a one-line message.
Options parse_command_line(const std::vector<std::string> &args);

HttpAddress parse_http_address(const std::string &text);

// Full help text, or the help of one command.
std::string help_text(const std::string &topic);

}  // namespace onair::app
