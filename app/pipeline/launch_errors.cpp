#include "pipeline/launch_errors.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <sstream>

#include "pipeline/conditions.h"
#include "pipeline/launch_lexer.h"
#include "pipeline/located.h"
#include "pipeline/placeholders.h"

namespace onair::app {

namespace {

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

  const LaunchScan scan = scan_launch(launch, false);
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
  const LaunchScan source = scan_launch(body, true);
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
  const LaunchScan scan = scan_launch(launch, false);
  const Lines launch_lines(launch, file.body_line);
  for (size_t i = 0; i < scan.tokens.size(); i++) {
    const LaunchToken &t = scan.tokens[i];
    if (t.kind != LaunchToken::Kind::kWord || launch.compare(t.begin, t.end - t.begin, name) != 0)
      continue;
    const int line = launch_lines.at(t.begin);
    const std::string body = template_text(file);
    const LaunchScan source = scan_launch(body, true);
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
  const LaunchScan scan = scan_launch(text, false);
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
