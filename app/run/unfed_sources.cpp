#include "run/unfed_sources.h"

#include "run/elements.h"

namespace onair::app {

namespace {

std::string location_of(GstElement *feedsrc) {
  gchar *raw = nullptr;
  g_object_get(feedsrc, "location", &raw, nullptr);
  std::string location = raw ? raw : "";
  g_free(raw);
  return location;
}

bool reads_stdin(const std::string &location) {
  return location == "-" || location == "stdin" || location == "fd:0";
}

}  // namespace

void refuse_sources_nobody_feeds(GstElement *pipeline, const PipelineFile &file,
                                 bool control_stdin) {
  if (const auto sources = elements_made_by(pipeline, "appsrc"); !sources.empty())
    throw PipelineError(file.path + ": appsrc '" + sources.begin()->first +
                        "' waits for a program to push data, which 'onair run' cannot do; "
                        "source=app is for embedding (docs/embedding.md), source=pipe takes "
                        "frames from another process (docs/bots.md)");
  std::string on_stdin;
  for (const auto &[name, element] : elements_made_by(pipeline, "feedsrc")) {
    const std::string location = location_of(element.get());
    if (location.empty())
      throw PipelineError(file.path + ": feedsrc '" + name +
                          "' has no location, so only a program embedding the pipeline can "
                          "feed it, which 'onair run' cannot do; source=pipe takes frames from "
                          "another process (docs/bots.md), source=app is for embedding "
                          "(docs/embedding.md)");
    if (!reads_stdin(location)) continue;
    if (control_stdin)
      throw PipelineError("feedsrc '" + name +
                          "' reads standard input, so commands cannot come on it too: use "
                          "--control-socket or the HTTP API instead of --control stdin");
    if (!on_stdin.empty())
      throw PipelineError("feedsrc '" + on_stdin + "' and '" + name +
                          "' both read standard input; give one of them another input "
                          "(unix:PATH or a named pipe)");
    on_stdin = name;
  }
}

}  // namespace onair::app
