// onair: runs live broadcasting pipelines described in pipeline files.
#include <gst/gst.h>
#include <glib/gstdio.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/catalog.h"
#include "cli/cli.h"
#include "run/console.h"
#include "run/elements.h"
#include "common/json_string.h"
#include "common/redactor.h"
#include "run/gst_log.h"
#include "pipeline/expression.h"
#include "onair/gst_ptr.h"
#include "pipeline/expansion.h"
#include "pipeline/launch_errors.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/values.h"
#include "run/runner.h"
#include "run/status.h"
#include "http/token.h"
#ifdef ONAIR_HAVE_HTTP
#include <csignal>

#include <libsoup/soup.h>

#include "control/channels.h"
#include "control/control_service.h"
#include "control/replies.h"
#include "control/scheduled_commands.h"
#include "http/server.h"
#include "control/output_control.h"
#include "control/overlay_control.h"
#endif

namespace onair::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

// Values given with -s: later ones win; secret sources are read here.
std::map<std::string, std::string> given_values(const PipelineFile &file, const Options &options,
                                                Console &console) {
  std::map<std::string, std::string> given;
  for (const auto &[key, value] : options.sets) given[key] = value;
  for (auto &[key, value] : given) {
    const Variable *var = file.find(key);
    if (!var || !var->secret) continue;
    const bool from_source = value.rfind("env:", 0) == 0 || value.rfind("@", 0) == 0;
    value = read_secret_source(file, *var, value);
    if (!from_source)
      console.warn("secret variable '" + key +
                   "' given on the command line, where other users can see it; use -s " + key +
                   "=env:NAME or -s " + key + "=@FILE");
  }
  return given;
}

Redactor redactor_for(const PipelineFile &file, const std::map<std::string, std::string> &values) {
  Redactor redact;
  for (const Variable &v : file.variables)
    if (v.secret) {
      auto it = values.find(v.name);
      if (it != values.end()) redact.add(it->second);
    }
  return redact;
}

LaunchError launch_error_kind(const GError *error) {
  if (error->domain != GST_PARSE_ERROR) return LaunchError::kOther;
  switch (error->code) {
    case GST_PARSE_ERROR_SYNTAX:
      return LaunchError::kSyntax;
    case GST_PARSE_ERROR_NO_SUCH_ELEMENT:
      return LaunchError::kNoSuchElement;
    case GST_PARSE_ERROR_NO_SUCH_PROPERTY:
      return LaunchError::kNoSuchProperty;
    case GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY:
      return LaunchError::kBadPropertyValue;
    default:
      return LaunchError::kOther;
  }
}

// Builds the pipeline; a parse error names the file and, where it can, the
// line and the variable (explain_launch_error).
ElementPtr build_pipeline(const PipelineFile &file, const std::string &launch) {
  GError *raw = nullptr;
  GstElement *pipeline = gst_parse_launch_full(
      launch.c_str(), nullptr, static_cast<GstParseFlags>(GST_PARSE_FLAG_FATAL_ERRORS), &raw);
  ErrorPtr error(raw);
  if (error) {
    if (pipeline) gst_object_unref(pipeline);
    throw PipelineError(
        explain_launch_error(file, launch, launch_error_kind(error.get()), error->message));
  }
  if (!GST_IS_PIPELINE(pipeline)) {
    // A single element: put it in a pipeline so it has a bus and a clock.
    GstElement *bin = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(bin), pipeline);
    pipeline = bin;
  }
  return ElementPtr(pipeline);
}

std::string make_run_dir(const Options &options, const std::string &name) {
  std::string base = options.output_dir;
  if (base.empty()) {
    gchar *p = g_build_filename(g_get_user_data_dir(), "onair", "runs", nullptr);
    base = p;
    g_free(p);
  }
  if (g_mkdir_with_parents(base.c_str(), 0755) != 0)
    throw PipelineError("cannot create output directory '" + base + "': " + g_strerror(errno));
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  for (int n = 1; n < 1000; n++) {
    std::string dir = base + "/" + name + "-" + stamp + (n > 1 ? "-" + std::to_string(n) : "");
    if (g_mkdir(dir.c_str(), 0755) == 0) return dir;
    if (errno != EEXIST)
      throw PipelineError("cannot create run directory '" + dir + "': " + g_strerror(errno));
  }
  throw PipelineError("cannot create a run directory in '" + base + "'");
}

