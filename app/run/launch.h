// From a pipeline file to a built pipeline: the values of the run (secret
// sources read, secrets registered for hiding) and GStreamer's parse of the
// expanded launch line, its errors explained in the file's terms.
#pragma once

#include <gst/gst.h>

#include <map>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "common/redactor.h"
#include "onair/gst_ptr.h"
#include "pipeline/catalog.h"
#include "pipeline/pipeline_file.h"
#include "run/console.h"

namespace onair::app {

// A pipeline file with the values of one run.
struct PreparedRun {
  PipelineFile file;
  std::map<std::string, std::string> values;
  Redactor redact;                    // the run's secrets; GStreamer's debug log hides them too
  std::vector<std::string> warnings;  // also told on the console
};

// Loads the file the options name and resolves its values. Warnings (a secret
// given in plain sight) go to `console`. Throws PipelineError.
PreparedRun prepare_run(const Locations &where, const Options &options, Console &console);

// Builds the pipeline; a parse error names the file and, where it can, the
// line and the variable (explain_launch_error). Throws PipelineError.
ElementPtr build_pipeline(const PipelineFile &file, const std::string &launch);

// The launch line as "onair check" shows it: secrets hidden, without the blank
// lines that keep the file's line numbers.
std::vector<std::string> shown_launch_lines(const std::string &launch, const Redactor &redact);

}  // namespace onair::app
