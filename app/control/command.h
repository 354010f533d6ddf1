// The control commands that drive broadcastoverlay elements (chat lines,
// alerts, the status line, the logo), resilientrtmpsink outputs
// (reconnect), scenedetect elements (capture) and the ttsmix speech element
// (say, play, skip, clear): what each carries and the rules its fields
// follow. Every control channel (HTTP API, standard input, Unix socket, scheduled lines in pipeline
// files) builds them from JSON the same way. See docs/api.md.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/json_fields.h"
#include "overlay/core/limits.h"

namespace onair::app {

// Limits of one command. The text limits are the overlay element's own.
inline constexpr size_t kMaxCommandBytes = 16 * 1024;  // HTTP body or one line
using overlay::kMaxAlertChars;
using overlay::kMaxChatChars;
using overlay::kMaxStatusChars;
using overlay::kMaxUserChars;
inline constexpr size_t kMaxNameBytes = 256;       // overlay element name
inline constexpr size_t kMaxLocationBytes = 4096;  // logo path
inline constexpr double kMaxAlertSeconds = 60;
// Speech: a line of text as long as a chat line (well under ttsmix's 4096
// bytes), a voice name, and a clip's path.
inline constexpr size_t kMaxSpeechChars = kMaxChatChars;
inline constexpr size_t kMaxVoiceChars = 64;
inline constexpr size_t kMaxClipPathBytes = kMaxLocationBytes;

// A refused command: an HTTP status (400, 401, 404, 405, 409, 413, 429, 500)
// and a one-line message that never repeats a secret. A temporary refusal
// (429) may say when to try again and add members to the answer.
class ControlError : public std::runtime_error {
 public:
  ControlError(int status, const std::string &message, int retry_after = 0, std::string fields = {})
      : std::runtime_error(message),
        status_(status),
        retry_after_(retry_after),
        fields_(std::move(fields)) {}
  int status() const { return status_; }
  int retry_after() const { return retry_after_; }  // seconds; 0: not said
  const std::string &fields() const { return fields_; }

 private:
  int status_;
  int retry_after_;
  std::string fields_;  // already JSON: "\"waiting\":100"
};

enum class CommandKind {
  kChat,
  kAlert,
  kStatus,
  kLogo,
  kClearChat,
  kClearAlerts,
  kReconnect,
  kCapture,
  kSay,
  kPlay,
  kSpeechSkip,
  kSpeechClear,
  kPreviewStart,
  kPreviewStop,
  kPreviews
};

// "chat", "alert", "status", "logo", "clear-chat", "clear-alerts", "reconnect", "capture",
// "say", "play", "speech-skip", "speech-clear", "preview-start", "preview-stop", "previews".
const char *command_name(CommandKind kind);
std::optional<CommandKind> command_named(std::string_view name);
// The commands that act on a broadcastoverlay (and take "overlay").
bool is_overlay_command(CommandKind kind);
// The commands for the ttsmix speech element.
bool is_speech_command(CommandKind kind);
// The commands that queue an item on the speech element (rate limited on their own).
bool queues_speech(CommandKind kind);
// The commands for the SDI previews of a per-port run (previews/preview_manager.h).
bool is_preview_command(CommandKind kind);
inline constexpr size_t kMaxPortIdBytes = 32;

struct ControlCommand {
  CommandKind kind = CommandKind::kChat;
  std::string overlay;  // element name; empty: the only broadcastoverlay

  // chat: user and text; color "" lets the overlay pick one from the user name.
  // alert and status: text.
  std::string user;
  std::string text;
  std::string color;
  // alert
  std::string alert_type = "info";  // info, success, warning, error
  double duration = 0;              // seconds; 0: the overlay's default
  // logo: only what is given changes.
  std::optional<std::string> location;  // "" removes the logo
  std::optional<std::string> position;  // top-left ... bottom-right
  std::optional<double> scale;          // 0..1 of the frame height; 0: the image's size
  std::optional<double> opacity;        // 0..1
  // reconnect: the resilientrtmpsink's name; empty: every output.
  std::string output;
  // capture: the scenedetect element's name; empty: "scenes" or the only one.
  std::string detector;
  // say: text and voice ("" the element's own); play: path. Both may cut
  // the item playing short and go first.
  std::string voice;
  std::string path;
  bool interrupt = false;
  // preview-start, preview-stop: the SDI port ("0.1": card 0, input 1).
  std::string port;
};

// Builds and checks a command from the members of a JSON object. With `kind`
// (the HTTP endpoints) a "cmd" member is an unknown field; without it (the line
// protocol) "cmd" is required and names the kind. Throws ControlError (400).
ControlCommand command_from_fields(const JsonFields &fields, std::optional<CommandKind> kind);

// What a channel answers: 200, or the status and message of a ControlError.
struct ControlResult {
  ControlResult() = default;
  ControlResult(int status_code, std::string message, std::string answer_fields = {})
      : status(status_code), error(std::move(message)), fields(std::move(answer_fields)) {}
  int status = 200;
  std::string error;
  // Members the answer adds to {"ok":true} (or to a refusal), already JSON: "\"id\":\"F0003\"".
  std::string fields;
  int retry_after = 0;  // a 429's seconds until a try may succeed; 0: not said (1)
  bool ok() const { return status == 200; }
};

}  // namespace onair::app
