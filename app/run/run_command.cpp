#include "run/run_command.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <ctime>
#include <string>

#include "control/services.h"
#include "pipeline/expansion.h"
#include "run/elements.h"
#include "run/interrupts.h"
#include "run/launch.h"
#include "run/runner.h"

namespace onair::app {

namespace {

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

}  // namespace

int command_run(const Locations &where, const Options &options) {
  // First, so that no interrupt during start-up kills the app halfway.
  Interrupts interrupts;
  Redactor no_secrets;
  Console early(no_secrets);
  PreparedRun p = prepare_run(where, options, early);
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
    if (interrupts.came_early()) {
      console.info("interrupted while starting: stopped before anything ran");
      drop_if_empty(run_dir);
      return 0;
    }
    interrupts.forward_to([&runner] { runner.interrupt(); });
    const ControlServices services(
        RunContext{options, where, p.file, run_dir, pipeline.get(), runner, console, p.redact});

    console.info("pipeline '" + p.file.name + "'" +
                 (p.file.description.empty() ? "" : ": " + p.file.description));
    console.info("output: " + run_dir);
    services.announce();
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

}  // namespace onair::app
