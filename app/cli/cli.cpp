#include "cli/cli.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "web/core/origins.h"

namespace onair::app {

namespace {

const char kUsage[] =
    "Usage: onair COMMAND [OPTIONS]\n"
    "\n"
    "Runs live broadcasting pipelines described in pipeline files.\n"
    "\n"
    "Commands:\n"
    "  run NAME|FILE [OPTIONS]    run a pipeline until it ends or is interrupted\n"
    "  check NAME|FILE [-s K=V]   build a pipeline without running it and list its elements\n"
    "  list                       list the pipelines onair can find\n"
    "  show NAME|FILE             show a pipeline's description, variables and body\n"
    "  token [--token-file FILE]  print the control API's token (made if there is none)\n"
    "  sessions list|show|delete  list, show or delete recording sessions\n"
    "  deploy NAME|FILE [-s K=V]  print a channel's Kubernetes manifests\n"
    "  help [COMMAND]             show help\n"
    "\n"
    "Options:\n"
    "  -h, --help                 show help\n"
    "  -V, --version              show the version and where the web pages are\n"
    "\n"
    "Pipelines are found by name in $ONAIR_PIPELINE_PATH, ~/.config/onair/pipelines and\n"
    "onair's data directory, or given as a path to a .pipeline file.\n"
    "Exit status: 0 clean end, 1 runtime error, 2 usage or pipeline-file error.\n"
    "Run 'onair help run' for the options of run.\n";

const char kRunHelp[] =
    "Usage: onair run NAME|FILE [OPTIONS]\n"
    "\n"
    "Runs the pipeline, shows live status, and serves the web pages, the run's output\n"
    "(under /hls/), the status API (GET /api/status) and the overlay control API\n"
    "(/api/overlay/..., with the token 'onair token' prints; see docs/api.md), and\n"
    "the probes GET /healthz (the main loop answers) and GET /readyz (playing, media\n"
    "flowing, not every network output failed), both without a token.\n"
    "SIGTERM, like Ctrl-C, finishes the outputs within --eos-timeout, then exits 0.\n"
    "\n"
    "Options:\n"
    "  -s, --set KEY=VALUE        give a variable a value (repeatable); a secret variable\n"
    "                             also takes env:NAME (from the environment) or @FILE\n"
    "  --http ADDR:PORT           where the web server listens (default 127.0.0.1:8080;\n"
    "                             port 0 picks a free one)\n"
    "  --no-http                  no web server\n"
    "  --output-dir DIR           where run directories are made\n"
    "                             (default ~/.local/share/onair/runs)\n"
    "  --run-dir DIR              use DIR as the run directory (made if missing); a\n"
    "                             restart in the same DIR continues: HLS segments are\n"
    "                             numbered after those present, the playlist goes on\n"
    "                             after the last run's (a discontinuity marks the\n"
    "                             restart) and no file is overwritten\n"
    "                             (recording.mp4 -> recording-2.mp4, ...)\n"
    "  --log-format text|json     text (default), or one JSON object per line (time,\n"
    "                             level, source, message, fields) for log collectors;\n"
    "                             the status then comes as periodic 'status' events\n"
    "  --sessions-dir DIR         where recording sessions are kept (default\n"
    "                             ~/.local/share/onair/sessions); a pipeline with a\n"
    "                             session_dir variable (session) records into a new\n"
    "                             session there, or with -s resume=ID continues one\n"
    "  --web-dir DIR              serve the web pages from DIR\n"
    "  --eos-timeout SECONDS      on interrupt (Ctrl-C or SIGTERM), how long to wait for\n"
    "                             outputs to finish (default 10); a second interrupt\n"
    "                             stops at once. Keep it below Kubernetes'\n"
    "                             terminationGracePeriodSeconds (see docs/app.md)\n"
    "  --status-interval SECONDS  how often to show status (default 1 on a terminal,\n"
    "                             5 otherwise; 0 switches it off)\n"
    "  --token-file FILE          the control API's token file (default\n"
    "                             ~/.config/onair/api-token, made at first start)\n"
    "  --control stdin            read overlay commands from standard input, one JSON\n"
    "                             object per line; a JSON reply per line on standard output\n"
    "  --control-socket PATH      the same protocol on a Unix socket (made with mode 0600)\n"
    "  --allow-origin ORIGIN      let pages of another site (e.g. https://example.com,\n"
    "                             http://127.0.0.1:8081; * for any) open the WebSockets\n"
    "                             and read the sound, /api/status and /metrics\n"
    "                             (repeatable); by default only pages of this server\n"
    "                             may. Sets allow-origins on each webstreamsink that\n"
    "                             has none of its own\n";

const char kTokenHelp[] =
    "Usage: onair token [--token-file FILE]\n"
    "\n"
    "Prints the token of the overlay control API, making it first when there is none\n"
    "(32 random bytes as hex, in ~/.config/onair/api-token with mode 0600). Use it as\n"
    "  curl -H \"Authorization: Bearer $(onair token)\" ...\n";

const char kCheckHelp[] =
    "Usage: onair check NAME|FILE [-s KEY=VALUE]...\n"
    "\n"
    "Checks the variables, builds the pipeline without starting it, and lists its\n"
    "elements with the properties that differ from their defaults, then prints the\n"
    "launch line itself (values substituted, secrets shown as ***). Exit status 0 when\n"
    "the pipeline would start, 2 otherwise.\n";

const char kSessionsHelp[] =
    "Usage: onair sessions list [--json] [--sessions-dir DIR]\n"
    "       onair sessions show ID [--json] [--sessions-dir DIR]\n"
    "       onair sessions delete ID... [--sessions-dir DIR]\n"
    "\n"
    "Recording sessions ('onair run session') are directories named by their start\n"
    "time (20261204_153000) under ~/.local/share/onair/sessions, each with stream/\n"
    "(the segments), frames/ (snapshots and index.json), audio/ (WAV chunks) and\n"
    "session.json.\n"
    "\n"
    "  list     the sessions, newest first: start, duration (summed over segments),\n"
    "           segments, snapshots, audio chunks, size, and live or finished\n"
    "  show     one session in detail: its senders and segments\n"
    "  delete   removes sessions and says what it removed; refuses a live session\n"
    "           and anything that is not a session directory under the root\n"
    "\n"
    "Options:\n"
    "  --json               the same as JSON, for scripts\n"
    "  --sessions-dir DIR   the sessions' root (default ~/.local/share/onair/sessions)\n"
    "\n"
    "Continue a session with 'onair run session -s resume=ID'.\n"
    "Exit status: 0 done, 1 a session could not be deleted, 2 usage or no such session.\n";

const char kDeployHelp[] =
    "Usage: onair deploy NAME|FILE [-s KEY=VALUE]... [OPTIONS]\n"
    "\n"
    "Prints the Kubernetes manifests (YAML) of a channel running the pipeline: a\n"
    "ConfigMap with the file, a StatefulSet of one pod with its volume, probes on\n"
    "/healthz and /readyz and CPU and memory sized from its encodes, and a Service for\n"
    "the web port with Prometheus scrape annotations. Values are checked as 'onair\n"
    "check' does. Secret variables are read in the pod from a Secret (key: the\n"
    "variable's name); values given for them here are not used. SDI channels\n"
    "(sdi-preview -s ports=...) get a pod per card and a container per port. See\n"
    "docs/scale.md.\n"
    "\n"
    "Options:\n"
    "  -s, --set KEY=VALUE        a variable's value (repeatable)\n"
    "  --name NAME                the channel's name (default: the pipeline's)\n"
    "  --namespace NAMESPACE      put the objects in this namespace\n"
    "  --image IMAGE              the onair image (default localhost/onair:latest)\n"
    "  --secret NAME              the Secret with the secret variables (default: the\n"
    "                             channel's name)\n"
    "  --web-port PORT            the web server's port (default 8080; SDI ports of a\n"
    "                             card take the following ones)\n"
    "  --eos-timeout SECONDS      the run's drain bound (default 10); the pod's grace\n"
    "                             period is 5 s longer\n"
    "  --storage SIZE             the volume of the runs (default 10Gi)\n"
    "  --storage-class NAME       its StorageClass (default: the cluster's)\n"
    "  --sdi-resource NAME        the device resource of one SDI input port (default\n"
    "                             deltacast.tv/sdi, blackmagicdesign.com/decklink)\n"
    "  --node-selector KEY=VALUE  labels of the nodes with the cards (repeatable;\n"
    "                             default onair.dev/sdi=BACKEND)\n";

const char kListHelp[] =
    "Usage: onair list\n\nLists the pipelines found, with their descriptions.\n";
const char kShowHelp[] =
    "Usage: onair show NAME|FILE\n\nShows where a pipeline file is, its description, its "
    "variables and its body.\n";

double parse_seconds(const std::string &option, const std::string &text) {
  errno = 0;
  char *end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || errno || end != text.c_str() + text.size() || !std::isfinite(v) || v < 0 ||
      v > 86400)
    throw UsageError(option + " takes a number of seconds, not '" + text + "'");
  return v;
}

// "*" or one origin, as webstreamsink's allow-origins takes them.
bool is_one_allowed_origin(const std::string &text) {
  if (text.find_first_not_of(" \t") == std::string::npos || text.find(',') != std::string::npos)
    return false;
  try {
    web::AllowedOrigins::parse(text);
    return true;
  } catch (const std::invalid_argument &) {
    return false;
  }
}

Options::Command command_named(const std::string &name) {
  if (name == "run") return Options::Command::kRun;
  if (name == "check") return Options::Command::kCheck;
  if (name == "list") return Options::Command::kList;
  if (name == "show") return Options::Command::kShow;
  if (name == "token") return Options::Command::kToken;
  if (name == "sessions") return Options::Command::kSessions;
  if (name == "deploy") return Options::Command::kDeploy;
  throw UsageError("unknown command '" + name + "'");
}

}  // namespace

