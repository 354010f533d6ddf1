// Pipeline files: a small header (name, description, variables) over a
// gst-launch description with ${variable} placeholders. See docs/pipelines.md.
//
// Plain C++: parsing, validation and substitution need no GStreamer.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace onair::app {

// An error in a pipeline file or in the values given for it. what() is the
// whole user-facing line: "FILE:LINE: variable 'x': ...".
class PipelineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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

// The values of one run: those given by the user (already resolved from
// env:/@file forms), then presets, then defaults, each checked against its
// declaration; then the file's checks. Throws PipelineError naming the file,
// line and variable. `uri` values that are file paths become file:// URIs,
// relative ones below `cwd`.
std::map<std::string, std::string> resolve_values(const PipelineFile &file,
                                                  const std::map<std::string, std::string> &given,
                                                  const std::string &cwd = "/");

// A URI as it is; a file path (relative ones below `cwd`) as a file:// URI.
std::string as_uri(const std::string &value, const std::string &cwd);

// Keeps the body lines whose @if conditions hold and puts values into them
// (${name}, or arithmetic such as ${fps * 2}). A value is always exactly one value: inside
// quotes it is escaped, as a property value it is quoted, and anywhere else
// (caps, element position) only plain characters are accepted.
// `values` must hold every variable and builtin the body uses.
std::string expand(const PipelineFile &file, const std::map<std::string, std::string> &values);

// Line number (in the file) of the first body line that has `word` as a whole token.
int find_body_line(const PipelineFile &file, const std::string &word);

// The first common syntax mistake in `launch` (what expand() made of the
// body: its lines are the file's): an unterminated quote, a '!' with no
// element before or after it, an unbalanced '(' or ')'. Returns
// "FILE:LINE: syntax error: ...", or "" when it finds none. Meant for when
// GStreamer has already refused the description: it reads the text close to,
// not exactly as, GStreamer does.
std::string find_syntax_error(const PipelineFile &file, const std::string &launch);

// The kinds of GStreamer's parse errors (GstParseError) the file's text can explain.
enum class LaunchError { kSyntax, kNoSuchElement, kNoSuchProperty, kBadPropertyValue, kOther };

// The one-line message for GStreamer's parse error `message` of that kind
// about `launch`: "FILE:LINE: message", naming the line of the mistake where
// it can be told (for a property: the one line that sets it on that element)
// and, for a bad value or a missing element, the variable it came from.
// "FILE: message" when no line can be told. Adds names, never values.
std::string explain_launch_error(const PipelineFile &file, const std::string &launch,
                                 LaunchError kind, const std::string &message);

}  // namespace onair::app
