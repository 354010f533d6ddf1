#include "http/routes.h"

#include <utility>
#include <vector>

namespace onair::app {

bool is_control_path(std::string_view path) {
  return path == "/api/overlay" || path.rfind("/api/overlay/", 0) == 0 || path == "/api/outputs" ||
         path.rfind("/api/outputs/", 0) == 0;
}

ApiRoute control_route(std::string_view path, std::string_view method) {
  ApiRoute r;
  std::vector<std::pair<std::string_view, std::optional<CommandKind>>> methods;
  if (path == "/api/overlay" || path == "/api/overlay/") {
    r.found = true;
    r.allow = "GET, HEAD";
    r.allowed = method == "GET" || method == "HEAD";
    r.list = r.allowed;
    return r;
  }
  if (path == "/api/overlay/chat")
    methods = {{"POST", CommandKind::kChat}, {"DELETE", CommandKind::kClearChat}};
  else if (path == "/api/overlay/alert")
    methods = {{"POST", CommandKind::kAlert}, {"DELETE", CommandKind::kClearAlerts}};
  else if (path == "/api/overlay/status")
    methods = {{"PUT", CommandKind::kStatus}};
  else if (path == "/api/overlay/logo")
    methods = {{"PUT", CommandKind::kLogo}};
  else if (path == "/api/outputs/reconnect")
    methods = {{"POST", CommandKind::kReconnect}};
  else
    return r;
  r.found = true;
  for (const auto &[name, kind] : methods) {
    r.allow += (r.allow.empty() ? "" : ", ") + std::string(name);
    if (method == name) {
      r.allowed = true;
      r.kind = kind;
      r.empty_body_ok = name == "DELETE" || kind == CommandKind::kReconnect;
    }
  }
  return r;
}

}  // namespace onair::app
