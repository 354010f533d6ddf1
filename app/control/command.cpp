#include "control/command.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "common/text.h"

namespace onair::app {

namespace {

constexpr int kBadRequest = 400;

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
    {CommandKind::kCapture, "capture"},
    {CommandKind::kSay, "say"},
    {CommandKind::kPlay, "play"},
    {CommandKind::kSpeechSkip, "speech-skip"},
    {CommandKind::kSpeechClear, "speech-clear"},
    {CommandKind::kPreviewStart, "preview-start"},
    {CommandKind::kPreviewStop, "preview-stop"},
    {CommandKind::kPreviews, "previews"},
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
    case CommandKind::kCapture:
      return {"detector"};
    case CommandKind::kSay:
      return {"text", "voice", "interrupt"};
    case CommandKind::kPlay:
      return {"path", "interrupt"};
    case CommandKind::kSpeechSkip:
    case CommandKind::kSpeechClear:
    case CommandKind::kPreviews:
      return {};
    case CommandKind::kPreviewStart:
    case CommandKind::kPreviewStop:
      return {"port"};
  }
  return {};
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

std::optional<bool> bool_field(const JsonFields &fields, const std::string &name) {
  const JsonValue *v = find(fields, name);
  if (!v) return std::nullopt;
  if (v->type != JsonValue::Type::kBool) bad(quoted(name) + " must be true or false");
  return v->boolean;
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

// "#RGB", "#RRGGBB" or a colour name (the overlay decides which names it knows).
bool plausible_color(const std::string &color) {
  if (color.empty()) return true;
  if (color[0] == '#')
    return (color.size() == 4 || color.size() == 7) &&
           std::all_of(color.begin() + 1, color.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  return color.size() <= 32 && std::all_of(color.begin(), color.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
         });
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

bool is_overlay_command(CommandKind kind) {
  switch (kind) {
    case CommandKind::kChat:
    case CommandKind::kAlert:
    case CommandKind::kStatus:
    case CommandKind::kLogo:
    case CommandKind::kClearChat:
    case CommandKind::kClearAlerts:
      return true;
    default:
      return false;
  }
}

bool is_speech_command(CommandKind kind) {
  return queues_speech(kind) || kind == CommandKind::kSpeechSkip ||
         kind == CommandKind::kSpeechClear;
}

bool queues_speech(CommandKind kind) {
  return kind == CommandKind::kSay || kind == CommandKind::kPlay;
}

bool is_preview_command(CommandKind kind) {
  return kind == CommandKind::kPreviewStart || kind == CommandKind::kPreviewStop ||
         kind == CommandKind::kPreviews;
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
  if (is_overlay_command(c.kind)) allowed.emplace_back("overlay");
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
    case CommandKind::kCapture:
      if (auto detector = text_field(fields, "detector", 0, kMaxNameBytes)) c.detector = *detector;
      break;
    case CommandKind::kSay:
      c.text = required_text(fields, "text", kMaxSpeechChars);
      if (is_blank(c.text)) bad("\"text\" has nothing to say (only spaces)");
      if (auto voice = text_field(fields, "voice", kMaxVoiceChars)) c.voice = *voice;
      c.interrupt = bool_field(fields, "interrupt").value_or(false);
      break;
    case CommandKind::kPlay:
      if (auto path = text_field(fields, "path", 0, kMaxClipPathBytes))
        c.path = *path;
      else
        bad("missing \"path\"");
      if (c.path.empty()) bad("\"path\" is empty");
      c.interrupt = bool_field(fields, "interrupt").value_or(false);
      break;
    case CommandKind::kSpeechSkip:
    case CommandKind::kSpeechClear:
    case CommandKind::kPreviews:
      break;
    case CommandKind::kPreviewStart:
    case CommandKind::kPreviewStop:
      c.port = required_text(fields, "port", 0);
      if (c.port.size() > kMaxPortIdBytes) bad("\"port\" is not a port (such as \"0.1\")");
      break;
  }
  return c;
}

}  // namespace onair::app
