#include "core/scene_index.h"

#include <json-glib/json-glib.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

#include "onair/file_lock.h"

namespace onair::scene {

namespace {

struct GObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
struct ArrayUnref {
  void operator()(JsonArray *array) const { json_array_unref(array); }
};
using ArrayPtr = std::unique_ptr<JsonArray, ArrayUnref>;

// Numbers as Python's json writes them: shortest exact form, floats keep a decimal point.
void append_double(std::string &out, double value) {
  if (!std::isfinite(value)) {
    out += "null";  // JSON has no NaN or infinity
    return;
  }
  char text[64];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  const std::string_view number(text, static_cast<size_t>(end - text));
  out += number;
  if (number.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_string(std::string &out, const char *text) {
  out += '"';
  for (const char *p = text; *p; p++) {
    const auto c = static_cast<unsigned char>(*p);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// Indented like json.dumps(indent=2), the form the index had before.
void append_node(std::string &out, JsonNode *node, int depth) {
  const std::string inner(static_cast<size_t>(depth + 1) * 2, ' ');
  const std::string outer(static_cast<size_t>(depth) * 2, ' ');
  switch (json_node_get_node_type(node)) {
    case JSON_NODE_NULL:
      out += "null";
      return;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type(node)) {
        case G_TYPE_STRING:
          append_string(out, json_node_get_string(node));
          return;
        case G_TYPE_BOOLEAN:
          out += json_node_get_boolean(node) ? "true" : "false";
          return;
        case G_TYPE_DOUBLE:
          append_double(out, json_node_get_double(node));
          return;
        default:
          out += std::to_string(json_node_get_int(node));
          return;
      }
    case JSON_NODE_ARRAY: {
      JsonArray *array = json_node_get_array(node);
      const guint n = json_array_get_length(array);
      if (n == 0) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (guint i = 0; i < n; i++) {
        out += inner;
        append_node(out, json_array_get_element(array, i), depth + 1);
        out += i + 1 < n ? ",\n" : "\n";
      }
      out += outer + "]";
      return;
    }
    case JSON_NODE_OBJECT: {
      JsonObject *object = json_node_get_object(node);
      GList *members = json_object_get_members(object);  // in the file's order
      if (!members) {
        out += "{}";
        return;
      }
      out += "{\n";
      for (GList *m = members; m; m = m->next) {
        const auto *name = static_cast<const char *>(m->data);
        out += inner;
        append_string(out, name);
        out += ": ";
        append_node(out, json_object_get_member(object, name), depth + 1);
        out += m->next ? ",\n" : "\n";
      }
      g_list_free(members);
      out += outer + "}";
      return;
    }
  }
}

void set_seconds(JsonObject *object, const char *name, const std::optional<double> &seconds) {
  if (seconds && std::isfinite(*seconds))
    json_object_set_double_member(object, name, *seconds);
  else
    json_object_set_null_member(object, name);
}

JsonNode *entry_node(const IndexEntry &entry) {
  JsonObject *object = json_object_new();
  json_object_set_string_member(object, "id", entry.id.c_str());
  json_object_set_double_member(object, "timestamp", entry.timestamp);
  json_object_set_string_member(object, "path", entry.path.c_str());
  json_object_set_boolean_member(object, "sent_to_agent", FALSE);
  json_object_set_string_member(object, "kind", entry.kind.c_str());
  json_object_set_double_member(object, "score", entry.score);
  set_seconds(object, "running_time", entry.running_time);
  set_seconds(object, "stream_time", entry.stream_time);
  JsonNode *node = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(node, object);
  return node;
}

// The "id" of an index element, if it has one.
const char *id_of(JsonNode *element) {
  if (!JSON_NODE_HOLDS_OBJECT(element)) return nullptr;
  JsonNode *id = json_object_get_member(json_node_get_object(element), "id");
  if (!id || json_node_get_value_type(id) != G_TYPE_STRING) return nullptr;
  return json_node_get_string(id);
}

bool blank(const char *text, gsize length) {
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace(text[i])) return false;
  return true;
}

// The array in the index file: empty when there is no file; a file that is not a JSON array
// is moved aside (and `warn` told where) so nothing in it is lost.
ArrayPtr read_index(const std::string &path, const SceneIndex::Warn &warn) {
  gchar *raw = nullptr;
  gsize length = 0;
  GError *error = nullptr;
  if (!g_file_get_contents(path.c_str(), &raw, &length, &error)) {
    const bool missing = g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    const std::string why = error->message;
    g_error_free(error);
    if (missing) return ArrayPtr(json_array_new());
    throw FileError("cannot read the index '" + path + "': " + why);
  }
  const std::unique_ptr<gchar, decltype(&g_free)> contents(raw, &g_free);
  if (blank(contents.get(), length)) return ArrayPtr(json_array_new());

  std::unique_ptr<JsonParser, GObjectUnref> parser(json_parser_new());
  std::string problem;
  if (!json_parser_load_from_data(parser.get(), contents.get(), static_cast<gssize>(length),
                                  &error)) {
    problem = std::string("it is not valid JSON (") + error->message + ")";
    g_error_free(error);
  } else if (!JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser.get()))) {
    problem = "it is not a JSON array";
  } else {
    return ArrayPtr(json_array_ref(json_node_get_array(json_parser_get_root(parser.get()))));
  }
  const std::string moved = move_aside(path, "corrupt");
  warn("the index '" + path + "' could not be used: " + problem + "; it was moved to '" + moved +
       "' and a new index starts");
  return ArrayPtr(json_array_new());
}

std::string index_json(JsonArray *array) {
  JsonNode *root = json_node_new(JSON_NODE_ARRAY);
  json_node_set_array(root, array);
  std::string out;
  append_node(out, root, 0);
  json_node_unref(root);
  return out + "\n";
}

}  // namespace

std::string snapshot_id(uint64_t number) {
  char text[32];
  std::snprintf(text, sizeof text, "F%04llu", static_cast<unsigned long long>(number));
  return text;
}

std::optional<uint64_t> snapshot_number(std::string_view id) {
  if (id.size() < 2 || id.front() != 'F') return std::nullopt;
  uint64_t number = 0;
  const char *end = id.data() + id.size();
  const auto [ptr, ec] = std::from_chars(id.data() + 1, end, number);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return number;
}

SceneIndex::SceneIndex(std::string path, Warn warn)
    : path_(std::move(path)), warn_(std::move(warn)) {}

void SceneIndex::load() {
  const ArrayPtr entries = read_index(path_, warn_);
  uint64_t highest = 0;
  for (guint i = 0; i < json_array_get_length(entries.get()); i++)
    if (const char *id = id_of(json_array_get_element(entries.get(), i)))
      highest = std::max(highest, snapshot_number(id).value_or(0));
  continue_after(highest);
}

void SceneIndex::continue_after(uint64_t number) {
  uint64_t next = next_.load();
  while (next <= number && !next_.compare_exchange_weak(next, number + 1)) {
  }
}

std::string SceneIndex::reserve_id() {
  return snapshot_id(next_.fetch_add(1));
}

void SceneIndex::add(IndexEntry entry) {
  pending_.push_back(std::move(entry));
  const FileLock lock(path_);  // against the app marking entries meanwhile
  const ArrayPtr entries = read_index(path_, warn_);
  std::set<std::string> present;
  for (guint i = 0; i < json_array_get_length(entries.get()); i++)
    if (const char *id = id_of(json_array_get_element(entries.get(), i))) present.insert(id);
  for (const IndexEntry &e : pending_)
    if (!present.count(e.id)) json_array_add_element(entries.get(), entry_node(e));
  write_file_atomically(path_, index_json(entries.get()));
  pending_.clear();
}

}  // namespace onair::scene
