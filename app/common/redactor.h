// Hiding secrets (stream keys, tokens, passwords in URLs) in any text the
// app shows or logs. Plain C++.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onair::app {

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
  void add(const Redactor &other);  // every secret of `other`
  std::string operator()(std::string_view text) const;
  bool empty() const { return secrets_.empty(); }

 private:
  std::vector<std::string> secrets_;
};

}  // namespace onair::app
