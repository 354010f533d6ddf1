#include "control/command_json.h"

#include <json-glib/json-glib.h>

#include <memory>

#include "common/text.h"
#include "control/command_text.h"
#include "control/schedule_check.h"

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

}  // namespace onair::app
