// The services that control a run from outside: the control commands (from
// the HTTP API, standard input, a Unix socket and the file's schedule) and
// the web server. Built without the control API (no json-glib or libsoup),
// the app has none of them and refuses the options that ask for one.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

#include "cli/cli.h"
#include "common/redactor.h"
#include "pipeline/catalog.h"
#include "pipeline/pipeline_file.h"
#include "run/console.h"
#include "run/supervisor.h"
#include "sessions/event_hub.h"

namespace onair::app {

class PreviewManager;

// What the services of one run work on; everything outlives them.
struct RunContext {
  const Options &options;
  const Locations &where;
  const PipelineFile &file;
  const std::string &run_dir;
  GstElement *pipeline;  // a per-port run's holds nothing: its ports run in `previews`
  RunSupervisor &runner;
  Console &console;
  Redactor &redact;                    // the API token is added to it
  EventHub *events;                    // a recording session's events (GET /api/events); null: none
  PreviewManager *previews = nullptr;  // a per-port run's SDI previews; null: none
};

class ControlServices {
 public:
  // Starts what the options ask for. Throws UserError (a port or socket in
  // use, a bad token file, or a service this build does not have).
  explicit ControlServices(const RunContext &run);
  ~ControlServices();
  ControlServices(const ControlServices &) = delete;
  ControlServices &operator=(const ControlServices &) = delete;

  // Tells on the console where each service listens.
  void announce() const;
  // Where the web server listens ("http://127.0.0.1:8080/"); empty without one.
  std::string http_url() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace onair::app