// Removes the run directory when the run left nothing in it.
void drop_if_empty(const std::string &dir) {
  if (!dir.empty()) g_rmdir(dir.c_str());
}

struct Prepared {
  PipelineFile file;
  std::map<std::string, std::string> values;
  Redactor redact;
};

Prepared prepare(const Locations &where, const Options &options, Console &console) {
  Prepared p;
  p.file = load_pipeline(locate_pipeline(where, options.pipeline));
  gchar *cwd = g_get_current_dir();
  const std::string here = cwd;
  g_free(cwd);
  p.values = resolve_values(p.file, given_values(p.file, options, console), here);
  p.redact = redactor_for(p.file, p.values);
  hide_in_gst_log(p.redact);
  return p;
}

std::string token_path(const Options &options) {
  return options.token_file.empty() ? default_token_path(g_get_user_config_dir())
                                    : options.token_file;
}

int command_run(const Locations &where, const Options &options) {
  Redactor no_secrets;
  Console early(no_secrets);
  Prepared p = prepare(where, options, early);
  Console console(p.redact);

  std::string run_dir = make_run_dir(options, p.file.name);
  try {
    p.values["run_dir"] = run_dir;
    p.values["web_dir"] = where.web_dir;
    ElementPtr pipeline = build_pipeline(p.file, expand(p.file, p.values));
    // Nothing in the app feeds an appsrc: such a pipeline would wait forever.
    if (const auto sources = elements_made_by(pipeline.get(), "appsrc"); !sources.empty())
      throw PipelineError(p.file.path + ": appsrc '" + sources.begin()->first +
                          "' waits for a program to push data, which 'onair run' cannot do; "
                          "source=app is for embedding (docs/embedding.md), 'onair check' "
                          "shows its launch line");

    Status identity;
    identity.pipeline = p.file.name;
    identity.description = p.file.description;
    identity.run_dir = run_dir;
    Runner runner(
        pipeline.get(), identity, console,
        RunnerSettings{options.eos_timeout, options.status_interval, p.file.finish_on_interrupt});

#ifdef ONAIR_HAVE_HTTP
    // Every control channel goes through one service and one rate limit.
    OverlayControl overlays(pipeline.get());
    ControlService control(
        [&](const ControlCommand &c) {
          if (c.kind == CommandKind::kReconnect)
            reconnect_outputs(pipeline.get(), c.output);
          else
            overlays.apply(c);
        },
        [] { return static_cast<double>(g_get_monotonic_time()) / 1e6; }, RateLimiter(), &p.redact);
    ScheduledCommands schedule(control, console, p.file);
    runner.on_playing([&] { schedule.start(); });

    std::string token_file;
    std::optional<HttpServer> server;
    if (options.http) {
      token_file = token_path(options);
      const std::string token = load_or_create_token(token_file);
      p.redact.add(token);
      hide_in_gst_log(p.redact);
      HttpRoutes routes;
      routes.web_dir = where.web_dir;
      routes.vendor_dirs = where.vendor_dirs;
      routes.hls_dir = run_dir;
      routes.status_json = [&] { return status_json(redacted(runner.status(), p.redact)); };
      routes.metrics = [&] { return metrics_text(redacted(runner.status(), p.redact)); };
      routes.token = token;
      routes.overlay_command = [&](CommandKind kind, std::string_view body, bool empty_ok) {
        return control.http(kind, body, empty_ok);
      };
      routes.overlays_json = [&] {
        std::vector<OverlayInfo> list = overlays.list();
        for (OverlayInfo &o : list) {
          o.name = p.redact(o.name);
          o.status = p.redact(o.status);
        }
        return overlays_json(list);
      };
      server.emplace(std::move(routes));
      server->listen(*options.http);
      // webstreamsink elements serve their paths on this server (GstBin passes
      // the context to every element, also those added later).
      GstContext *context = gst_context_new("onair.soup-server", TRUE);
      gst_structure_set(gst_context_writable_structure(context), "server", SOUP_TYPE_SERVER,
                        server->soup_server(), nullptr);
      gst_element_set_context(pipeline.get(), context);
      gst_context_unref(context);
    }
    std::optional<LineChannels> channels;
    if (options.control_stdin || !options.control_socket.empty()) {
      channels.emplace(control, console);
      if (!options.control_socket.empty()) channels->listen(options.control_socket);
      if (options.control_stdin) {
        std::signal(SIGPIPE, SIG_IGN);  // a reader that went away is an error, not an end
        channels->read_stdin();
      }
    }
#else
    if (options.http)
      throw PipelineError("this onair was built without the web server; use --no-http");
    if (options.control_stdin || !options.control_socket.empty())
      throw PipelineError("this onair was built without the control API (json-glib)");
#endif

    console.info("pipeline '" + p.file.name + "'" +
                 (p.file.description.empty() ? "" : ": " + p.file.description));
    console.info("output: " + run_dir);
#ifdef ONAIR_HAVE_HTTP
    if (server) {
      console.info("open " + server->url());
      console.info("control API: " + server->url() + "api/overlay (token in " + token_file +
                   "; 'onair token' prints it)");
    }
    if (!options.control_socket.empty()) console.info("control socket: " + options.control_socket);
    if (options.control_stdin) console.info("control: reading commands from standard input");
#endif
    const int code = runner.run();
    drop_if_empty(run_dir);
    return code;
  } catch (const PipelineError &e) {
    drop_if_empty(run_dir);
    throw PipelineError(p.redact(e.what()));
  } catch (...) {
    drop_if_empty(run_dir);
    throw;
  }
}

