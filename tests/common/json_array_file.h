// A JSON file whose root must be an array (the scene index), parsed for a test; the test
// fails (an expectation, so the test goes on) when it cannot be read or is not an array.
#pragma once

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <string>

namespace onair::test {

struct JsonArrayFile {
  JsonParser *parser = json_parser_new();
  JsonArray *array = nullptr;

  explicit JsonArrayFile(const std::string &path) {
    GError *error = nullptr;
    EXPECT_TRUE(json_parser_load_from_file(parser, path.c_str(), &error))
        << (error ? error->message : "");
    if (error) g_error_free(error);
    JsonNode *root = json_parser_get_root(parser);
    if (root && JSON_NODE_HOLDS_ARRAY(root)) array = json_node_get_array(root);
    EXPECT_NE(array, nullptr) << path << " is not a JSON array";
  }
  ~JsonArrayFile() { g_object_unref(parser); }
  JsonArrayFile(const JsonArrayFile &) = delete;
  JsonArrayFile &operator=(const JsonArrayFile &) = delete;

  guint size() const { return array ? json_array_get_length(array) : 0; }
  JsonObject *at(guint i) const { return json_array_get_object_element(array, i); }
  // Entry i's string member `name`.
  std::string field(guint i, const char *name) const {
    return json_object_get_string_member(at(i), name);
  }
};

}  // namespace onair::test
