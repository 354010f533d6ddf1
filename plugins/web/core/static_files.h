// Rules for serving static files below a root folder.
#pragma once

#include <string>

namespace onair::web {

// Maps a decoded request path to a relative file path below the root, or ""
// when it is not acceptable (parent or hidden parts, backslashes, control
// characters, NUL). A path ending in '/' (or empty) names the folder's
// index.html.
std::string static_relative_path(const std::string &decoded_path);

// Content type by file extension.
const char *static_content_type(const std::string &path);

}  // namespace onair::web
