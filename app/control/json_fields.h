// A JSON object's members as the command rules read them, apart from the
// JSON library that parses the text (command_json.h). Plain C++.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace onair::app {

// One member of a JSON object, as the JSON layer hands it over.
struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  std::string string;
  double number = 0;
  bool boolean = false;

  static JsonValue of(std::string s) {
    JsonValue v;
    v.type = Type::kString;
    v.string = std::move(s);
    return v;
  }
  static JsonValue of(double n) {
    JsonValue v;
    v.type = Type::kNumber;
    v.number = n;
    return v;
  }
};
using JsonFields = std::vector<std::pair<std::string, JsonValue>>;

}  // namespace onair::app
