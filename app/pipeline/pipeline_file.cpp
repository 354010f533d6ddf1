#include "pipeline/pipeline_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "pipeline/conditions.h"
#include "pipeline/expression.h"
#include "pipeline/launch_lexer.h"
#include "pipeline/located.h"
#include "pipeline/placeholders.h"
#include "pipeline/values.h"
#include "common/text.h"

namespace onair::app {

namespace {

// Splits `var` attributes: key=value, key="quoted value", or a bare flag.
struct Attribute {
  std::string key;
  std::optional<std::string> value;
};

std::vector<Attribute> split_attributes(const std::string &text, const std::string &path,
                                        int line) {
  std::vector<Attribute> attrs;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) i++;
    if (i >= text.size()) break;
    Attribute attr;
    while (i < text.size() && text[i] != '=' && text[i] != ' ' && text[i] != '\t')
      attr.key += text[i++];
    if (i < text.size() && text[i] == '=') {
      i++;
      std::string value;
      if (i < text.size() && text[i] == '"') {
        i++;
        bool closed = false;
        while (i < text.size()) {
          char c = text[i++];
          if (c == '\\' && i < text.size()) {
            value += text[i++];
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value += c;
          }
        }
        if (!closed) fail(path, line, "unterminated quote in attribute '" + attr.key + "'");
      } else {
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') value += text[i++];
      }
      attr.value = value;
    }
    attrs.push_back(attr);
  }
  return attrs;
}

Variable parse_variable(const std::string &rest, const std::string &path, int line) {
  const size_t colon = rest.find(':');
  Variable var;
  var.line = line;
  var.name = trim(colon == std::string::npos ? rest : rest.substr(0, colon));
  if (!is_valid_name(var.name))
    fail(path, line,
         "invalid variable name '" + printable_excerpt(var.name, 40) +
             "' (use lowercase letters, digits and _)");
  if (std::find(builtin_variables().begin(), builtin_variables().end(), var.name) !=
      builtin_variables().end())
    fail(path, line, "variable '" + var.name + "' is set by onair and cannot be declared");
  const std::string attrs = colon == std::string::npos ? "" : rest.substr(colon + 1);
  for (const Attribute &a : split_attributes(attrs, path, line)) {
    const auto need_value = [&] {
      if (!a.value) fail(path, line, "variable '" + var.name + "': '" + a.key + "' needs a value");
      return *a.value;
    };
    if (a.key == "required" || a.key == "secret") {
      if (a.value) fail(path, line, "variable '" + var.name + "': '" + a.key + "' takes no value");
      (a.key == "required" ? var.required : var.secret) = true;
    } else if (a.key == "default") {
      var.default_value = need_value();
    } else if (a.key == "help") {
      var.help = need_value();
    } else if (a.key == "allowed") {
      std::string list = need_value();
      std::stringstream ss(list);
      std::string item;
      while (std::getline(ss, item, ',')) {
        item = trim(item);
        if (!item.empty()) var.allowed.push_back(item);
      }
      if (var.allowed.empty()) fail(path, line, "variable '" + var.name + "': empty allowed list");
    } else if (a.key == "type") {
      const std::string t = need_value();
      if (t == "string")
        var.type = VarType::kString;
      else if (t == "int")
        var.type = VarType::kInt;
      else if (t == "number")
        var.type = VarType::kNumber;
      else if (t == "uri")
        var.type = VarType::kUri;
      else
        fail(path, line,
             "variable '" + var.name + "': unknown type '" + t + "' (string, int, number or uri)");
    } else if (a.key == "min" || a.key == "max") {
      auto v = parse_number(need_value(), false);
      if (!v) fail(path, line, "variable '" + var.name + "': " + a.key + " must be a number");
      (a.key == "min" ? var.min : var.max) = v;
    } else {
      fail(path, line,
           "variable '" + var.name + "': unknown attribute '" + printable_excerpt(a.key, 40) +
               "' (default, allowed, type, min, max, help, required, secret)");
    }
  }
  if (var.required && var.default_value)
    fail(path, line, "variable '" + var.name + "' cannot be both required and have a default");
  if ((var.min || var.max) && !(var.type == VarType::kInt || var.type == VarType::kNumber))
    fail(path, line, "variable '" + var.name + "': min/max need type=int or type=number");
  if (var.default_value) {
    const std::string why = check_value(var, *var.default_value);
    if (!why.empty()) fail(path, line, "variable '" + var.name + "': default " + why);
  }
  return var;
}

Preset parse_preset(const std::string &rest, const std::string &path, int line) {
  Preset preset;
  preset.line = line;
  const size_t colon = rest.find(':');
  const std::string condition = trim(rest.substr(0, colon));
  const size_t eq = condition.find('=');
  if (colon == std::string::npos || eq == std::string::npos)
    fail(path, line, "preset takes 'preset VARIABLE=VALUE: name=value ...'");
  preset.variable = trim(condition.substr(0, eq));
  preset.value = trim(condition.substr(eq + 1));
  for (const Attribute &a : split_attributes(rest.substr(colon + 1), path, line)) {
    if (!a.value) fail(path, line, "preset: '" + a.key + "' needs a value (name=value)");
    preset.assignments.emplace_back(a.key, *a.value);
  }
  if (preset.assignments.empty()) fail(path, line, "preset sets nothing");
  return preset;
}

