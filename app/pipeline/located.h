// How every message about a pipeline file starts: "FILE:LINE: ".
#pragma once

#include <string>

#include "pipeline/pipeline_file.h"

namespace onair::app {

// "FILE:LINE: message", or "FILE: message" when the line is not known (0).
inline std::string located(const std::string &path, int line, const std::string &message) {
  return line > 0 ? path + ":" + std::to_string(line) + ": " + message : path + ": " + message;
}

[[noreturn]] inline void fail(const std::string &path, int line, const std::string &message) {
  throw PipelineError(located(path, line, message));
}

}  // namespace onair::app
