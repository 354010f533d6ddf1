#include "static_files.h"

#include <cstring>
#include <utility>

namespace onair::web {

std::string static_relative_path(const std::string &decoded_path) {
  if (decoded_path.size() > 1024) return {};
  std::string out;
  std::string part;
  for (size_t i = 0; i <= decoded_path.size(); i++) {
    const char c = i < decoded_path.size() ? decoded_path[i] : '/';
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '\\') return {};
    if (c != '/') {
      part += c;
      continue;
    }
    if (part.empty()) continue;
    if (part[0] == '.') return {};
    out += (out.empty() ? "" : "/") + part;
    part.clear();
  }
  if (decoded_path.empty() || decoded_path.back() == '/')
    out += out.empty() ? "index.html" : "/index.html";
  return out;
}

const char *static_content_type(const std::string &path) {
  static const std::pair<const char *, const char *> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
  };
  for (const auto &[ext, type] : kTypes) {
    const size_t n = std::strlen(ext);
    if (path.size() >= n && path.compare(path.size() - n, n, ext) == 0) return type;
  }
  return "application/octet-stream";
}

}  // namespace onair::web
