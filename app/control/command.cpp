#include "control/command.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "run/status.h"
#include "common/text.h"

namespace onair::app {

namespace {

constexpr int kBadRequest = 400;
constexpr int kMaxNesting = 8;

struct KindName {
  CommandKind kind;
  const char *name;
};
constexpr KindName kKinds[] = {
    {CommandKind::kChat, "chat"},
    {CommandKind::kAlert, "alert"},
    {CommandKind::kStatus, "status"},
    {CommandKind::kLogo, "logo"},
    {CommandKind::kClearChat, "clear-chat"},
    {CommandKind::kClearAlerts, "clear-alerts"},
    {CommandKind::kReconnect, "reconnect"},
};

const char *const kAlertTypes[] = {"info", "success", "warning", "error"};
const char *const kPositions[] = {"top-left",    "top-center",    "top-right",
                                  "center-left", "center",        "center-right",
                                  "bottom-left", "bottom-center", "bottom-right"};

// The fields each kind takes, besides "overlay" (for the overlay commands).
std::vector<std::string> fields_of(CommandKind kind) {
  switch (kind) {
    case CommandKind::kChat:
      return {"user", "text", "color"};
    case CommandKind::kAlert:
      return {"text", "type", "duration"};
    case CommandKind::kStatus:
      return {"text"};
    case CommandKind::kLogo:
      return {"location", "position", "scale", "opacity"};
    case CommandKind::kClearChat:
    case CommandKind::kClearAlerts:
      return {};
    case CommandKind::kReconnect:
      return {"output"};
  }
  return {};
}

std::string join(const std::vector<std::string> &items) {
  std::string out;
  for (const std::string &item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

[[noreturn]] void bad(const std::string &message) {
  throw ControlError(kBadRequest, message);
}

std::string quoted(const std::string &field) {
  return "\"" + field + "\"";
}

const JsonValue *find(const JsonFields &fields, const std::string &name) {
  for (const auto &[key, value] : fields)
    if (key == name) return &value;
  return nullptr;
}

// A text field: a JSON string, valid UTF-8 without control characters, at
// most `max_chars` code points (or `max_bytes` bytes).
std::optional<std::string> text_field(const JsonFields &fields, const std::string &name,
                                      size_t max_chars, size_t max_bytes = 0) {
  const JsonValue *v = find(fields, name);
  if (!v) return std::nullopt;
  if (v->type != JsonValue::Type::kString) bad(quoted(name) + " must be a string");
  const std::string &s = v->string;
  if (!is_valid_utf8(s)) bad(quoted(name) + " is not valid UTF-8");
  if (has_control_code_points(s))
    bad(quoted(name) + " contains control characters (line breaks and tabs included)");
  if (max_chars && code_points(s) > max_chars)
    bad(quoted(name) + " is longer than " + std::to_string(max_chars) + " characters");
  if (max_bytes && s.size() > max_bytes)
    bad(quoted(name) + " is longer than " + std::to_string(max_bytes) + " bytes");
  return s;
}

std::string required_text(const JsonFields &fields, const std::string &name, size_t max_chars,
                          bool may_be_empty = false) {
  auto s = text_field(fields, name, max_chars);
  if (!s) bad("missing " + quoted(name));
  if (s->empty() && !may_be_empty) bad(quoted(name) + " is empty");
  return *s;
}

std::optional<double> number_field(const JsonFields &fields, const std::string &name, double min,
                                   double max) {
  const JsonValue *v = find(fields, name);
  if (!v) return std::nullopt;
  if (v->type != JsonValue::Type::kNumber) bad(quoted(name) + " must be a number");
  if (!std::isfinite(v->number) || v->number < min || v->number > max) {
    char range[64];
    std::snprintf(range, sizeof range, "%g to %g", min, max);
    bad(quoted(name) + " must be from " + range);
  }
  return v->number;
}

template <size_t N>
std::optional<std::string> choice_field(const JsonFields &fields, const std::string &name,
                                        const char *const (&choices)[N]) {
  auto s = text_field(fields, name, 64);
  if (!s) return std::nullopt;
  for (const char *c : choices)
    if (*s == c) return s;
  std::vector<std::string> names(std::begin(choices), std::end(choices));
  bad(quoted(name) + " must be one of: " + join(names));
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// "#RGB", "#RRGGBB" or a colour name (the overlay decides which names it knows).
bool plausible_color(const std::string &color) {
  if (color.empty()) return true;
  if (color[0] == '#')
    return (color.size() == 4 || color.size() == 7) &&
           std::all_of(color.begin() + 1, color.end(), is_hex);
  return color.size() <= 32 && std::all_of(color.begin(), color.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
         });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

const char *command_name(CommandKind kind) {
  for (const KindName &k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

std::optional<CommandKind> command_named(std::string_view name) {
  for (const KindName &k : kKinds)
    if (name == k.name) return k.kind;
  return std::nullopt;
}

ControlCommand command_from_fields(const JsonFields &fields, std::optional<CommandKind> kind) {
  for (size_t i = 0; i < fields.size(); i++)
    for (size_t j = 0; j < i; j++)
      if (fields[i].first == fields[j].first)
        bad("field " + quoted(printable_excerpt(fields[i].first, 40)) + " is given twice");

  std::vector<std::string> kind_names;
  for (const KindName &k : kKinds) kind_names.emplace_back(k.name);
  const bool kind_from_cmd = !kind;
  if (!kind) {
    const JsonValue *cmd = find(fields, "cmd");
    if (!cmd) bad("missing \"cmd\" (one of: " + join(kind_names) + ")");
    if (cmd->type != JsonValue::Type::kString) bad("\"cmd\" must be a string");
    kind = command_named(cmd->string);
    if (!kind)
      bad("unknown \"cmd\" " + quoted(printable_excerpt(cmd->string, 40)) +
          " (one of: " + join(kind_names) + ")");
  }

  ControlCommand c;
  c.kind = *kind;
  std::vector<std::string> allowed = fields_of(c.kind);
  if (c.kind != CommandKind::kReconnect) allowed.emplace_back("overlay");
  for (const auto &field : fields) {
    const std::string &name = field.first;
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    if (name == "cmd" && kind_from_cmd) continue;
    bad("unknown field " + quoted(printable_excerpt(name, 40)) + " for " + command_name(c.kind) +
        " (it takes: " + join(allowed) + ")");
  }

  if (auto overlay = text_field(fields, "overlay", 0, kMaxNameBytes)) c.overlay = *overlay;

  switch (c.kind) {
    case CommandKind::kChat:
      c.user = required_text(fields, "user", kMaxUserChars);
      c.text = required_text(fields, "text", kMaxChatChars);
      if (auto color = text_field(fields, "color", 32)) {
        if (!plausible_color(*color))
          bad("\"color\" must be \"#RGB\", \"#RRGGBB\" or a colour name such as \"red\"");
        c.color = *color;
      }
      break;
    case CommandKind::kAlert:
      c.text = required_text(fields, "text", kMaxAlertChars);
      if (auto type = choice_field(fields, "type", kAlertTypes)) c.alert_type = *type;
      if (auto duration = number_field(fields, "duration", 0, kMaxAlertSeconds))
        c.duration = *duration;
      break;
    case CommandKind::kStatus:
      c.text = required_text(fields, "text", kMaxStatusChars, true);
      break;
    case CommandKind::kLogo:
      c.location = text_field(fields, "location", 0, kMaxLocationBytes);
      c.position = choice_field(fields, "position", kPositions);
      c.scale = number_field(fields, "scale", 0, 1);
      c.opacity = number_field(fields, "opacity", 0, 1);
      if (!c.location && !c.position && !c.scale && !c.opacity)
        bad("logo needs at least one of: location, position, scale, opacity");
      break;
    case CommandKind::kClearChat:
    case CommandKind::kClearAlerts:
      break;
    case CommandKind::kReconnect:
      if (auto output = text_field(fields, "output", 0, kMaxNameBytes)) c.output = *output;
      break;
  }
  return c;
}

void precheck_command_text(std::string_view text) {
  if (text.size() > kMaxCommandBytes)
    throw ControlError(
        413, "command is larger than " + std::to_string(kMaxCommandBytes / 1024) + " KiB");
  if (!is_valid_utf8(text)) bad("command is not valid UTF-8");
  size_t i = 0;
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size() && space(text[i])) i++;
  if (i == text.size()) bad("empty command: expected a JSON object");
  if (text[i] != '{') bad("expected a JSON object ({...})");

  int depth = 0;
  bool in_string = false;
  const auto control = [](unsigned cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); };
  for (; i < text.size(); i++) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && !(!in_string && space(static_cast<char>(c))))
      bad("command contains control characters (line breaks and tabs included)");
    if (!in_string) {
      if (c == '"') in_string = true;
      if (c == '{' || c == '[') {
        if (++depth > kMaxNesting) bad("command is nested too deeply");
      }
      if (c == '}' || c == ']') {
        if (--depth == 0) {
          const std::string_view rest = text.substr(i + 1);
          if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos)
            bad("more than one JSON value: one command is one object");
          return;
        }
      }
      continue;
    }
    if (c == '"') {
      in_string = false;
      continue;
    }
    if (c != '\\') continue;
    if (++i >= text.size()) break;  // the JSON parser reports it
    const char e = text[i];
    if (e == 'n' || e == 't' || e == 'r' || e == 'b' || e == 'f')
      bad("command contains control characters (line breaks and tabs included)");
    if (e != 'u') continue;
    const auto read_hex4 = [&](size_t at) -> int {
      if (at + 4 > text.size()) return -1;
      int v = 0;
      for (size_t k = at; k < at + 4; k++) {
        if (!is_hex(text[k])) return -1;
        v = v * 16 + hex_value(text[k]);
      }
      return v;
    };
    const int cp = read_hex4(i + 1);
    if (cp < 0) continue;  // the JSON parser reports it
    i += 4;
    if (control(static_cast<unsigned>(cp)))
      bad("command contains control characters (line breaks and tabs included)");
    if (cp >= 0xDC00 && cp <= 0xDFFF) bad("command holds half of a UTF-16 surrogate pair");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const bool pair = i + 2 < text.size() && text[i + 1] == '\\' && text[i + 2] == 'u';
      const int low = pair ? read_hex4(i + 3) : -1;
      if (low < 0xDC00 || low > 0xDFFF) bad("command holds half of a UTF-16 surrogate pair");
      i += 6;
    }
  }
}

bool has_control_code_points(std::string_view text) {
  for (size_t i = 0; i < text.size(); i++) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

size_t code_points(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string select_overlay(const std::vector<std::string> &names, const std::string &requested) {
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  if (sorted.empty()) throw ControlError(404, "the pipeline has no broadcastoverlay element");
  if (!requested.empty()) {
    if (std::find(sorted.begin(), sorted.end(), requested) != sorted.end()) return requested;
    throw ControlError(404, "no overlay named " + quoted(printable_excerpt(requested, 40)) +
                                " (the pipeline has: " + join(sorted) + ")");
  }
  if (sorted.size() > 1)
    throw ControlError(409, "the pipeline has " + std::to_string(sorted.size()) + " overlays (" +
                                join(sorted) + "): name one with \"overlay\"");
  return sorted.front();
}

std::optional<std::string> bearer_token(const char *header) {
  if (!header) return std::nullopt;
  std::string_view h(header);
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  constexpr std::string_view kScheme = "bearer";
  if (h.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); i++)
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return std::nullopt;
  h.remove_prefix(kScheme.size());
  if (h.front() != ' ' && h.front() != '\t') return std::nullopt;
  std::string token = trim(h);
  if (token.empty()) return std::nullopt;
  return token;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; i++) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

RateLimiter::RateLimiter(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

void RateLimiter::refill(double now) {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + (now - last_) * rate_);
    last_ = now;
  }
}

bool RateLimiter::allow(double now) {
  refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

double RateLimiter::wait_time(double now) const {
  RateLimiter copy = *this;
  copy.refill(now);
  return copy.tokens_ >= 1 ? 0 : (1 - copy.tokens_) / rate_;
}

std::vector<LineSplitter::Item> LineSplitter::feed(std::string_view data) {
  std::vector<Item> items;
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    const std::string_view part = data.substr(0, nl);
    if (skipping_) {
      if (nl == std::string_view::npos) return items;
      skipping_ = false;
    } else if (buffer_.size() + part.size() > max_) {
      items.push_back({true, {}});
      buffer_.clear();
      skipping_ = nl == std::string_view::npos;
    } else {
      buffer_.append(part);
      if (nl == std::string_view::npos) return items;
      if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
      items.push_back({false, std::move(buffer_)});
      buffer_.clear();
    }
    if (nl == std::string_view::npos) return items;
    data.remove_prefix(nl + 1);
  }
  return items;
}

std::string overlays_json(const std::vector<OverlayInfo> &overlays) {
  std::string out = "{\"ok\":true,\"overlays\":[";
  for (size_t i = 0; i < overlays.size(); i++)
    out += std::string(i ? "," : "") + "{\"name\":" + json_string(overlays[i].name) +
           ",\"status\":" + json_string(overlays[i].status) + "}";
  return out + "]}";
}

bool is_control_path(std::string_view path) {
  return path == "/api/overlay" || path.rfind("/api/overlay/", 0) == 0 || path == "/api/outputs" ||
         path.rfind("/api/outputs/", 0) == 0;
}

ApiRoute control_route(std::string_view path, std::string_view method) {
  ApiRoute r;
  std::vector<std::pair<std::string_view, std::optional<CommandKind>>> methods;
  if (path == "/api/overlay" || path == "/api/overlay/") {
    r.found = true;
    r.allow = "GET, HEAD";
    r.allowed = method == "GET" || method == "HEAD";
    r.list = r.allowed;
    return r;
  }
  if (path == "/api/overlay/chat")
    methods = {{"POST", CommandKind::kChat}, {"DELETE", CommandKind::kClearChat}};
  else if (path == "/api/overlay/alert")
    methods = {{"POST", CommandKind::kAlert}, {"DELETE", CommandKind::kClearAlerts}};
  else if (path == "/api/overlay/status")
    methods = {{"PUT", CommandKind::kStatus}};
  else if (path == "/api/overlay/logo")
    methods = {{"PUT", CommandKind::kLogo}};
  else if (path == "/api/outputs/reconnect")
    methods = {{"POST", CommandKind::kReconnect}};
  else
    return r;
  r.found = true;
  for (const auto &[name, kind] : methods) {
    r.allow += (r.allow.empty() ? "" : ", ") + std::string(name);
    if (method == name) {
      r.allowed = true;
      r.kind = kind;
      r.empty_body_ok = name == "DELETE" || kind == CommandKind::kReconnect;
    }
  }
  return r;
}

std::string ok_json() {
  return "{\"ok\":true}";
}

std::string error_json(const std::string &message) {
  return "{\"ok\":false,\"error\":" + json_string(message) + "}";
}

std::string line_reply(int status, const std::string &message) {
  if (status == 200) return ok_json();
  return "{\"ok\":false,\"status\":" + std::to_string(status) +
         ",\"error\":" + json_string(message) + "}";
}

}  // namespace onair::app
