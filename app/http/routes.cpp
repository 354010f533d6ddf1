#include "http/routes.h"

#include <utility>
#include <vector>

namespace onair::app {

bool is_control_path(std::string_view path) {
  return path == "/api/overlay" || path.rfind("/api/overlay/", 0) == 0 || path == "/api/outputs" ||
         path.rfind("/api/outputs/", 0) == 0 || path == "/api/capture" || path == "/api/say" ||
         path == "/api/play" || path == "/api/speech" || path.rfind("/api/speech/", 0) == 0;
}

bool is_sessions_path(std::string_view path) {
  return path == "/api/sessions" || path.rfind("/api/sessions/", 0) == 0 || path == "/api/events";
}

SessionsRoute sessions_route(std::string_view path, std::string_view method) {
  SessionsRoute r;
  const bool get = method == "GET" || method == "HEAD";
  const auto only = [&](const char *allowed, bool matches, SessionsRoute::Action action) {
    r.found = true;
    r.allow = allowed;
    if (matches) r.action = action;
  };
  if (path == "/api/events") {
    only("GET", method == "GET", SessionsRoute::Action::kEvents);
    return r;
  }
  if (path == "/api/sessions" || path == "/api/sessions/") {
    only("GET, HEAD", get, SessionsRoute::Action::kList);
    return r;
  }
  if (path.rfind("/api/sessions/", 0) != 0) return r;
  // ID, or ID/frames/SNAPSHOT/sent; the ids are checked by who uses them.
  std::vector<std::string_view> parts;
  std::string_view rest = path.substr(14);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (parts.size() == 1) {
    r.session = parts[0];
    r.found = true;
    r.allow = "GET, HEAD, DELETE";
    if (get) r.action = SessionsRoute::Action::kShow;
    if (method == "DELETE") r.action = SessionsRoute::Action::kDelete;
    r.needs_token = method == "DELETE";
  } else if (parts.size() == 4 && parts[1] == "frames" && parts[3] == "sent") {
    r.session = parts[0];
    r.snapshot = parts[2];
    only("POST", method == "POST", SessionsRoute::Action::kMarkSent);
    r.needs_token = true;
  }
  return r;
}

bool is_previews_path(std::string_view path) {
  return path == "/api/previews" || path.rfind("/api/previews/", 0) == 0;
}

PreviewsRoute previews_route(std::string_view path, std::string_view method) {
  PreviewsRoute r;
  if (path == "/api/previews" || path == "/api/previews/") {
    r.found = true;
    r.allow = "GET, HEAD";
    if (method == "GET" || method == "HEAD") r.action = PreviewsRoute::Action::kList;
    return r;
  }
  if (!is_previews_path(path)) return r;
  // PORT/start or PORT/stop; the port is checked by who runs the previews.
  const std::string_view rest = path.substr(14);
  const size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) return r;
  const std::string_view verb = rest.substr(slash + 1);
  if (verb != "start" && verb != "stop") return r;
  r.found = true;
  r.allow = "POST";
  r.needs_token = true;
  r.port = rest.substr(0, slash);
  if (method == "POST")
    r.action = verb == "start" ? PreviewsRoute::Action::kStart : PreviewsRoute::Action::kStop;
  return r;
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
  else if (path == "/api/capture")
    methods = {{"POST", CommandKind::kCapture}};
  else if (path == "/api/say")
    methods = {{"POST", CommandKind::kSay}};
  else if (path == "/api/play")
    methods = {{"POST", CommandKind::kPlay}};
  else if (path == "/api/speech/skip")
    methods = {{"POST", CommandKind::kSpeechSkip}};
  else if (path == "/api/speech")
    methods = {{"DELETE", CommandKind::kSpeechClear}};
  else
    return r;
  r.found = true;
  for (const auto &[name, kind] : methods) {
    r.allow += (r.allow.empty() ? "" : ", ") + std::string(name);
    if (method == name) {
      r.allowed = true;
      r.kind = kind;
      r.empty_body_ok = name == "DELETE" || kind == CommandKind::kReconnect ||
                        kind == CommandKind::kCapture || kind == CommandKind::kSpeechSkip;
    }
  }
  return r;
}

}  // namespace onair::app