Check parse_check(const std::string &text, const std::string &path, int line) {
  std::string rest = text;
  std::string condition;
  if (rest.rfind("if ", 0) == 0) {
    const size_t colon = rest.find(':');
    if (colon == std::string::npos)
      fail(path, line, "check takes 'check if CONDITION: EXPRESSION: message'");
    condition = trim(rest.substr(3, colon - 3));
    rest = rest.substr(colon + 1);
  }
  const size_t colon = rest.find(':');
  if (colon == std::string::npos) fail(path, line, "check takes 'check EXPRESSION: message'");
  Check check{condition, trim(rest.substr(0, colon)), trim(rest.substr(colon + 1)), line};
  if (check.message.empty()) fail(path, line, "check needs a message after ':'");
  return check;
}

// "at SECONDS [every SECONDS]: COMMAND", given what follows "at ".
ScheduledCommand parse_schedule(const std::string &rest, const std::string &path, int line) {
  const char *usage = "takes 'at SECONDS [every SECONDS]: {\"cmd\":...}'";
  const size_t colon = rest.find(':');
  if (colon == std::string::npos) fail(path, line, std::string("at ") + usage);
  std::istringstream timing(rest.substr(0, colon));
  std::vector<std::string> words;
  for (std::string w; timing >> w;) words.push_back(w);
  if (words.size() != 1 && !(words.size() == 3 && words[1] == "every"))
    fail(path, line, std::string("at ") + usage);
  const auto seconds = [&](const std::string &text, const char *what, double min) {
    const auto v = parse_number(text, false);
    if (!v || *v < min || *v > kMaxScheduleSeconds) {
      std::ostringstream range;
      range << what << " takes a number of seconds from " << min << " to " << kMaxScheduleSeconds
            << ", not '" << printable_excerpt(text, 20) << "'";
      fail(path, line, range.str());
    }
    return *v;
  };
  ScheduledCommand s;
  s.line = line;
  s.at = seconds(words[0], "at", 0);
  if (words.size() == 3) s.every = seconds(words[2], "every", kMinScheduleInterval);
  s.command = trim(rest.substr(colon + 1));
  if (s.command.empty()) fail(path, line, "at: no command after ':'");
  return s;
}

void validate_presets_and_checks(const PipelineFile &file) {
  for (const Preset &p : file.presets) {
    const Variable *choice = file.find(p.variable);
    if (!choice) fail(file.path, p.line, "preset: unknown variable '" + p.variable + "'");
    if (std::find(choice->allowed.begin(), choice->allowed.end(), p.value) == choice->allowed.end())
      fail(file.path, p.line,
           "preset: '" + p.value + "' is not an allowed value of '" + p.variable + "'");
    for (const auto &[name, value] : p.assignments) {
      const Variable *target = file.find(name);
      if (!target) fail(file.path, p.line, "preset: unknown variable '" + name + "'");
      if (name == p.variable) fail(file.path, p.line, "preset: '" + name + "' sets itself");
      const std::string why = check_value(*target, value);
      if (!why.empty()) fail(file.path, p.line, "preset: variable '" + name + "': " + why);
    }
  }
  for (const Check &c : file.checks) {
    if (!c.condition.empty()) read_directive(file, "@if " + c.condition, c.line);
    try {
      const Comparison cmp = split_comparison(c.expression);
      validate_expression(file, cmp.left, c.line);
      validate_expression(file, cmp.right, c.line);
    } catch (const ExpressionError &e) {
      fail(file.path, c.line, e.what());
    }
  }
}

}  // namespace

int line_at(const PipelineFile &file, size_t index) {
  return file.body_line +
         static_cast<int>(std::count(file.body.begin(), file.body.begin() + index, '\n'));
}

const Variable *PipelineFile::find(const std::string &var_name) const {
  for (const Variable &v : variables)
    if (v.name == var_name) return &v;
  return nullptr;
}

