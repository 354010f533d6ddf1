#include "pipeline/expansion.h"

#include <algorithm>

#include "common/text.h"
#include "pipeline/conditions.h"
#include "pipeline/expression.h"
#include "pipeline/located.h"
#include "pipeline/placeholders.h"
#include "pipeline/values.h"

namespace onair::app {

namespace {

bool is_plain(const std::string &value) {
  if (value.empty()) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '+' || c == '-' || c == '/' || c == ':';
  });
}

std::string escape_in_quotes(const std::string &value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string expand(const PipelineFile &file, const std::map<std::string, std::string> &values) {
  const std::string b = select_lines(file, &values);
  std::string out;
  out.reserve(b.size());
  bool in_quotes = false;
  size_t token_begin = 0;  // where the current token starts in `out`
  for (size_t i = 0; i < b.size();) {
    const char c = b[i];
    if (in_quotes) {
      if (c == '\\' && i + 1 < b.size()) {
        out += b.substr(i, 2);
        i += 2;
        continue;
      }
      if (c == '"') in_quotes = false;
      if (c != '$') {
        out += c;
        i++;
        continue;
      }
    } else if (c == '"') {
      in_quotes = true;
      out += c;
      i++;
      continue;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '!') {
      out += c;
      i++;
      token_begin = out.size();
      continue;
    } else if (c != '$') {
      out += c;
      i++;
      continue;
    }

    const int line = line_at(file, i);
    const Placeholder p = read_placeholder(file, b, i, line);
    i = p.end;
    if (!p.expression.empty()) {
      out += format_number(evaluate_with(file, p.expression, values, line));
      continue;
    }
    if (p.name.empty()) {
      out += '$';
      continue;
    }
    auto it = values.find(p.name);
    if (it == values.end()) fail(file.path, line, "no value for variable '" + p.name + "'");
    const std::string &value = it->second;
    const Variable *var = file.find(p.name);

    // GStreamer reads a string property that begins with a quote as a quoted
    // (serialized) string, which would change or reject the value.
    const bool starts_property_value =
        out.size() >= 2 && out.back() == '"' && out[out.size() - 2] == '=';
    if (!value.empty() && value[0] == '"' &&
        ((in_quotes && starts_property_value) ||
         (!in_quotes && !out.empty() && out.back() == '='))) {
      const std::string what = var ? shown(*var, value) : "value";
      fail(file.path, line,
           "variable '" + p.name + "': " + what + " may not begin with a double quote here");
    }
    if (in_quotes) {
      out += escape_in_quotes(value);
      continue;
    }
    const std::string token = out.substr(token_begin);
    const size_t slash = token.find('/');
    const size_t eq = token.find('=');
    const bool caps = slash != std::string::npos && slash < std::min(eq, token.find(','));
    const bool element_position = token.empty() && !caps;
    const bool whole_property_value =
        !caps && !token.empty() && token.back() == '=' &&
        (i >= b.size() || b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '!');
    if (element_position && var && var->allowed.empty())
      fail(file.path, line,
           "variable '" + p.name + "' stands where an element goes; declare an allowed= list");
    if (is_plain(value)) {
      out += value;
    } else if (whole_property_value) {
      out += '"' + escape_in_quotes(value) + '"';
    } else {
      const std::string what = var ? shown(*var, value) : "'" + printable_excerpt(value, 60) + "'";
      fail(file.path, line,
           "variable '" + p.name + "': " + what +
               " may only contain letters, digits and _ . + - / : at this place in the "
               "pipeline");
    }
  }
  return out;
}

}  // namespace onair::app
