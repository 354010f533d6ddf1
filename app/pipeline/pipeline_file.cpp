#include "pipeline/pipeline_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <sstream>
#include <string_view>

#include "pipeline/expression.h"
#include "common/text.h"

namespace onair::app {

namespace {

constexpr size_t kMaxValueBytes = 4096;

std::string located(const std::string &path, int line, const std::string &message) {
  return line > 0 ? path + ":" + std::to_string(line) + ": " + message : path + ": " + message;
}

[[noreturn]] void fail(const std::string &path, int line, const std::string &message) {
  throw PipelineError(located(path, line, message));
}

bool is_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || c == '_' || (!first && ((c >= '0' && c <= '9')));
}

bool is_valid_name(const std::string &name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); i++)
    if (!is_name_char(name[i], i == 0)) return false;
  return true;
}

// Characters a value may have where it is not quoted: none of them can end a
// token, start a new element, add a caps field or a property.
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

std::string join(const std::vector<std::string> &items, const char *sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); i++) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

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

// Returns an empty string when `value` is acceptable, else the reason.
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

// What a value is shown as in messages: secrets never.
std::string shown(const Variable &var, const std::string &value) {
  if (var.secret) return "(secret value)";
  return "'" + printable_excerpt(value, 60) + "'";
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

struct Placeholder {
  size_t begin;            // index of '$'
  size_t end;              // one past '}'
  std::string name;        // variable name; empty for "$$" and for expressions
  std::string expression;  // arithmetic such as "fps * 2"
};

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

bool is_numeric(const Variable &v) {
  return v.type == VarType::kInt || v.type == VarType::kNumber;
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

int line_at(const PipelineFile &file, size_t index) {
  return file.body_line +
         static_cast<int>(std::count(file.body.begin(), file.body.begin() + index, '\n'));
}

// Launch descriptions split into tokens the way GStreamer's lexer does, near
// enough to say where a mistake is. Quotes are read as expand() reads them
// ('"' opens anywhere outside quotes, '\' escapes inside), since that is what
// keeps a value one value.
struct LaunchToken {
  enum class Kind { kWord, kAssignment, kLink, kOpen, kClose };
  Kind kind = Kind::kWord;
  size_t begin = 0;
  size_t end = 0;  // one past it; a link with caps ("! video/x-raw !") ends past its second '!'
  size_t value_begin = 0;  // kAssignment: where the value starts
  std::string name;        // kAssignment: the property
};

struct LaunchScan {
  std::vector<LaunchToken> tokens;
  std::optional<size_t> open_quote;  // a '"' that is never closed; the scan stops there
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

class LaunchScanner {
 public:
  // With `placeholders` (a template body) "${...}" is part of a word whatever it holds.
  LaunchScanner(const std::string &text, bool placeholders)
      : t_(text), placeholders_(placeholders) {}

  LaunchScan scan() {
    size_t i = 0;
    while (i < t_.size() && !scan_.open_quote) {
      const char c = t_[i];
      if (is_space(c)) {
        i++;
      } else if (c == '!') {
        i = link(i);
      } else if (c == '(' || c == ')') {
        push(c == '(' ? LaunchToken::Kind::kOpen : LaunchToken::Kind::kClose, i, i + 1);
        i++;
      } else {
        i = word(i);
      }
    }
    return std::move(scan_);
  }

 private:
  void push(LaunchToken::Kind kind, size_t begin, size_t end) {
    LaunchToken token;
    token.kind = kind;
    token.begin = begin;
    token.end = end;
    scan_.tokens.push_back(token);
  }

  // Past the quoted string opening at i; records it when it never closes.
  size_t quoted(size_t i) {
    for (size_t j = i + 1; j < t_.size(); j++) {
      if (t_[j] == '\\') {
        j++;
      } else if (t_[j] == '"') {
        return j + 1;
      }
    }
    scan_.open_quote = i;
    return t_.size();
  }

  // Past the placeholder or "$$" at i (placeholders are checked when the file is read).
  size_t placeholder(size_t i) const {
    if (i + 1 < t_.size() && t_[i + 1] == '$') return i + 2;
    if (i + 1 < t_.size() && t_[i + 1] == '{') {
      const size_t close = t_.find('}', i + 2);
      if (close != std::string::npos) return close + 1;
    }
    return i + 1;
  }

  // Past a run of non-space characters, quoted strings and placeholders whole,
  // stopping before any of `stops`.
  size_t run(size_t i, std::string_view stops) {
    while (i < t_.size() && !is_space(t_[i]) && stops.find(t_[i]) == std::string_view::npos &&
           !scan_.open_quote) {
      if (t_[i] == '"')
        i = quoted(i);
      else if (placeholders_ && t_[i] == '$')
        i = placeholder(i);
      else
        i++;
    }
    return i;
  }

  size_t skip_spaces(size_t i) const {
    while (i < t_.size() && is_space(t_[i])) i++;
    return i;
  }

  // "!", or "! CAPS !" when a media type follows: GStreamer reads that as one link.
  size_t link(size_t i) {
    const size_t j = skip_spaces(i + 1);
    size_t k = j;
    while (k < t_.size() && (is_alnum(t_[k]) || t_[k] == '-')) k++;
    size_t m = k + 1;
    while (m < t_.size() && (is_alnum(t_[m]) || t_[m] == '-')) m++;
    if (k > j && k < t_.size() && t_[k] == '/' && m > k + 1) {
      for (size_t p = m; p < t_.size();) {
        if (t_[p] == '!') {
          push(LaunchToken::Kind::kLink, i, p + 1);
          return p + 1;
        }
        if (t_[p] == '"') {
          const size_t after = quoted(p);
          if (scan_.open_quote) {
            // The quote belongs to the caps; report it, not the link.
            return t_.size();
          }
          p = after;
        } else if (placeholders_ && t_[p] == '$') {
          p = placeholder(p);
        } else {
          p++;
        }
      }
    }
    push(LaunchToken::Kind::kLink, i, i + 1);
    return i + 1;
  }

  // An element, a reference ("t." "demux.video") or "property=value" (spaces
  // allowed around '=', as GStreamer allows them).
  size_t word(size_t i) {
    size_t k = i;
    if ((t_[k] >= 'a' && t_[k] <= 'z') || (t_[k] >= 'A' && t_[k] <= 'Z')) {
      while (k < t_.size() &&
             (is_alnum(t_[k]) || t_[k] == '-' || t_[k] == '_' || t_[k] == '%' || t_[k] == ':'))
        k++;
      const size_t eq = skip_spaces(k);
      if (eq < t_.size() && t_[eq] == '=') {
        LaunchToken token;
        token.kind = LaunchToken::Kind::kAssignment;
        token.begin = i;
        token.name = t_.substr(i, k - i);
        token.value_begin = skip_spaces(eq + 1);
        size_t end = token.value_begin;
        if (end < t_.size()) end = t_[end] == '"' ? quoted(end) : run(end, "");
        token.end = end;
        scan_.tokens.push_back(token);
        return end;
      }
    }
    const size_t end = run(i, "!()");
    push(LaunchToken::Kind::kWord, i, end);
    return end;
  }

  const std::string &t_;
  const bool placeholders_;
  LaunchScan scan_;
};

// Line numbers (in the file) of places in a body-like text.
class Lines {
 public:
  Lines(const std::string &text, int first) : first_(first) {
    for (size_t i = 0; i < text.size(); i++)
      if (text[i] == '\n') newlines_.push_back(i);
  }
  int at(size_t index) const {
    return first_ + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), index) -
                                     newlines_.begin());
  }

 private:
  int first_;
  std::vector<size_t> newlines_;
};