PipelineFile parse_pipeline_file(const std::string &text, const std::string &path,
                                 const std::string &stem) {
  PipelineFile file;
  file.path = path;
  if (text.size() > 1024 * 1024) fail(path, 0, "file is larger than 1 MiB");
  if (!is_valid_utf8(text)) fail(path, 0, "file is not valid UTF-8");

  std::istringstream in(text);
  std::string raw;
  int line = 0;
  bool in_body = false;
  while (std::getline(in, raw)) {
    line++;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (in_body) {
      const std::string t = trim(raw);
      file.body += (t.empty() || t[0] == '#') ? "" : raw;
      file.body += '\n';
      continue;
    }
    const std::string t = trim(raw);
    if (t.empty() || t[0] == '#') continue;
    if (t == "---") {
      in_body = true;
      file.body_line = line + 1;
      continue;
    }
    if (t.rfind("preset ", 0) == 0) {
      file.presets.push_back(parse_preset(t.substr(7), path, line));
      continue;
    }
    if (t.rfind("check ", 0) == 0) {
      file.checks.push_back(parse_check(t.substr(6), path, line));
      continue;
    }
    if (t.rfind("at ", 0) == 0) {
      file.schedule.push_back(parse_schedule(t.substr(3), path, line));
      continue;
    }
    if (t.rfind("var ", 0) == 0) {
      Variable var = parse_variable(t.substr(4), path, line);
      if (file.find(var.name)) fail(path, line, "variable '" + var.name + "' declared twice");
      file.variables.push_back(var);
      continue;
    }
    const size_t colon = t.find(':');
    const std::string key = colon == std::string::npos ? t : trim(t.substr(0, colon));
    const std::string value = colon == std::string::npos ? "" : trim(t.substr(colon + 1));
    if (key == "name") {
      file.name = value;
    } else if (key == "description") {
      file.description = value;
    } else if (key == "on-interrupt") {
      if (value != "finish" && value != "stop")
        fail(path, line,
             "on-interrupt takes 'finish' or 'stop', not '" + printable_excerpt(value, 20) + "'");
      file.finish_on_interrupt = value == "finish";
    } else if (key == "page") {
      // A path on the app's own server, never another site.
      if (value.empty() || value[0] != '/' || value.rfind("//", 0) == 0 ||
          value.find_first_of(" \t\"<>") != std::string::npos)
        fail(path, line,
             "page takes a path starting with '/', not '" + printable_excerpt(value, 40) + "'");
      file.page = value;
    } else if (key == "per-port") {
      if (value != "sdi")
        fail(path, line, "per-port takes 'sdi', not '" + printable_excerpt(value, 20) + "'");
      file.per_port = true;
    } else if (key == "simulated-cards") {
      if (value.empty()) fail(path, line, "simulated-cards needs a scenario");
      file.simulated_cards = value;
    } else {
      fail(path, line,
           "unknown header line '" + printable_excerpt(t, 40) +
               "' (expected name:, description:, on-interrupt:, page:, per-port:, "
               "simulated-cards:, var, preset, check, at or ---)");
    }
  }
  if (!in_body) fail(path, 0, "no '---' line separating the header from the pipeline");
  if (file.name.empty()) fail(path, 0, "the header has no 'name:'");
  if (file.name != stem)
    fail(path, 0, "name '" + file.name + "' does not match the file name '" + stem + ".pipeline'");
  if (trim(file.body).empty()) fail(path, file.body_line, "the pipeline is empty");

  validate_presets_and_checks(file);
  // Directive structure; then quotes: with one never closed, expand() would
  // read the rest of the body as quoted where GStreamer does not.
  const std::string shape = select_lines(file, nullptr);
  if (const auto open = scan_launch(shape, true).open_quote)
    fail(path, Lines(shape, file.body_line).at(*open), "syntax error: unterminated quote");

  // Every placeholder names a known variable; every variable is used.
  std::vector<std::string> used;
  std::vector<std::string> builtins = builtin_variables();
  if (file.per_port)
    builtins.insert(builtins.end(), per_port_variables().begin(), per_port_variables().end());
  for (size_t i = file.body.find('$'); i != std::string::npos; i = file.body.find('$', i)) {
    const int at = line_at(file, i);
    const Placeholder p = read_placeholder(file, file.body, i, at);
    if (!p.name.empty()) {
      if (!file.find(p.name) &&
          std::find(builtins.begin(), builtins.end(), p.name) == builtins.end())
        fail(path, at, "unknown variable '" + p.name + "' (declare it: var " + p.name + ": ...)");
      used.push_back(p.name);
    } else if (!p.expression.empty()) {
      for (const std::string &n : validate_expression(file, p.expression, at)) used.push_back(n);
    }
    i = p.end;
  }
  {
    std::istringstream in(file.body);
    std::string raw;
    for (int at = file.body_line; std::getline(in, raw); at++)
      if (auto d = read_directive(file, raw, at)) used.push_back(d->variable);
  }
  for (const Preset &p : file.presets) used.push_back(p.variable);
  for (const Check &c : file.checks) {
    if (!c.condition.empty())
      used.push_back(read_directive(file, "@if " + c.condition, c.line)->variable);
    const Comparison cmp = split_comparison(c.expression);
    for (const std::string *side : {&cmp.left, &cmp.right})
      for (const std::string &n : validate_expression(file, *side, c.line)) used.push_back(n);
  }
  if (file.per_port) used.push_back(kPortsVariable);
  for (const Variable &v : file.variables)
    if (std::find(used.begin(), used.end(), v.name) == used.end())
      fail(path, v.line, "variable '" + v.name + "' is declared but not used");
  return file;
}

}  // namespace onair::app