// Properties that differ from their defaults, as "name=value".
std::vector<std::string> changed_properties(GstElement *element) {
  std::vector<std::string> out;
  guint n = 0;
  GParamSpec **specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(element), &n);
  for (guint i = 0; i < n; i++) {
    GParamSpec *spec = specs[i];
    const bool rw = (spec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE;
    if (!rw || (spec->flags & G_PARAM_DEPRECATED) || g_str_equal(spec->name, "name") ||
        G_TYPE_IS_OBJECT(spec->value_type))
      continue;
    GValue value = G_VALUE_INIT;
    g_value_init(&value, spec->value_type);
    g_object_get_property(G_OBJECT(element), spec->name, &value);
    if (!g_param_value_defaults(spec, &value)) {
      if (G_VALUE_HOLDS_STRING(&value)) {
        const gchar *text = g_value_get_string(&value);
        out.push_back(std::string(spec->name) + "=" + json_string(text ? text : ""));
      } else if (CharPtr text(gst_value_serialize(&value)); text) {
        out.push_back(std::string(spec->name) + "=" + text.get());
      }
    }
    g_value_unset(&value);
  }
  g_free(specs);
  return out;
}

int command_check(const Locations &where, const Options &options) {
  Redactor no_secrets;
  Console early(no_secrets);
  Prepared p = prepare(where, options, early);
  gchar *tmp = g_build_filename(g_get_tmp_dir(), "onair-check", nullptr);
  p.values["run_dir"] = tmp;
  p.values["web_dir"] = where.web_dir;
  g_free(tmp);
  ElementPtr pipeline;
  try {
    pipeline = build_pipeline(p.file, expand(p.file, p.values));
  } catch (const PipelineError &e) {
    throw PipelineError(p.redact(e.what()));
  }

  // Sources first: the sorted iterator walks from the sinks upstream.
  std::vector<std::string> lines;
  GstIterator *it = gst_bin_iterate_sorted(GST_BIN(pipeline.get()));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto *element = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory *factory = gst_element_get_factory(element);
    std::string line = std::string(GST_ELEMENT_NAME(element)) + " (" +
                       (factory ? GST_OBJECT_NAME(factory) : "bin") + ")";
    for (const std::string &prop : changed_properties(element)) line += "\n    " + prop;
    lines.insert(lines.begin(), line);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);

  std::printf("%s: pipeline builds with %zu elements\n", p.file.path.c_str(), lines.size());
  for (const std::string &line : lines) std::printf("  %s\n", p.redact(line).c_str());
  return kExitOk;
}

