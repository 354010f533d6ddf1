// The SDI ports of a per-port run ("per-port: sdi" files): how a port is named in the API and
// in paths, the list a run is given, and the values one port's pipeline expands with.
// Plain C++.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onair::app {

struct SdiPort {
  unsigned device = 0;  // the card
  unsigned port = 0;    // its input port
  // The card family sdisrc listed the port under ("deltacast", ...); empty: the run's choice.
  std::string backend;
  // Names the port in the API and its folder under previews/: "0.1" for card 0, input 1;
  // "dl0" for DeckLink device 0 (one input each), which would otherwise share DELTACAST card
  // 0 input 0's name.
  std::string id() const;
  bool operator==(const SdiPort &) const = default;
};

// "0.1" -> card 0, port 1 (the run's backend); "dl2" -> DeckLink device 2; nullopt for
// anything else.
std::optional<SdiPort> parse_port_id(std::string_view id);

// "0.0,dl0" (spaces allowed) -> the ports in that order. Throws PipelineError naming the
// variable when an item is not a port id or comes twice.
std::vector<SdiPort> parse_port_list(const std::string &text);

// The run's values plus the port's own: device, port and port_dir (`previews_dir`/ID), and
// the port's backend when it has one (so `backend=auto` opens the family that listed it).
std::map<std::string, std::string> port_values(std::map<std::string, std::string> values,
                                               const SdiPort &port,
                                               const std::string &previews_dir);

}  // namespace onair::app

namespace onair::app {

// One port's preview as GET /api/previews and the "previews" command show it.
struct PreviewInfo {
  std::string port;                // SdiPort::id()
  std::string state = "stopped";   // stopped, starting, previewing, failed
  std::string signal = "unknown";  // locked, lost, unknown (from sdisrc-signal)
  std::string mode;                // the locked mode, or the last one seen
  std::string playlist;            // "/previews/0.1/playlist.m3u8"
  int bitrate = 0;                 // video kbit/s, as encoded
  int audio_bitrate = 0;           // kbit/s
  std::string last_error;          // "" when none
  bool previewing() const { return state == "starting" || state == "previewing"; }
};

// {"port":"0.1","previewing":true,"state":"previewing","signal":"locked",...}
std::string preview_json(const PreviewInfo &preview);
// "\"previews\":[...]": the members a reply adds.
std::string previews_fields(const std::vector<PreviewInfo> &previews);

}  // namespace onair::app
