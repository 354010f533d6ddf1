// The control API's paths and methods. Plain C++.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "control/command.h"

namespace onair::app {

// The control API's paths (/api/overlay..., /api/outputs/reconnect): what
// `method` on `path` does.
struct ApiRoute {
  bool found = false;               // a path of the control API
  std::string allow;                // the methods it answers ("GET, HEAD", "POST, DELETE", ...)
  bool allowed = false;             // `method` is one of them
  bool list = false;                // GET /api/overlay
  std::optional<CommandKind> kind;  // the command, for the others
  bool empty_body_ok = false;       // DELETE and reconnect: no body means {}
};
ApiRoute control_route(std::string_view path, std::string_view method);
// Paths that belong to the control API (token required, JSON answers).
bool is_control_path(std::string_view path);

}  // namespace onair::app
