#include "run/unfed_sources.h"

#include "run/elements.h"

namespace onair::app {

void refuse_sources_nobody_feeds(GstElement *pipeline, const PipelineFile &file) {
  // Nothing in the app feeds an appsrc: such a pipeline would wait forever.
  if (const auto sources = elements_made_by(pipeline, "appsrc"); !sources.empty())
    throw PipelineError(file.path + ": appsrc '" + sources.begin()->first +
                        "' waits for a program to push data, which 'onair run' cannot do; "
                        "source=app is for embedding (docs/embedding.md), 'onair check' "
                        "shows its launch line");
}

}  // namespace onair::app
