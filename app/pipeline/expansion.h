// From a pipeline file and its values to the launch line GStreamer parses.
#pragma once

#include <map>
#include <string>

#include "pipeline/pipeline_file.h"

namespace onair::app {

// Keeps the body lines whose @if conditions hold and puts values into them
// (${name}, or arithmetic such as ${fps * 2}). A value is always exactly one value: inside
// quotes it is escaped, as a property value it is quoted, and anywhere else
// (caps, element position) only plain characters are accepted.
// `values` must hold every variable and builtin the body uses.
std::string expand(const PipelineFile &file, const std::map<std::string, std::string> &values);

}  // namespace onair::app
