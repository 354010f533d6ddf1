// The JSON answers of the control API and the line protocol. Plain C++.
#pragma once

#include <string>
#include <vector>

#include "run/status.h"

namespace onair::app {

// What GET /api/overlay lists (name and status only).
using OverlayInfo = OverlayFigures;
// {"ok":true,"overlays":[{"name":"...","status":"..."}]}
std::string overlays_json(const std::vector<OverlayInfo> &overlays);

// Replies: {"ok":true} and {"ok":false,"error":"..."}; the line protocol adds
// the status: {"ok":false,"status":400,"error":"..."}.
// `fields`: members to add, already JSON ("\"id\":\"F0001\""), to either.
std::string ok_json(const std::string &fields = {});
std::string error_json(const std::string &message, const std::string &fields = {});
std::string line_reply(int status, const std::string &message, const std::string &fields = {});

}  // namespace onair::app
