// A small YAML writer for the manifests "onair deploy" prints: maps keep their
// keys in insertion order, and every string is quoted whenever a YAML reader
// could take it for anything but that string. Plain C++.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace onair::app::yaml {

class Node;
using Map = std::vector<std::pair<std::string, Node>>;
using List = std::vector<Node>;

class Node {
 public:
  Node() : value_(Map{}) {}
  Node(const char *text) : value_(std::string(text)) {}
  Node(std::string text) : value_(std::move(text)) {}
  Node(int number) : value_(static_cast<std::int64_t>(number)) {}
  Node(std::int64_t number) : value_(number) {}
  Node(bool flag) : value_(flag) {}
  Node(Map map) : value_(std::move(map)) {}
  Node(List list) : value_(std::move(list)) {}

  static Node map() { return Node(Map{}); }
  static Node list() { return Node(List{}); }

  // Adds a key to a map (keys keep this order); returns the new value.
  Node &set(const std::string &key, Node value);
  // Appends to a list; returns the new item.
  Node &add(Node value);
  // The value of a key already set, or nullptr.
  Node *find(const std::string &key);

  const auto &value() const { return value_; }

 private:
  std::variant<std::string, std::int64_t, bool, Map, List> value_;
};

// One document, without the "---" separator. Throws std::invalid_argument for
// a string that is not valid UTF-8 (YAML text is Unicode).
std::string emit(const Node &document);

// A string as a YAML scalar on one line: plain when that reads back as the
// same string, else double-quoted with escapes.
std::string scalar(const std::string &text);

}  // namespace onair::app::yaml
