#include "deploy/yaml.h"

#include <stdexcept>

#include "common/text.h"

namespace onair::app::yaml {

namespace {

// Words YAML 1.1 readers (kubectl's among them) take for booleans or null.
bool is_special_word(const std::string &text) {
  static const char *const words[] = {"y",  "yes", "n",    "no", "true", "false",
                                      "on", "off", "null", "~",  "=",    "<<"};
  std::string lower;
  for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const char *word : words)
    if (lower == word) return true;
  return false;
}

bool is_plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '/' || c == '-';
}

// Plain only for letters, digits and "_./-", starting with a letter, '_' or '/':
// nothing that could read as a number, a boolean, an indicator or a comment.
bool can_be_plain(const std::string &text) {
  if (text.empty() || is_special_word(text)) return false;
  const char first = text[0];
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_' ||
        first == '/'))
    return false;
  for (char c : text)
    if (!is_plain_char(c)) return false;
  return true;
}

// Unicode line and page breaks YAML folds or treats as line ends, and the byte order mark.
const char *special_code_point(const std::string &text, size_t i, size_t &length) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (i + 1 < text.size() && at(0) == 0xC2 && at(1) == 0x85) {
    length = 2;
    return "\\N";
  }
  if (i + 2 < text.size() && at(0) == 0xE2 && at(1) == 0x80 && (at(2) == 0xA8 || at(2) == 0xA9)) {
    length = 3;
    return at(2) == 0xA8 ? "\\L" : "\\P";
  }
  if (i + 2 < text.size() && at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) {
    length = 3;
    return "\\uFEFF";
  }
  return nullptr;
}

bool has_special_code_point(const std::string &text) {
  size_t length = 0;
  for (size_t i = 0; i < text.size(); i++)
    if (special_code_point(text, i, length)) return true;
  return false;
}

std::string double_quoted(const std::string &text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); i++) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    if (const char *escape = special_code_point(text, i, length)) {
      out += escape;
      i += length - 1;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Several lines of printable text go in a literal block, as written.
bool suits_literal_block(const std::string &text) {
  if (text.find('\n') == std::string::npos || text.find_first_not_of('\n') == std::string::npos)
    return false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7F) return false;
  }
  return !has_special_code_point(text);
}

// "|2-" and the lines, each `indent` spaces in (blank lines left empty). The explicit
// indentation keeps a first line that starts with spaces; the chomping indicator keeps
// the trailing newlines exactly.
std::string literal_block(const std::string &text, size_t indent) {
  size_t trailing = 0;
  while (trailing < text.size() && text[text.size() - 1 - trailing] == '\n') trailing++;
  std::string out = "|2";
  out += trailing == 0 ? "-" : trailing == 1 ? "" : "+";
  out += '\n';
  const std::string body = text.substr(0, text.size() - trailing);
  size_t start = 0;
  while (true) {
    const size_t end = body.find('\n', start);
    const std::string line = body.substr(start, end == std::string::npos ? end : end - start);
    if (!line.empty()) out += std::string(indent, ' ') + line;
    out += '\n';
    if (end == std::string::npos) break;
    start = end + 1;
  }
  // The kept newlines beyond the last line's own.
  for (size_t i = 1; i < trailing; i++) out += '\n';
  return out;
}

void check_utf8(const std::string &text) {
  if (!is_valid_utf8(text)) throw std::invalid_argument("YAML text must be valid UTF-8");
}

bool is_empty_container(const Node &node) {
  if (const auto *map = std::get_if<Map>(&node.value())) return map->empty();
  if (const auto *list = std::get_if<List>(&node.value())) return list->empty();
  return false;
}

bool is_container(const Node &node) {
  return std::holds_alternative<Map>(node.value()) || std::holds_alternative<List>(node.value());
}

std::string inline_value(const Node &node) {
  return std::visit(
      [](const auto &v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          check_utf8(v);
          return scalar(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, Map>) {
          return "{}";
        } else {
          return "[]";
        }
      },
      node.value());
}

// A non-empty map or list, each line `indent` spaces in.
std::string block(const Node &node, size_t indent) {
  const std::string pad(indent, ' ');
  std::string out;
  if (const auto *map = std::get_if<Map>(&node.value())) {
    for (const auto &[key, value] : *map) {
      check_utf8(key);
      out += pad + scalar(key) + ":";
      const auto *text = std::get_if<std::string>(&value.value());
      if (text && suits_literal_block(*text))
        out += " " + literal_block(*text, indent + 2);
      else if (is_container(value) && !is_empty_container(value))
        out += "\n" + block(value, indent + 2);
      else
        out += " " + inline_value(value) + "\n";
    }
  } else {
    for (const Node &item : std::get<List>(node.value())) {
      if (is_container(item) && !is_empty_container(item)) {
        // The item's block with its first indentation replaced by the dash.
        std::string inner = block(item, indent + 2);
        inner.replace(0, indent + 2, pad + "- ");
        out += inner;
      } else {
        out += pad + "- " + inline_value(item) + "\n";
      }
    }
  }
  return out;
}

}  // namespace

Node &Node::set(const std::string &key, Node value) {
  auto &map = std::get<Map>(value_);
  map.emplace_back(key, std::move(value));
  return map.back().second;
}

Node &Node::add(Node value) {
  auto &list = std::get<List>(value_);
  list.push_back(std::move(value));
  return list.back();
}

Node *Node::find(const std::string &key) {
  for (auto &[k, v] : std::get<Map>(value_))
    if (k == key) return &v;
  return nullptr;
}

std::string scalar(const std::string &text) {
  return can_be_plain(text) ? text : double_quoted(text);
}

std::string emit(const Node &document) {
  if (is_container(document) && !is_empty_container(document)) return block(document, 0);
  return inline_value(document) + "\n";
}

}  // namespace onair::app::yaml
