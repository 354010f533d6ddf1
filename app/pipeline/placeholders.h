// The ${...} placeholders of a pipeline body: a variable's name, or
// arithmetic on numeric variables (${fps * 2}).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "pipeline/pipeline_file.h"

namespace onair::app {

// Lowercase letters, digits and '_', not starting with a digit.
bool is_valid_name(const std::string &name);

struct Placeholder {
  size_t begin;            // index of '$'
  size_t end;              // one past '}'
  std::string name;        // variable name; empty for "$$" and for expressions
  std::string expression;  // arithmetic such as "fps * 2"
};

// Reads the placeholder starting at text[i] == '$'. Throws PipelineError.
Placeholder read_placeholder(const PipelineFile &file, const std::string &text, size_t i, int line);

// Checks an expression's syntax and that it names only numeric variables;
// returns the names it uses.
std::vector<std::string> validate_expression(const PipelineFile &file, const std::string &expr,
                                             int line);

// The expression's value with these values. Throws PipelineError.
double evaluate_with(const PipelineFile &file, const std::string &expr,
                     const std::map<std::string, std::string> &values, int line);

}  // namespace onair::app
