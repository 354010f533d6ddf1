#include "previews/preview_ports.h"

#include <charconv>

#include "common/text.h"
#include "pipeline/pipeline_file.h"

namespace onair::app {

namespace {

constexpr std::string_view kDecklinkPrefix = "dl";
constexpr char kDecklinkBackend[] = "decklink";

// A card or port number: digits only, no sign, no leading zeros beyond "0".
std::optional<unsigned> parse_index(std::string_view text) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string SdiPort::id() const {
  if (backend == kDecklinkBackend) return std::string(kDecklinkPrefix) + std::to_string(device);
  return std::to_string(device) + "." + std::to_string(port);
}

std::optional<SdiPort> parse_port_id(std::string_view id) {
  if (id.starts_with(kDecklinkPrefix)) {
    const auto device = parse_index(id.substr(kDecklinkPrefix.size()));
    if (!device) return std::nullopt;
    return SdiPort{*device, 0, kDecklinkBackend};
  }
  const size_t dot = id.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto device = parse_index(id.substr(0, dot));
  const auto port = parse_index(id.substr(dot + 1));
  if (!device || !port) return std::nullopt;
  return SdiPort{*device, *port, {}};
}

std::vector<SdiPort> parse_port_list(const std::string &text) {
  std::vector<SdiPort> ports;
  size_t start = 0;
  for (size_t end = 0; end != std::string::npos && start <= text.size(); start = end + 1) {
    end = text.find(',', start);
    const std::string item = trim(text.substr(start, end == std::string::npos ? end : end - start));
    if (item.empty() && end == std::string::npos && ports.empty()) break;  // "": none given
    const std::optional<SdiPort> port = parse_port_id(item);
    if (!port)
      throw PipelineError("variable '" + std::string(kPortsVariable) + "': '" +
                          printable_excerpt(item, 20) +
                          "' is not a port: give CARD.PORT, such as 0.1, separated by commas");
    for (const SdiPort &p : ports)
      if (p == *port)
        throw PipelineError("variable '" + std::string(kPortsVariable) + "': port " + item +
                            " is given twice");
    ports.push_back(*port);
  }
  return ports;
}

std::map<std::string, std::string> port_values(std::map<std::string, std::string> values,
                                               const SdiPort &port,
                                               const std::string &previews_dir) {
  values["device"] = std::to_string(port.device);
  values["port"] = std::to_string(port.port);
  values["port_dir"] = previews_dir + "/" + port.id();
  if (!port.backend.empty()) values["backend"] = port.backend;
  return values;
}

}  // namespace onair::app

#include "common/json_string.h"

namespace onair::app {

std::string preview_json(const PreviewInfo &p) {
  return "{\"port\":" + json_string(p.port) +
         ",\"previewing\":" + (p.previewing() ? "true" : "false") +
         ",\"state\":" + json_string(p.state) + ",\"signal\":" + json_string(p.signal) +
         ",\"mode\":" + json_string(p.mode) + ",\"playlist\":" + json_string(p.playlist) +
         ",\"bitrate\":" + std::to_string(p.bitrate) +
         ",\"audio_bitrate\":" + std::to_string(p.audio_bitrate) +
         ",\"last_error\":" + json_string(p.last_error) + "}";
}

std::string previews_fields(const std::vector<PreviewInfo> &previews) {
  std::string out = "\"previews\":[";
  for (size_t i = 0; i < previews.size(); i++) out += (i ? "," : "") + preview_json(previews[i]);
  return out + "]";
}

}  // namespace onair::app
