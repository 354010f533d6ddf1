// Rules for serving files below a root folder over HTTP, shared by the app's
// web server and webstreamsink. Plain C++.
#pragma once

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace onair {

// Maps a decoded request path to a file path relative to the root, or ""
// when it is not acceptable: parent or hidden parts ("..", ".x"),
// backslashes, control characters, or longer than 1024 bytes. Empty parts are
// skipped ("//a//b" is "a/b"); "/" alone is "".
inline std::string relative_web_path(const std::string &decoded_path) {
  if (decoded_path.size() > 1024) return {};
  std::string out, part;
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
  return out;
}

// The real path of root/relative (links resolved) when it exists and lies
// inside the real root; "" otherwise, so a link cannot lead out of the root.
inline std::string file_inside(const std::string &root, const std::string &relative) {
  const auto real = [](const std::string &path) {
    char *r = realpath(path.c_str(), nullptr);
    std::string out = r ? r : "";
    std::free(r);
    return out;
  };
  const std::string real_root = real(root);
  if (real_root.empty()) return {};
  const std::string full = real(real_root + "/" + relative);
  return full.rfind(real_root + "/", 0) == 0 ? full : std::string();
}

// Content type by file extension.
inline const char *web_content_type(const std::string &path) {
  static const std::pair<const char *, const char *> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".m3u8", "application/vnd.apple.mpegurl"},
      {".ts", "video/mp2t"},
      {".m4s", "video/iso.segment"},
      {".mp4", "video/mp4"},
      {".aac", "audio/aac"},
      {".wav", "audio/wav"},
  };
  for (const auto &[ext, type] : kTypes) {
    const size_t n = std::strlen(ext);
    if (path.size() >= n && path.compare(path.size() - n, n, ext) == 0) return type;
  }
  return "application/octet-stream";
}

}  // namespace onair