// The body as the file has it, directive lines blanked, every branch kept.
std::string template_text(const PipelineFile &file) {
  return select_lines(file, nullptr);
}

// The token of `tokens` (of `text`) that stands where `from[index]` stands in
// its own text: same kind, same line, same place among that line's tokens of the kind.
const LaunchToken *counterpart(const std::vector<LaunchToken> &from, const Lines &from_lines,
                               size_t index, const std::vector<LaunchToken> &tokens,
                               const Lines &lines) {
  const LaunchToken &token = from[index];
  const int line = from_lines.at(token.begin);
  size_t ordinal = 0;
  for (size_t i = 0; i < index; i++)
    if (from[i].kind == token.kind && from_lines.at(from[i].begin) == line) ordinal++;
  for (const LaunchToken &t : tokens)
    if (t.kind == token.kind && lines.at(t.begin) == line && ordinal-- == 0) return &t;
  return nullptr;
}

// " (value of variable 'x')" when `text` (a value or word of the template) is
// one placeholder, " (value made from variables 'a', 'b')" when it uses some.
std::string variable_note(const PipelineFile &file, std::string text, int line) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  std::vector<std::string> names;
  bool whole = false;
  for (size_t i = text.find('$'); i != std::string::npos; i = text.find('$', i)) {
    if (i + 1 < text.size() && text[i + 1] == '$') {
      i += 2;
      continue;
    }
    Placeholder p;
    try {
      p = read_placeholder(file, text, i, line);
    } catch (const PipelineError &) {
      break;
    }
    std::vector<std::string> used;
    if (!p.name.empty()) {
      used.push_back(p.name);
      whole = p.begin == 0 && p.end == text.size();
    } else if (!p.expression.empty()) {
      try {
        used = validate_expression(file, p.expression, line);
      } catch (const PipelineError &) {
      }
    }
    for (const std::string &n : used)
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    i = p.end;
  }
  if (names.empty()) return "";
  if (whole) return " (value of variable '" + names[0] + "')";
  std::string out =
      names.size() == 1 ? " (value made from variable " : " (value made from variables ";
  for (size_t i = 0; i < names.size(); i++) out += (i ? ", '" : "'") + names[i] + "'";
  return out + ")";
}

