// Commands that drive broadcastoverlay elements (chat lines, alerts, the status
// line, the logo) and resilientrtmpsink outputs (reconnect). This is the plain part shared by every
// control channel (HTTP API, standard input, Unix socket, scheduled lines in pipeline files):
// validation of the fields, limits, the rate limiter, line splitting, bearer
// token checks and the JSON replies. See docs/api.md.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace onair::app {

// Limits of one command.
inline constexpr size_t kMaxCommandBytes = 16 * 1024;  // HTTP body or one line
inline constexpr size_t kMaxUserChars = 64;            // code points
inline constexpr size_t kMaxChatChars = 500;
inline constexpr size_t kMaxAlertChars = 200;
inline constexpr size_t kMaxStatusChars = 200;
inline constexpr size_t kMaxNameBytes = 256;       // overlay element name
inline constexpr size_t kMaxLocationBytes = 4096;  // logo path
inline constexpr double kMaxAlertSeconds = 60;

// A refused command: an HTTP status (400, 401, 404, 405, 409, 413, 429, 500)
// and a one-line message that never repeats a secret.
class ControlError : public std::runtime_error {
 public:
  ControlError(int status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

enum class CommandKind { kChat, kAlert, kStatus, kLogo, kClearChat, kClearAlerts, kReconnect };

// "chat", "alert", "status", "logo", "clear-chat", "clear-alerts", "reconnect".
const char *command_name(CommandKind kind);
std::optional<CommandKind> command_named(std::string_view name);

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
};

// One member of a JSON object, as the JSON layer hands it over.
struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  std::string string;
  double number = 0;
  bool boolean = false;

  static JsonValue of(std::string s) {
    JsonValue v;
    v.type = Type::kString;
    v.string = std::move(s);
    return v;
  }
  static JsonValue of(double n) {
    JsonValue v;
    v.type = Type::kNumber;
    v.number = n;
    return v;
  }
};
using JsonFields = std::vector<std::pair<std::string, JsonValue>>;

// Builds and checks a command from the members of a JSON object. With `kind`
// (the HTTP endpoints) a "cmd" member is an unknown field; without it (the line
// protocol) "cmd" is required and names the kind. Throws ControlError (400).
ControlCommand command_from_fields(const JsonFields &fields, std::optional<CommandKind> kind);

// Checks the raw text of a command before it is parsed: size (413), UTF-8
// (400), an object at the top, nesting, and escapes that would decode to
// control characters or to half of a surrogate pair (400). Throws ControlError.
void precheck_command_text(std::string_view text);

// True when `text` holds a C0 control character (newline and tab included),
// DEL, or a C1 control character (U+0080..U+009F). `text` must be valid UTF-8.
bool has_control_code_points(std::string_view text);
// Number of code points in valid UTF-8.
size_t code_points(std::string_view text);

// The overlay a command goes to: `requested` when one of `names` is that, the
// only one when none is requested. Throws ControlError: 404 when there is
// none or no such name, 409 when there are several and none is named.
std::string select_overlay(const std::vector<std::string> &names, const std::string &requested);

// The token of "Authorization: Bearer TOKEN" (scheme case-insensitive), or
// nullopt for a missing or different header.
std::optional<std::string> bearer_token(const char *authorization_header);
// Compares without returning early at the first difference.
bool constant_time_equal(std::string_view a, std::string_view b);

// Token bucket shared by all control channels: `rate` commands per second on
// average, up to `burst` at once. Time is passed in (seconds, monotonic).
class RateLimiter {
 public:
  RateLimiter(double rate = 20, double burst = 40);
  // Takes one token if there is one.
  bool allow(double now);
  // Seconds until the next token (0 when one is there now).
  double wait_time(double now) const;
  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  void refill(double now);
  double rate_;
  double burst_;
  double tokens_;
  double last_ = 0;
  bool started_ = false;
};

// Splits a byte stream into lines of at most `max_bytes` (without the '\n';
// a '\r' before it is dropped). A longer line is reported once as too long and
// skipped up to the next newline. Bytes after the last newline wait for more.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_bytes = kMaxCommandBytes) : max_(max_bytes) {}
  struct Item {
    bool too_long = false;
    std::string line;  // empty when too_long
  };
  std::vector<Item> feed(std::string_view data);
  // Bytes of an unfinished line held back.
  size_t pending() const { return buffer_.size(); }

 private:
  size_t max_;
  std::string buffer_;
  bool skipping_ = false;
};

// What a channel answers: 200, or the status and message of a ControlError.
struct ControlResult {
  int status = 200;
  std::string error;
  bool ok() const { return status == 200; }
};

// What GET /api/overlay lists.
struct OverlayInfo {
  std::string name;
  std::string status;  // the overlay's status line
};
// {"ok":true,"overlays":[{"name":"...","status":"..."}]}
std::string overlays_json(const std::vector<OverlayInfo> &overlays);

// The control API's paths (/api/overlay..., /api/outputs/reconnect): what
// `method` on `path` does.
struct ApiRoute {
  bool found = false;               // a path of the control API
  std::string allow;                // the methods it answers ("GET, HEAD", "POST, DELETE", ...)
  bool allowed = false;             // `method` is one of them
  bool list = false;                // GET /api/overlay
  std::optional<CommandKind> kind;  // the command, for the others
  bool empty_body_ok = false;       // DELETE and reconnect: no body means {}
};
ApiRoute control_route(std::string_view path, std::string_view method);
// Paths that belong to the control API (token required, JSON answers).
bool is_control_path(std::string_view path);

// Replies: {"ok":true} and {"ok":false,"error":"..."}; the line protocol adds
// the status: {"ok":false,"status":400,"error":"..."}.
std::string ok_json();
std::string error_json(const std::string &message);
std::string line_reply(int status, const std::string &message);

}  // namespace onair::app
