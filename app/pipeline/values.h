// The values of one run: what the user gave, presets and defaults, each
// checked against its declaration, then the file's checks.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "pipeline/pipeline_file.h"

namespace onair::app {

// The values of one run: those given by the user (already resolved from
// env:/@file forms), then presets, then defaults, each checked against its
// declaration; then the file's checks. Throws PipelineError naming the file,
// line and variable. `uri` values that are file paths become file:// URIs,
// relative ones below `cwd`.
std::map<std::string, std::string> resolve_values(const PipelineFile &file,
                                                  const std::map<std::string, std::string> &given,
                                                  const std::string &cwd = "/");

// A URI as it is; a file path (relative ones below `cwd`) as a file:// URI.
std::string as_uri(const std::string &value, const std::string &cwd);

// A decimal number (`integer`: digits only, with an optional '-'), or nullopt.
std::optional<double> parse_number(const std::string &text, bool integer);

// Empty when `value` is acceptable for `var`, else the reason.
std::string check_value(const Variable &var, const std::string &value);

// What a value is shown as in messages: secrets never.
std::string shown(const Variable &var, const std::string &value);

}  // namespace onair::app
