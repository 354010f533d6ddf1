#include "pipeline/values.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "common/text.h"
#include "pipeline/conditions.h"
#include "pipeline/expression.h"
#include "pipeline/located.h"
#include "pipeline/placeholders.h"

namespace onair::app {

namespace {

constexpr size_t kMaxValueBytes = 4096;

}  // namespace

std::optional<double> parse_number(const std::string &text, bool integer) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  if (integer) {
    size_t start = text[0] == '-' ? 1 : 0;
    if (start == text.size()) return std::nullopt;
    for (size_t i = start; i < text.size(); i++)
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  errno = 0;
  char *end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  if (integer && std::fabs(v) > 9.0e15) return std::nullopt;
  return v;
}

std::string check_value(const Variable &var, const std::string &value) {
  if (value.size() > kMaxValueBytes)
    return "value is longer than " + std::to_string(kMaxValueBytes) + " bytes";
  if (!is_valid_utf8(value)) return "value is not valid UTF-8";
  if (has_control_chars(value)) return "value contains control characters";
  if (!var.allowed.empty() &&
      std::find(var.allowed.begin(), var.allowed.end(), value) == var.allowed.end())
    return "value must be one of: " + join(var.allowed, ", ");
  if (var.type == VarType::kInt || var.type == VarType::kNumber) {
    const bool integer = var.type == VarType::kInt;
    auto number = parse_number(value, integer);
    if (!number) return integer ? "value must be a whole number" : "value must be a number";
    std::ostringstream range;
    if (var.min && *number < *var.min) {
      range << "value must be at least " << *var.min;
      return range.str();
    }
    if (var.max && *number > *var.max) {
      range << "value must be at most " << *var.max;
      return range.str();
    }
  }
  return {};
}

std::string shown(const Variable &var, const std::string &value) {
  if (var.secret) return "(secret value)";
  return "'" + printable_excerpt(value, 60) + "'";
}

std::string as_uri(const std::string &value, const std::string &cwd) {
  // scheme "://" ... stays as it is.
  const size_t sep = value.find("://");
  if (sep != std::string::npos && sep > 0 && std::isalpha(static_cast<unsigned char>(value[0])) &&
      std::all_of(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(sep), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      }))
    return value;
  if (value.empty()) return value;
  const std::string path = value[0] == '/' ? value : cwd + (cwd.ends_with('/') ? "" : "/") + value;
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::map<std::string, std::string> resolve_values(const PipelineFile &file,
                                                  const std::map<std::string, std::string> &given,
                                                  const std::string &cwd) {
  for (const auto &[key, value] : given) {
    if (file.find(key)) continue;
    std::vector<std::string> names;
    for (const Variable &v : file.variables) names.push_back(v.name);
    const std::string known = names.empty() ? "it has none" : "it has: " + join(names, ", ");
    fail(file.path, 0,
         "unknown variable '" + printable_excerpt(key, 40) + "' for pipeline '" + file.name +
             "' (" + known + ")");
  }
  std::map<std::string, std::string> values;
  for (const Variable &v : file.variables) {
    auto it = given.find(v.name);
    if (it == given.end()) {
      if (v.required)
        fail(file.path, v.line,
             "variable '" + v.name + "' is required: pass -s " + v.name + "=VALUE");
      values[v.name] = v.default_value.value_or("");
      continue;
    }
    const std::string why = check_value(v, it->second);
    if (!why.empty())
      fail(file.path, v.line, "variable '" + v.name + "': " + shown(v, it->second) + ": " + why);
    values[v.name] = v.type == VarType::kUri ? as_uri(it->second, cwd) : it->second;
  }
  // Presets fill in what the run did not give, over the defaults.
  for (const Preset &p : file.presets) {
    if (values[p.variable] != p.value) continue;
    for (const auto &[name, value] : p.assignments)
      if (!given.count(name)) values[name] = value;
  }
  for (const Check &c : file.checks) {
    if (!c.condition.empty() && !holds(*read_directive(file, "@if " + c.condition, c.line), values))
      continue;
    const Comparison cmp = split_comparison(c.expression);
    const double left = evaluate_with(file, cmp.left, values, c.line);
    const double right = evaluate_with(file, cmp.right, values, c.line);
    if (!compare(left, cmp.op, right))
      fail(file.path, c.line,
           c.message + " (" + trim(cmp.left) + " is " + format_number(left) + ", must be " +
               cmp.op + " " + format_number(right) + ")");
  }
  return values;
}

}  // namespace onair::app
