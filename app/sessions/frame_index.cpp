#include "sessions/frame_index.h"

#include <glib.h>
#include <json-glib/json-glib.h>

#include <functional>
#include <memory>

#include "onair/file_lock.h"
#include "sessions/session_store.h"

namespace onair::app {

namespace {

struct GObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};

// Runs `change` on each object of the index array; rewrites the file when it
// returned true for any. A missing or broken index is a 404: nothing to mark.
void edit_index(const std::string &path, const std::function<bool(JsonObject *)> &change) {
  const FileLock lock(path);  // against the scene detector adding a snapshot meanwhile
  std::unique_ptr<JsonParser, GObjectUnref> parser(json_parser_new());
  if (!json_parser_load_from_file(parser.get(), path.c_str(), nullptr) ||
      !JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser.get())))
    throw SessionError(404, "this session has no snapshot index yet");
  JsonNode *root = json_parser_get_root(parser.get());
  JsonArray *entries = json_node_get_array(root);
  bool changed = false;
  for (guint i = 0; i < json_array_get_length(entries); i++) {
    JsonNode *e = json_array_get_element(entries, i);
    if (JSON_NODE_HOLDS_OBJECT(e) && change(json_node_get_object(e))) changed = true;
  }
  if (!changed) return;
  std::unique_ptr<JsonGenerator, GObjectUnref> generator(json_generator_new());
  json_generator_set_pretty(generator.get(), TRUE);
  json_generator_set_indent(generator.get(), 2);
  json_generator_set_root(generator.get(), root);
  gchar *text = json_generator_to_data(generator.get(), nullptr);
  const std::string out = std::string(text) + "\n";
  g_free(text);
  write_file_atomically(path, out);
}

std::string id_of(JsonObject *entry) {
  JsonNode *id = json_object_get_member(entry, "id");
  if (!id || json_node_get_value_type(id) != G_TYPE_STRING) return {};
  return json_node_get_string(id);
}

}  // namespace

bool is_snapshot_id(const std::string &id) {
  if (id.size() < 2 || id.size() > 12 || id[0] != 'F') return false;
  for (size_t i = 1; i < id.size(); i++)
    if (id[i] < '0' || id[i] > '9') return false;
  return true;
}

void mark_snapshot_sent(const std::string &index_path, const std::string &id) {
  if (!is_snapshot_id(id))
    throw SessionError(400, "'" + id.substr(0, 40) + "' is not a snapshot id (like F0001)");
  bool found = false;
  edit_index(index_path, [&](JsonObject *entry) {
    if (id_of(entry) != id) return false;
    found = true;
    json_object_set_boolean_member(entry, "sent_to_agent", TRUE);
    return true;
  });
  if (!found) throw SessionError(404, "no snapshot " + id + " in this session");
}

std::map<std::string, SegmentPlace> place_snapshots(
    const std::string &index_path, const std::map<std::string, SegmentPlace> &places) {
  std::map<std::string, SegmentPlace> placed;
  if (places.empty()) return placed;
  try {
    edit_index(index_path, [&](JsonObject *entry) {
      const auto it = places.find(id_of(entry));
      if (it == places.end()) return false;
      placed.insert(*it);
      if (json_object_has_member(entry, "segment")) return false;
      json_object_set_string_member(entry, "segment", it->second.segment.c_str());
      json_object_set_double_member(entry, "segment_offset", it->second.offset);
      return true;
    });
  } catch (const SessionError &e) {
    if (e.status() != 404) throw;
  }
  return placed;
}

}  // namespace onair::app
