// The commands that only read pipeline files: "onair list" and "onair show".
#pragma once

#include "cli/cli.h"
#include "pipeline/catalog.h"

namespace onair::app {

// Each returns the exit code. Throws PipelineError.
int command_list(const Locations &where);
int command_show(const Locations &where, const Options &options);

}  // namespace onair::app