// The strings in double quotes in one of GStreamer's messages, in order; the
// last one may hold quotes (a value), so it runs to the message's last quote.
std::vector<std::string> quoted_fields(const std::string &message, size_t count) {
  std::vector<std::string> fields;
  size_t pos = 0;
  while (fields.size() < count) {
    const size_t open = message.find('"', pos);
    if (open == std::string::npos) break;
    const size_t close =
        fields.size() + 1 == count ? message.rfind('"') : message.find('"', open + 1);
    if (close == std::string::npos || close <= open) break;
    fields.push_back(message.substr(open + 1, close - open - 1));
    pos = close + 1;
  }
  return fields;
}

// A property value as GStreamer receives it: quotes and escapes removed.
std::string unquoted(const std::string &value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return value;
  std::string out;
  for (size_t i = 1; i + 1 < value.size(); i++) {
    if (value[i] == '\\' && i + 2 < value.size()) i++;
    out += value[i];
  }
  return out;
}

std::string canonical_property(std::string name) {
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

// "no property" and "could not set property": the line of the assignment
// GStreamer means, and for a bad value the variables it came from.
std::string explain_property_error(const PipelineFile &file, const std::string &launch,
                                   const std::string &message, bool bad_value) {
  const std::vector<std::string> fields = quoted_fields(message, bad_value ? 3 : 2);
  if (fields.size() < 2) return located(file.path, 0, message);
  const std::string property = canonical_property(fields[0]);
  const std::string &element = fields[1];

  const LaunchScan scan = LaunchScanner(launch, false).scan();
  const std::vector<LaunchToken> &tokens = scan.tokens;
  // Each assignment's element: the word before it, with its name= if it has one.
  struct Candidate {
    size_t token;
    size_t element;  // index of the element's word, or npos
  };
  std::vector<Candidate> candidates;
  std::map<size_t, std::string> element_names;
  size_t owner = std::string::npos;
  for (size_t i = 0; i < tokens.size(); i++) {
    const LaunchToken &t = tokens[i];
    if (t.kind == LaunchToken::Kind::kWord) {
      owner = i;
    } else if (t.kind != LaunchToken::Kind::kAssignment) {
      owner = std::string::npos;
    } else {
      const std::string value = launch.substr(t.value_begin, t.end - t.value_begin);
      if (t.name == "name" && owner != std::string::npos) element_names[owner] = unquoted(value);
      if (canonical_property(t.name) == property) candidates.push_back({i, owner});
    }
  }
  const auto narrow = [&](const auto &keep) {
    std::vector<Candidate> kept;
    std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(kept), keep);
    if (!kept.empty()) candidates = kept;
  };
  // GStreamer names the element by its name, or by its factory while it has none yet.
  narrow([&](const Candidate &c) {
    if (c.element == std::string::npos) return false;
    const LaunchToken &word = tokens[c.element];
    const std::string factory = launch.substr(word.begin, word.end - word.begin);
    auto named = element_names.find(c.element);
    if (named != element_names.end() && named->second == element) return true;
    if (element.rfind(factory, 0) != 0) return false;
    return std::all_of(element.begin() + static_cast<std::ptrdiff_t>(factory.size()), element.end(),
                       [](char ch) { return ch >= '0' && ch <= '9'; });
  });
  if (bad_value && fields.size() == 3)
    narrow([&](const Candidate &c) {
      const LaunchToken &t = tokens[c.token];
      return unquoted(launch.substr(t.value_begin, t.end - t.value_begin)) == fields[2];
    });

  const Lines launch_lines(launch, file.body_line);
  if (candidates.empty()) return located(file.path, 0, message);
  const int line = launch_lines.at(tokens[candidates[0].token].begin);
  for (const Candidate &c : candidates)
    if (launch_lines.at(tokens[c.token].begin) != line) return located(file.path, 0, message);
  if (!bad_value || candidates.size() != 1) return located(file.path, line, message);

  const std::string body = template_text(file);
  const LaunchScan source = LaunchScanner(body, true).scan();
  const LaunchToken *written = counterpart(tokens, launch_lines, candidates[0].token, source.tokens,
                                           Lines(body, file.body_line));
  const std::string note =
      written
          ? variable_note(
                file, body.substr(written->value_begin, written->end - written->value_begin), line)
          : "";
  return located(file.path, line, message + note);
}

