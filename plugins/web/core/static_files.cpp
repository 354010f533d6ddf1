#include "static_files.h"

#include "onair/web_paths.h"

namespace onair::web {

std::string static_relative_path(const std::string &decoded_path) {
  std::string out = relative_web_path(decoded_path);
  if (out.empty() && !decoded_path.empty() && decoded_path != "/" &&
      decoded_path.find_first_not_of('/') != std::string::npos)
    return {};  // refused, not the root
  if (decoded_path.empty() || decoded_path.back() == '/')
    out += out.empty() ? "index.html" : "/index.html";
  return out;
}

const char *static_content_type(const std::string &path) {
  return web_content_type(path);
}

}  // namespace onair::web
