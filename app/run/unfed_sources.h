// Sources in a pipeline that wait for a program to push data: `onair run`
// has nobody to push it and refuses them; a program that embeds the pipeline
// (embed/) feeds them itself. Inputs another process writes (feedsrc with a
// location) are fine, except two readers of standard input.
#pragma once

#include <gst/gst.h>

#include "pipeline/pipeline_file.h"

namespace onair::app {

// Throws PipelineError naming the first source nobody would feed in `onair
// run` (an appsrc, a feedsrc without a location), or standard input read twice
// (by two feedsrc elements, or by one and `--control stdin`).
void refuse_sources_nobody_feeds(GstElement *pipeline, const PipelineFile &file,
                                 bool control_stdin);

}  // namespace onair::app
