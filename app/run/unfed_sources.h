// Sources in a pipeline that wait for a program to push data: `onair run`
// has nobody to push it and refuses them; a program that embeds the pipeline
// (embed/) feeds them itself.
#pragma once

#include <gst/gst.h>

#include "pipeline/pipeline_file.h"

namespace onair::app {

// Throws PipelineError naming the first source nobody would feed in `onair run`.
void refuse_sources_nobody_feeds(GstElement *pipeline, const PipelineFile &file);

}  // namespace onair::app
