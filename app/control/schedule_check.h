// Checking a pipeline file's scheduled commands when it is loaded.
#pragma once

#include "pipeline/pipeline_file.h"

namespace onair::app {

// Checks every scheduled command ("at ...:" lines) of a pipeline file; an app
// built without the control API refuses a file that has any. Throws
// PipelineError naming the file and line.
void check_scheduled_commands(const PipelineFile &file);

}  // namespace onair::app
