// "onair deploy": prints the Kubernetes manifests of a channel (docs/scale.md).
#pragma once

#include "cli/cli.h"
#include "pipeline/catalog.h"

namespace onair::app {

// Returns the exit code. Throws UsageError or PipelineError, with the messages
// "onair check" gives for the same file and values.
int command_deploy(const Locations &where, const Options &options);

}  // namespace onair::app
