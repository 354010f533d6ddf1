#include "control/command_json.h"

#include <json-glib/json-glib.h>

#include <memory>

#include "pipeline/expression.h"
#include "common/text.h"

namespace onair::app {

namespace {

struct ParserUnref {
  void operator()(JsonParser *p) const { g_object_unref(p); }
};

JsonValue value_of(JsonNode *node) {
  JsonValue v;
  switch (json_node_get_node_type(node)) {
    case JSON_NODE_OBJECT:
      v.type = JsonValue::Type::kObject;
      break;
    case JSON_NODE_ARRAY:
      v.type = JsonValue::Type::kArray;
      break;
    case JSON_NODE_NULL:
      v.type = JsonValue::Type::kNull;
      break;
    case JSON_NODE_VALUE: {
      const GType type = json_node_get_value_type(node);
      if (type == G_TYPE_STRING) {
        v.type = JsonValue::Type::kString;
        const gchar *s = json_node_get_string(node);
        v.string = s ? s : "";
      } else if (type == G_TYPE_INT64) {
        v.type = JsonValue::Type::kNumber;
        v.number = static_cast<double>(json_node_get_int(node));
      } else if (type == G_TYPE_DOUBLE) {
        v.type = JsonValue::Type::kNumber;
        v.number = json_node_get_double(node);
      } else if (type == G_TYPE_BOOLEAN) {
        v.type = JsonValue::Type::kBool;
        v.boolean = json_node_get_boolean(node);
      }
      break;
    }
  }
  return v;
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

JsonFields parse_json_object(std::string_view text) {
  precheck_command_text(text);
  std::unique_ptr<JsonParser, ParserUnref> parser(json_parser_new_immutable());
  GError *error = nullptr;
  if (!json_parser_load_from_data(parser.get(), text.data(), static_cast<gssize>(text.size()),
                                  &error)) {
    std::string message = error ? error->message : "parse error";
    if (message.rfind("<data>:", 0) == 0) message = "at " + message.substr(7);
    g_clear_error(&error);
    throw ControlError(400, "invalid JSON: " + printable_excerpt(message, 120));
  }
  JsonNode *root = json_parser_get_root(parser.get());
  if (!root || !JSON_NODE_HOLDS_OBJECT(root))
    throw ControlError(400, "expected a JSON object ({...})");
  JsonObject *object = json_node_get_object(root);
  JsonFields fields;
  GList *members = json_object_get_members(object);
  for (GList *m = members; m; m = m->next) {
    const auto *name = static_cast<const gchar *>(m->data);
    fields.emplace_back(name, value_of(json_object_get_member(object, name)));
  }
  g_list_free(members);
  return fields;
}

ControlCommand parse_command_body(CommandKind kind, std::string_view body, bool empty_is_object) {
  if (empty_is_object && is_blank(body)) return command_from_fields({}, kind);
  return command_from_fields(parse_json_object(body), kind);
}

ControlCommand parse_command_line(std::string_view line) {
  return command_from_fields(parse_json_object(line), std::nullopt);
}

void check_scheduled_commands(const PipelineFile &file) {
  for (const ScheduledCommand &s : file.schedule) {
    try {
      parse_command_line(s.command);
    } catch (const ControlError &e) {
      throw PipelineError(file.path + ":" + std::to_string(s.line) +
                          ": scheduled command: " + e.what());
    }
  }
}

ControlService::ControlService(Apply apply, Clock clock, RateLimiter limiter,
                               const Redactor *redact)
    : apply_(std::move(apply)), clock_(std::move(clock)), limiter_(limiter), redact_(redact) {}

ControlResult ControlService::run(const std::function<ControlCommand()> &parse, bool limited) {
  try {
    if (limited && !limiter_.allow(clock_()))
      throw ControlError(429, "too many commands: at most " + format_number(limiter_.rate()) +
                                  " a second, " + format_number(limiter_.burst()) + " at once");
    apply_(parse());
    return {};
  } catch (const ControlError &e) {
    return {e.status(), redact_ ? (*redact_)(e.what()) : std::string(e.what())};
  } catch (const std::exception &) {
    return {500, "internal error"};
  }
}

ControlResult ControlService::http(CommandKind kind, std::string_view body, bool empty_is_object) {
  return run([&] { return parse_command_body(kind, body, empty_is_object); }, true);
}

ControlResult ControlService::line(std::string_view text, bool *answered) {
  if (answered) *answered = !is_blank(text);
  if (is_blank(text)) return {};
  return run([&] { return parse_command_line(text); }, true);
}

ControlResult ControlService::too_long() {
  return run(
      [&]() -> ControlCommand {
        throw ControlError(413, "line is longer than " + std::to_string(kMaxCommandBytes / 1024) +
                                    " KiB: skipped");
      },
      true);
}

ControlResult ControlService::scheduled(const std::string &command) {
  return run([&] { return parse_command_line(command); }, false);
}

}  // namespace onair::app
