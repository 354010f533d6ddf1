#include "pipeline/conditions.h"

#include <algorithm>
#include <sstream>

#include "common/text.h"
#include "pipeline/located.h"

namespace onair::app {

std::optional<Directive> read_directive(const PipelineFile &file, const std::string &raw,
                                        int line) {
  const std::string t = trim(raw);
  if (t.empty() || t[0] != '@') return std::nullopt;
  Directive d;
  const size_t space = t.find_first_of(" \t");
  d.keyword = t.substr(1, space == std::string::npos ? std::string::npos : space - 1);
  const std::string rest = space == std::string::npos ? "" : trim(t.substr(space));
  if (d.keyword == "else" || d.keyword == "end") {
    if (!rest.empty()) fail(file.path, line, "@" + d.keyword + " takes no condition");
    return d;
  }
  if (d.keyword != "if")
    fail(file.path, line,
         "unknown directive '@" + printable_excerpt(d.keyword, 20) + "' (@if, @else, @end)");
  const size_t ne = rest.find("!=");
  const size_t eq = rest.find('=');
  size_t split = std::string::npos;
  if (ne != std::string::npos) {
    d.op = "!=";
    split = ne;
  } else if (eq != std::string::npos) {
    d.op = "=";
    split = eq;
  }
  d.variable = trim(rest.substr(0, split));
  if (split != std::string::npos) {
    std::stringstream list(rest.substr(split + d.op.size()));
    std::string item;
    while (std::getline(list, item, ','))
      if (!trim(item).empty()) d.values.push_back(trim(item));
    if (d.values.empty()) fail(file.path, line, "@if " + d.variable + d.op + " needs values");
  }
  const Variable *var = file.find(d.variable);
  if (!var)
    fail(file.path, line, "@if: unknown variable '" + printable_excerpt(d.variable, 40) + "'");
  for (const std::string &v : d.values)
    if (!var->allowed.empty() &&
        std::find(var->allowed.begin(), var->allowed.end(), v) == var->allowed.end())
      fail(file.path, line, "@if: '" + v + "' is not an allowed value of '" + d.variable + "'");
  return d;
}

bool holds(const Directive &d, const std::map<std::string, std::string> &values) {
  auto it = values.find(d.variable);
  const std::string value = it == values.end() ? "" : it->second;
  if (d.op.empty()) return !value.empty();
  const bool listed = std::find(d.values.begin(), d.values.end(), value) != d.values.end();
  return d.op == "=" ? listed : !listed;
}

// The body with directive lines and the lines of untaken branches blanked.
// With no values, checks only the structure.
std::string select_lines(const PipelineFile &file,
                         const std::map<std::string, std::string> *values) {
  struct Branch {
    bool active;  // lines here are kept
    bool parent;  // the enclosing branch was active
    bool seen_else;
    int line;
  };
  std::vector<Branch> stack;
  std::istringstream in(file.body);
  std::string raw, out;
  int line = file.body_line;
  for (; std::getline(in, raw); line++) {
    const auto d = read_directive(file, raw, line);
    const bool active = stack.empty() || stack.back().active;
    if (!d) {
      out += (active ? raw : "") + "\n";
      continue;
    }
    out += "\n";
    if (d->keyword == "if") {
      if (stack.size() >= 16) fail(file.path, line, "@if nested too deeply");
      stack.push_back({active && (!values || holds(*d, *values)), active, false, line});
    } else if (d->keyword == "else") {
      if (stack.empty() || stack.back().seen_else) fail(file.path, line, "@else without @if");
      stack.back().seen_else = true;
      stack.back().active = stack.back().parent && (values ? !stack.back().active : true);
    } else {
      if (stack.empty()) fail(file.path, line, "@end without @if");
      stack.pop_back();
    }
  }
  if (!stack.empty()) fail(file.path, stack.back().line, "@if without @end");
  return out;
}

}  // namespace onair::app
