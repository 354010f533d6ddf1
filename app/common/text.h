// Small text helpers shared by the app's plain C++ parts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onair::app {

std::string trim(std::string_view text);
bool is_valid_utf8(std::string_view text);
bool has_control_chars(std::string_view text);  // C0 (tab included) or DEL

// At most `max_chars` code points of `text`, control characters and invalid
// UTF-8 shown as '?', with "..." when cut: safe to put in a one-line message.
std::string printable_excerpt(std::string_view text, size_t max_chars);

// The parts of a URL that clients also log on their own: its stream name
// (the last of at least two path segments, with and without its query) and
// the password of user:password@. Empty for text that is not a URL.
std::vector<std::string> url_secret_parts(std::string_view url);

// Replaces every occurrence of each secret in text by "***". Secrets shorter
// than 3 bytes are ignored: hiding them would blank out ordinary text. A
// secret URL also hides its url_secret_parts wherever they appear alone.
class Redactor {
 public:
  void add(const std::string &secret);
  std::string operator()(std::string_view text) const;
  bool empty() const { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace onair::app