int command_list(const Locations &where) {
  const std::vector<PipelineRef> refs = list_pipelines(where);
  if (refs.empty()) {
    std::printf("no pipelines found\n");
    return kExitOk;
  }
  for (const PipelineRef &ref : refs) {
    std::string description;
    try {
      description = load_pipeline(ref).description;
    } catch (const PipelineError &e) {
      description = std::string("(invalid: ") + e.what() + ")";
    }
    std::printf("%-16s %s\n", ref.stem.c_str(), description.c_str());
  }
  return kExitOk;
}

int command_show(const Locations &where, const Options &options) {
  const PipelineRef ref = locate_pipeline(where, options.pipeline);
  const PipelineFile file = load_pipeline(ref);
  std::printf("%s\n  %s\n  file: %s\n\n", file.name.c_str(), file.description.c_str(),
              file.path.c_str());
  if (file.variables.empty())
    std::printf("variables: none\n");
  else
    std::printf("variables:\n");
  for (const Variable &v : file.variables) {
    std::string line = "  " + v.name;
    if (v.secret) line += " (secret)";
    if (v.required) line += " (required)";
    if (v.default_value) line += " default=" + (v.secret ? std::string("***") : *v.default_value);
    if (v.type == VarType::kInt) line += " type=int";
    if (v.type == VarType::kNumber) line += " type=number";
    if (v.type == VarType::kUri) line += " type=uri";
    if (!v.allowed.empty()) {
      line += " allowed=";
      for (size_t i = 0; i < v.allowed.size(); i++) line += (i ? "," : "") + v.allowed[i];
    }
    std::printf("%s\n", line.c_str());
    if (!v.help.empty()) std::printf("      %s\n", v.help.c_str());
  }
  if (!file.presets.empty()) std::printf("\npresets:\n");
  for (const Preset &preset : file.presets) {
    std::string line = "  " + preset.variable + "=" + preset.value + ":";
    for (const auto &[name, value] : preset.assignments) line += " " + name + "=" + value;
    std::printf("%s\n", line.c_str());
  }
  if (!file.schedule.empty()) std::printf("\nscheduled commands:\n");
  for (const ScheduledCommand &s : file.schedule) {
    std::string when = "at " + format_number(s.at);
    if (s.every > 0) when += " every " + format_number(s.every);
    std::printf("  %s: %s\n", when.c_str(), s.command.c_str());
  }
  if (!file.checks.empty()) std::printf("\nchecks:\n");
  for (const Check &check : file.checks) {
    const std::string condition = check.condition.empty() ? "" : "if " + check.condition + ": ";
    std::printf("  %s%s  (%s)\n", condition.c_str(), check.expression.c_str(),
                check.message.c_str());
  }
  std::printf("\npipeline:\n%s", file.body.c_str());
  return kExitOk;
}

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
      try {
        std::printf("%s\n", load_or_create_token(token_path(options)).c_str());
      } catch (const TokenError &e) {
        std::fprintf(stderr, "onair: %s\n", e.what());
        return kExitUsage;
      }
      return kExitOk;
    case Options::Command::kVersion:
      guint major, minor, micro, nano;
      gst_version(&major, &minor, &micro, &nano);
      std::printf("onair %s (GStreamer %u.%u.%u)\n", ONAIR_VERSION, major, minor, micro);
      return kExitOk;
    default:
      break;
  }

  const Locations where = find_locations(options.web_dir);
  gst_init(nullptr, nullptr);
  install_gst_log();
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
      default:
        return kExitUsage;
    }
  } catch (const PipelineError &e) {
    std::fprintf(stderr, "onair: %s\n", e.what());
    return kExitUsage;
  } catch (const TokenError &e) {
    std::fprintf(stderr, "onair: %s\n", e.what());
    return kExitUsage;
#ifdef ONAIR_HAVE_HTTP
  } catch (const HttpError &e) {
    std::fprintf(stderr, "onair: %s\n", e.what());
    return kExitUsage;
  } catch (const ChannelError &e) {
    std::fprintf(stderr, "onair: %s\n", e.what());
    return kExitUsage;
#endif
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
