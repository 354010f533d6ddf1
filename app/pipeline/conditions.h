// The @if / @else / @end lines of a pipeline body, and the lines they keep.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/pipeline_file.h"

namespace onair::app {

// One @if / @else / @end line: the directive and its condition.
struct Directive {
  std::string keyword;   // "if", "else", "end"
  std::string variable;  // for "if"
  std::string op;        // "", "=" or "!="
  std::vector<std::string> values;
};

// The directive on `raw`, or nullopt for an ordinary line. Throws PipelineError.
std::optional<Directive> read_directive(const PipelineFile &file, const std::string &raw, int line);

// Whether an @if condition holds for these values.
bool holds(const Directive &d, const std::map<std::string, std::string> &values);

// The body with directive lines and the lines of untaken branches blanked.
// With no values, checks only the structure (every branch kept).
std::string select_lines(const PipelineFile &file,
                         const std::map<std::string, std::string> *values);

}  // namespace onair::app