// "no element": the line of the word GStreamer could not make, and the
// variable it came from if one stands there.
std::string explain_missing_element(const PipelineFile &file, const std::string &launch,
                                    const std::string &message) {
  const std::string hint = "is its plugin installed? 'gst-inspect-1.0 NAME' tells";
  const std::vector<std::string> fields = quoted_fields(message, 1);
  if (fields.empty()) return located(file.path, 0, message + " (" + hint + ")");
  const std::string &name = fields[0];
  const LaunchScan scan = LaunchScanner(launch, false).scan();
  const Lines launch_lines(launch, file.body_line);
  for (size_t i = 0; i < scan.tokens.size(); i++) {
    const LaunchToken &t = scan.tokens[i];
    if (t.kind != LaunchToken::Kind::kWord || launch.compare(t.begin, t.end - t.begin, name) != 0)
      continue;
    const int line = launch_lines.at(t.begin);
    const std::string body = template_text(file);
    const LaunchScan source = LaunchScanner(body, true).scan();
    const LaunchToken *written =
        counterpart(scan.tokens, launch_lines, i, source.tokens, Lines(body, file.body_line));
    std::string note =
        written
            ? variable_note(file, body.substr(written->begin, written->end - written->begin), line)
            : "";
    // One parenthesis: " (value of variable 'x'; is its plugin installed? ...)".
    note = note.empty() ? " (" + hint + ")" : note.substr(0, note.size() - 1) + "; " + hint + ")";
    return located(file.path, line, message + note);
  }
  return located(file.path, find_body_line(file, name), message + " (" + hint + ")");
}

}  // namespace

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
    } else {
      fail(path, line,
           "unknown header line '" + printable_excerpt(t, 40) +
               "' (expected name:, description:, on-interrupt:, var, preset, check, at or ---)");
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
  if (const auto open = LaunchScanner(shape, true).scan().open_quote)
    fail(path, Lines(shape, file.body_line).at(*open), "syntax error: unterminated quote");

  // Every placeholder names a known variable; every variable is used.
  std::vector<std::string> used;
  const auto &builtins = builtin_variables();
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
  for (const Variable &v : file.variables)
    if (std::find(used.begin(), used.end(), v.name) == used.end())
      fail(path, v.line, "variable '" + v.name + "' is declared but not used");
  return file;
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

int find_body_line(const PipelineFile &file, const std::string &word) {
  std::istringstream in(file.body);
  std::string raw;
  int line = file.body_line;
  while (std::getline(in, raw)) {
    size_t pos = 0;
    while ((pos = raw.find(word, pos)) != std::string::npos) {
      const auto boundary = [](char c) { return c == ' ' || c == '\t' || c == '!'; };
      const bool starts = pos == 0 || boundary(raw[pos - 1]);
      const size_t end = pos + word.size();
      const bool ends = end >= raw.size() || boundary(raw[end]);
      if (starts && ends) return line;
      pos = end;
    }
    line++;
  }
  return 0;
}

std::string find_syntax_error(const PipelineFile &file, const std::string &text) {
  const LaunchScan scan = LaunchScanner(text, false).scan();
  const Lines lines(text, file.body_line);
  const auto error = [&](size_t at, const std::string &what) {
    return located(file.path, lines.at(at), "syntax error: " + what);
  };
  using Kind = LaunchToken::Kind;
  const LaunchToken *prev = nullptr;
  std::vector<size_t> open;  // '(' not closed yet
  for (const LaunchToken &t : scan.tokens) {
    if (t.kind == Kind::kLink) {
      if (!prev || prev->kind == Kind::kOpen)
        return error(t.begin, "'!' with no element before it");
      if (prev->kind == Kind::kLink) {
        const int other = lines.at(prev->end - 1);
        return error(t.begin, other == lines.at(t.begin)
                                  ? "'!' follows another '!' with no element between"
                                  : "'!' follows the '!' on line " + std::to_string(other) +
                                        " with no element between");
      }
    } else if (t.kind == Kind::kOpen) {
      open.push_back(t.begin);
    } else if (t.kind == Kind::kClose) {
      if (prev && prev->kind == Kind::kLink)
        return error(prev->end - 1, "'!' with no element after it");
      if (open.empty()) return error(t.begin, "')' without a '(' before it");
      open.pop_back();
    }
    prev = &t;
  }
  // The scan stops at a quote that is never closed: nothing after it is known.
  if (scan.open_quote) return error(*scan.open_quote, "unterminated quote");
  if (prev && prev->kind == Kind::kLink)
    return error(prev->end - 1, "'!' with no element after it");
  if (!open.empty()) return error(open.front(), "'(' without a ')' after it");
  return "";
}

std::string explain_launch_error(const PipelineFile &file, const std::string &launch,
                                 LaunchError kind, const std::string &message) {
  switch (kind) {
    case LaunchError::kSyntax: {
      const std::string found = find_syntax_error(file, launch);
      return found.empty() ? located(file.path, 0, message) : found;
    }
    case LaunchError::kNoSuchElement:
      return explain_missing_element(file, launch, message);
    case LaunchError::kNoSuchProperty:
      return explain_property_error(file, launch, message, false);
    case LaunchError::kBadPropertyValue:
      return explain_property_error(file, launch, message, true);
    case LaunchError::kOther:
      break;
  }
  return located(file.path, 0, message);
}

}  // namespace onair::app
