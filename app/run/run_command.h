// "onair run": builds the pipeline in a fresh run directory, starts the
// services that control it, and runs it until it ends.
#pragma once

#include "cli/cli.h"
#include "pipeline/catalog.h"

namespace onair::app {

// Returns the exit code (0 clean, 1 runtime error). Throws UserError.
int command_run(const Locations &where, const Options &options);

}  // namespace onair::app
