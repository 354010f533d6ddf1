#include "control/command_text.h"

#include <string>

#include "common/text.h"
#include "control/command.h"

namespace onair::app {

namespace {

constexpr int kMaxNesting = 8;

[[noreturn]] void bad(const std::string &message) {
  throw ControlError(400, message);
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

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

}  // namespace onair::app
