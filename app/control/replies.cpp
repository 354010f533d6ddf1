#include "control/replies.h"

#include "common/json_string.h"

namespace onair::app {

std::string overlays_json(const std::vector<OverlayInfo> &overlays) {
  std::string out = "{\"ok\":true,\"overlays\":[";
  for (size_t i = 0; i < overlays.size(); i++)
    out += std::string(i ? "," : "") + "{\"name\":" + json_string(overlays[i].name) +
           ",\"status\":" + json_string(overlays[i].status) + "}";
  return out + "]}";
}

std::string ok_json(const std::string &fields) {
  return "{\"ok\":true" + (fields.empty() ? "" : "," + fields) + "}";
}

std::string error_json(const std::string &message, const std::string &fields) {
  return "{\"ok\":false,\"error\":" + json_string(message) + (fields.empty() ? "" : "," + fields) +
         "}";
}

std::string line_reply(int status, const std::string &message, const std::string &fields) {
  if (status == 200) return ok_json(fields);
  return "{\"ok\":false,\"status\":" + std::to_string(status) +
         ",\"error\":" + json_string(message) + (fields.empty() ? "" : "," + fields) + "}";
}

}  // namespace onair::app
