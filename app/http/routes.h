// The control API's paths and methods. Plain C++.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "control/command.h"

namespace onair::app {

// The control API's paths (/api/overlay..., /api/outputs/reconnect,
// /api/capture, /api/say, /api/play, /api/speech...): what `method` on `path` does.
struct ApiRoute {
  bool found = false;               // a path of the control API
  std::string allow;                // the methods it answers ("GET, HEAD", "POST, DELETE", ...)
  bool allowed = false;             // `method` is one of them
  bool list = false;                // GET /api/overlay
  std::optional<CommandKind> kind;  // the command, for the others
  bool empty_body_ok = false;       // DELETE, reconnect, capture, skip: no body means {}
};
ApiRoute control_route(std::string_view path, std::string_view method);
// Paths that belong to the control API (token required, JSON answers).
bool is_control_path(std::string_view path);

// The sessions API: GET /api/sessions, GET and DELETE /api/sessions/ID, POST
// /api/sessions/ID/frames/F0001/sent, GET /api/events.
struct SessionsRoute {
  enum class Action { kNone, kList, kShow, kDelete, kMarkSent, kEvents };
  bool found = false;             // a path of the sessions API
  std::string allow;              // its methods
  Action action = Action::kNone;  // kNone: `method` is not one of them
  bool needs_token = false;       // it changes something
  std::string session;            // as given, not yet checked
  std::string snapshot;
};
bool is_sessions_path(std::string_view path);
SessionsRoute sessions_route(std::string_view path, std::string_view method);

// The SDI previews API: GET /api/previews, POST /api/previews/PORT/start and /stop.
struct PreviewsRoute {
  enum class Action { kNone, kList, kStart, kStop };
  bool found = false;             // a path of the previews API
  std::string allow;              // its methods
  Action action = Action::kNone;  // kNone: `method` is not one of them
  bool needs_token = false;       // it changes something
  std::string port;               // as given, not yet checked
};
bool is_previews_path(std::string_view path);
PreviewsRoute previews_route(std::string_view path, std::string_view method);

}  // namespace onair::app
