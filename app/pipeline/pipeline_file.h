// Pipeline files: a small header (name, description, variables) over a
// gst-launch description with ${variable} placeholders. See docs/pipelines.md.
// This is what a file holds and how its header is read; values.h, expansion.h
// and launch_errors.h take it from there.
//
// Plain C++: parsing, validation and substitution need no GStreamer.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/user_error.h"

namespace onair::app {

// An error in a pipeline file or in the values given for it. what() is the
// whole user-facing line: "FILE:LINE: variable 'x': ...".
class PipelineError : public UserError {
 public:
  using UserError::UserError;
};

enum class VarType { kString, kInt, kNumber, kUri };

struct Variable {
  std::string name;
  std::string help;
  std::optional<std::string> default_value;
  std::vector<std::string> allowed;  // empty: any value of the type
  std::optional<double> min;
  std::optional<double> max;
  VarType type = VarType::kString;
  bool required = false;
  bool secret = false;
  int line = 0;
};

// Names the app defines for every run; a file may use them without declaring.
inline const std::vector<std::string> &builtin_variables() {
  static const std::vector<std::string> names = {"run_dir", "web_dir"};
  return names;
}

// Names the app defines for each port of a "per-port: sdi" file: the card, its input port,
// and the port's own output directory (run_dir/previews/PORT).
inline const std::vector<std::string> &per_port_variables() {
  static const std::vector<std::string> names = {"device", "port", "port_dir"};
  return names;
}
// The variable of a per-port file listing its ports ("0.0,0.1"); the app reads it.
inline constexpr char kPortsVariable[] = "ports";

// "preset quality=high: width=1920 height=1080": values other variables take
// when the choice variable has that value and the run gives them none.
struct Preset {
  std::string variable;
  std::string value;
  std::vector<std::pair<std::string, std::string>> assignments;
  int line = 0;
};

// "check bitrate + audio_bitrate <= 12000: message": refused when false.
// "check if twitch_key: bitrate <= 6000: message" applies only when the
// condition (as in @if) holds.
struct Check {
  std::string condition;  // empty: always
  std::string expression;
  std::string message;
  int line = 0;
};

// "at 30 every 60: {"cmd":"chat","user":"bot","text":"hello"}": a control
// command (as in the line protocol, see docs/api.md) the app runs that many
// seconds after the pipeline starts playing, and again at every interval.
struct ScheduledCommand {
  double at = 0;        // seconds after PLAYING
  double every = 0;     // seconds; 0: once
  std::string command;  // the JSON object, checked by the control layer
  int line = 0;
};
inline constexpr double kMaxScheduleSeconds = 86400;
inline constexpr double kMinScheduleInterval = 0.1;

struct PipelineFile {
  std::string path;  // as shown in messages
  std::string name;
  std::string description;
  // What an interrupt does: finish the outputs (send end-of-stream and wait),
  // or stop at once for pipelines with nothing to finish.
  bool finish_on_interrupt = true;
  // The path of the page to open in a browser, on the app's web server.
  std::string page = "/";
  // "per-port: sdi": the body is one SDI port's pipeline, run once per port, each
  // independent of the others (see docs/previews.md).
  bool per_port = false;
  // "simulated-cards: SCENARIO": the run uses the simulated capture cards built with onair,
  // with this scenario unless ONAIR_FAKE_VIDEOMASTER gives one (sdi-demo).
  std::string simulated_cards;
  std::vector<Variable> variables;
  std::vector<Preset> presets;
  std::vector<Check> checks;
  std::vector<ScheduledCommand> schedule;
  std::string body;   // the launch description, comments blanked, lines kept;
                      // @if/@else/@end lines are kept for expand()
  int body_line = 0;  // line number of the body's first line

  const Variable *find(const std::string &name) const;
};

// Parses a whole file. `stem` is the file name without ".pipeline"; the
// header's name must match it. Throws PipelineError.
PipelineFile parse_pipeline_file(const std::string &text, const std::string &path,
                                 const std::string &stem);

// Line number (in the file) of the body's character at `index`.
int line_at(const PipelineFile &file, size_t index);

}  // namespace onair::app
