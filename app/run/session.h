// One run of a pipeline file, the one path `onair run` and the embedding
// library (embed/) both take, so the two cannot drift: the file with the run's
// values (secret sources read, secrets hidden), a fresh run directory, the
// built pipeline; then the services the options ask for and the supervision.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "common/redactor.h"
#include "onair/gst_ptr.h"
#include "pipeline/catalog.h"
#include "pipeline/pipeline_file.h"
#include "run/console.h"
#include "run/launch.h"
#include "run/status.h"
#include "run/stop_requests.h"
#include "sessions/session_store.h"

namespace onair::app {

class RunSession {
 public:
  // Loads the file `options.pipeline` names with its -s values (a warning,
  // such as a secret given in plain sight, goes to `console`), makes the run
  // directory in `options.output_dir` and builds the pipeline. Throws
  // PipelineError, secrets hidden. A pipeline with a `session_dir` variable
  // records a session: its directory (new, or -s resume=ID) is the run
  // directory, and the app gives `session_dir` and `segment_start`.
  RunSession(Locations where, const Options &options, Console &console);
  // Removes the run directory when nothing was written to it.
  ~RunSession();
  RunSession(const RunSession &) = delete;
  RunSession &operator=(const RunSession &) = delete;

  const PipelineFile &file() const { return prepared_.file; }
  // The run's secrets; the API token joins them once the web server starts.
  Redactor &redact() { return prepared_.redact; }
  const std::vector<std::string> &warnings() const { return prepared_.warnings; }
  const std::string &run_dir() const { return run_dir_; }
  // The expanded launch line, secrets in plain text (empty for a per-port file).
  const std::string &launch_line() const { return launch_line_; }
  GstElement *pipeline() const { return pipeline_.get(); }

  // What a run tells its caller on the way: where the web server listens
  // (empty without one) once the services started, and the pipeline's first
  // PLAYING. Both come on the thread that runs the run.
  struct Hooks {
    std::function<void(const std::string &http_url)> on_services_started;
    std::function<void()> on_playing;
  };

  // Plays the pipeline in the thread-default main context with the services
  // `options` asks for (web server, control socket, standard input) until it
  // ends or `stops` ends it; prints to `console`. Returns the exit code (0
  // clean, 1 runtime error). Throws UserError (a service cannot start).
  int run(const Options &options, Console &console, StopRequests &stops, const Hooks &hooks = {});

 private:
  // What the status says the run is: the file and the run directory.
  Status identity() const;
  // The first lines a run prints: the pipeline and where its output goes.
  void tell_start(Console &console, const std::string &output) const;
  // A "per-port: sdi" file: one pipeline per SDI port (previews/preview_manager.h).
  int run_per_port(const Options &options, Console &console, StopRequests &stops,
                   const Hooks &hooks);

  const Locations where_;
  std::optional<LiveSession> live_;  // the session a session pipeline records
  const Options options_;            // with the session's values
  PreparedRun prepared_;
  std::string run_dir_;
  std::string launch_line_;
  ElementPtr pipeline_;
};

}  // namespace onair::app
