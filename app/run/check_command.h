// "onair check": builds the pipeline without running it and lists its
// elements with the properties the file sets.
#pragma once

#include "cli/cli.h"
#include "pipeline/catalog.h"

namespace onair::app {

// Returns the exit code. Throws PipelineError.
int command_check(const Locations &where, const Options &options);

}  // namespace onair::app
