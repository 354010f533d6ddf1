#include "pipeline/placeholders.h"

#include <algorithm>

#include "common/text.h"
#include "pipeline/expression.h"
#include "pipeline/located.h"
#include "pipeline/values.h"

namespace onair::app {

namespace {

bool is_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || c == '_' || (!first && ((c >= '0' && c <= '9')));
}

bool is_numeric(const Variable &v) {
  return v.type == VarType::kInt || v.type == VarType::kNumber;
}

}  // namespace

bool is_valid_name(const std::string &name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); i++)
    if (!is_name_char(name[i], i == 0)) return false;
  return true;
}

// Characters a value may have where it is not quoted: none of them can end a

// Reads the placeholder starting at text[i] == '$'.
Placeholder read_placeholder(const PipelineFile &file, const std::string &text, size_t i,
                             int line) {
  if (i + 1 < text.size() && text[i + 1] == '$') return {i, i + 2, "", ""};
  if (i + 1 >= text.size() || text[i + 1] != '{')
    fail(file.path, line, "stray '$' (write ${name} for a variable, $$ for a literal $)");
  const size_t close = text.find('}', i + 2);
  if (close == std::string::npos || text.find('\n', i) < close)
    fail(file.path, line, "unterminated '${'");
  const std::string content = trim(text.substr(i + 2, close - i - 2));
  if (is_valid_name(content)) return {i, close + 1, content, ""};
  if (content.empty() ||
      content.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.+-*/() \t") !=
          std::string::npos)
    fail(file.path, line, "invalid variable name '" + printable_excerpt(content, 40) + "'");
  return {i, close + 1, "", content};
}

// Checks an expression's syntax and that it names only numeric variables;
// returns the names it uses.
std::vector<std::string> validate_expression(const PipelineFile &file, const std::string &expr,
                                             int line) {
  std::vector<std::string> names;
  try {
    evaluate(expr, [&](const std::string &name) -> std::optional<double> {
      const Variable *v = file.find(name);
      if (!v || !is_numeric(*v)) return std::nullopt;
      names.push_back(name);
      return 1.0;
    });
  } catch (const ExpressionError &e) {
    // Division by zero with every variable at 1 is still a valid expression.
    if (std::string(e.what()).find("division by zero") == std::string::npos)
      fail(file.path, line, std::string(e.what()) + " (arithmetic takes int or number variables)");
  }
  return names;
}

double evaluate_with(const PipelineFile &file, const std::string &expr,
                     const std::map<std::string, std::string> &values, int line) {
  try {
    return evaluate(expr, [&](const std::string &name) -> std::optional<double> {
      auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return parse_number(it->second, false);
    });
  } catch (const ExpressionError &e) {
    fail(file.path, line, e.what());
  }
}

// One @if / @else / @end line: the directive and its condition.
struct Directive {
  std::string keyword;   // "if", "else", "end"
  std::string variable;  // for "if"
  std::string op;        // "", "=" or "!="
  std::vector<std::string> values;
};

}  // namespace onair::app