HttpAddress parse_http_address(const std::string &text) {
  HttpAddress address;
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw UsageError("--http takes ADDR:PORT, for example 127.0.0.1:8080 or [::1]:8080");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos)
      throw UsageError("--http takes ADDR:PORT, for example 127.0.0.1:8080");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) throw UsageError("--http needs an address, for example 127.0.0.1:8080");
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
    throw UsageError("--http: '" + port + "' is not a port number");
  address.host = host;
  address.port = std::stoi(port);
  return address;
}

Options parse_command_line(const std::vector<std::string> &args) {
  Options o;
  if (args.empty())
    throw UsageError("no command given (run, check, list, show, token, sessions, help)");
  size_t i = 0;
  const std::string &first = args[0];
  if (first == "-h" || first == "--help") return o;
  if (first == "-V" || first == "--version") {
    o.command = Options::Command::kVersion;
    return o;
  }
  if (first == "help") {
    if (args.size() > 2) throw UsageError("help takes at most one command");
    if (args.size() == 2) {
      command_named(args[1]);
      o.help_topic = args[1];
    }
    return o;
  }
  if (!first.empty() && first[0] == '-') throw UsageError("unknown option '" + first + "'");
  o.command = command_named(first);
  i = 1;
  // deploy reads its own options (deploy/deploy_options.h).
  if (o.command == Options::Command::kDeploy) {
    for (const std::string &a : args)
      if (a == "-h" || a == "--help") {
        o.help_topic = first;
        o.command = Options::Command::kHelp;
        return o;
      }
    o.deploy_args.assign(args.begin() + 1, args.end());
    return o;
  }

  const bool takes_pipeline = o.command == Options::Command::kRun ||
                              o.command == Options::Command::kCheck ||
                              o.command == Options::Command::kShow;
  const bool takes_sets =
      o.command == Options::Command::kRun || o.command == Options::Command::kCheck;
  const bool is_run = o.command == Options::Command::kRun;
  const bool takes_token = is_run || o.command == Options::Command::kToken;
  const bool is_sessions = o.command == Options::Command::kSessions;

  for (; i < args.size(); i++) {
    const std::string &a = args[i];
    const auto value = [&]() -> std::string {
      const size_t eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    const std::string name = a.rfind("--", 0) == 0 ? a.substr(0, a.find('=')) : a;
    if (a == "-h" || a == "--help") {
      o.help_topic = first;
      o.command = Options::Command::kHelp;
      return o;
    } else if (takes_sets && (name == "-s" || name == "--set")) {
      const std::string kv = value();
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("-s takes KEY=VALUE, not '" + kv.substr(0, 40) + "'");
      o.sets.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (is_run && name == "--http") {
      o.http = parse_http_address(value());
    } else if (is_run && a == "--no-http") {
      o.http.reset();
    } else if ((is_run || is_sessions) && name == "--sessions-dir") {
      o.sessions_dir = value();
      if (o.sessions_dir.empty()) throw UsageError("--sessions-dir needs a directory");
    } else if (is_sessions && a == "--json") {
      o.json = true;
    } else if (is_sessions && o.sessions_action.empty() && !a.empty() && a[0] != '-') {
      if (a != "list" && a != "show" && a != "delete")
        throw UsageError("sessions takes list, show ID or delete ID..., not '" + a.substr(0, 40) +
                         "'");
      o.sessions_action = a;
    } else if (is_sessions && !a.empty() && a[0] != '-') {
      o.session_ids.push_back(a);
    } else if (is_run && name == "--output-dir") {
      o.output_dir = value();
    } else if (is_run && name == "--run-dir") {
      o.run_dir = value();
      if (o.run_dir.empty()) throw UsageError("--run-dir needs a directory");
    } else if (is_run && name == "--log-format") {
      const std::string format = value();
      if (format != "text" && format != "json")
        throw UsageError("--log-format takes text or json, not '" + format.substr(0, 40) + "'");
      o.log_format = format == "json" ? Options::LogFormat::kJson : Options::LogFormat::kText;
    } else if (is_run && name == "--web-dir") {
      o.web_dir = value();
    } else if (is_run && name == "--eos-timeout") {
      o.eos_timeout = parse_seconds("--eos-timeout", value());
    } else if (is_run && name == "--status-interval") {
      o.status_interval = parse_seconds("--status-interval", value());
    } else if (takes_token && name == "--token-file") {
      o.token_file = value();
      if (o.token_file.empty()) throw UsageError("--token-file needs a file name");
    } else if (is_run && name == "--control") {
      const std::string channel = value();
      if (channel != "stdin")
        throw UsageError("--control takes 'stdin' (use --control-socket PATH for a socket)");
      o.control_stdin = true;
    } else if (is_run && name == "--control-socket") {
      o.control_socket = value();
      if (o.control_socket.empty()) throw UsageError("--control-socket needs a path");
    } else if (is_run && name == "--allow-origin") {
      const std::string origin = value();
      if (!is_one_allowed_origin(origin))
        throw UsageError(
            "--allow-origin takes one origin such as https://example.com or "
            "http://127.0.0.1:8081, or *, not '" +
            origin.substr(0, 60) + "'");
      o.allow_origins.push_back(origin);
    } else if (o.command == Options::Command::kShow && (name == "-s" || name == "--set")) {
      throw UsageError(
          "show takes no values: 'onair check NAME -s KEY=VALUE ...' builds the pipeline "
          "with them and prints its launch line");
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option '" + a + "' for " + first);
    } else if (takes_pipeline && o.pipeline.empty()) {
      o.pipeline = a;
    } else {
      throw UsageError("unexpected argument '" + a + "'");
    }
  }
  if (takes_pipeline && o.pipeline.empty())
    throw UsageError(first + " needs a pipeline name or file");
  if (is_sessions) {
    if (o.sessions_action.empty()) throw UsageError("sessions needs list, show ID or delete ID...");
    if (o.sessions_action == "list" && !o.session_ids.empty())
      throw UsageError("sessions list takes no session id");
    if (o.sessions_action == "show" && o.session_ids.size() != 1)
      throw UsageError("sessions show takes one session id");
    if (o.sessions_action == "delete" && o.session_ids.empty())
      throw UsageError("sessions delete needs at least one session id");
    if (o.sessions_action == "delete" && o.json) throw UsageError("sessions delete has no --json");
  }
  return o;
}

std::string allow_origins_list(const Options &options) {
  std::string list;
  for (const std::string &origin : options.allow_origins)
    list += (list.empty() ? "" : ",") + origin;
  return list;
}

std::string help_text(const std::string &topic) {
  if (topic == "run") return kRunHelp;
  if (topic == "check") return kCheckHelp;
  if (topic == "list") return kListHelp;
  if (topic == "show") return kShowHelp;
  if (topic == "token") return kTokenHelp;
  if (topic == "sessions") return kSessionsHelp;
  if (topic == "deploy") return kDeployHelp;
  return kUsage;
}

}  // namespace onair::app
