// The health model sdisrc shares between card families. Each backend (DeckLink through
// GStreamer's decklink elements, DELTACAST through VideoMaster) only reports what it sees; this
// class decides the port's state and which element message to post, so both families behave
// the same whatever the cable or the card does.
//
// States and the events that move between them:
//
//   no-device --opened--> waiting-for-signal --signal_locked(M)--> locked(M)
//                                                                   |    ^
//                     signal_locked(N), N != M: format change  <----+    | signal_locked(any mode)
//                                                       signal_lost |    |
//                                                                   v    |
//                                                                  lost(M)
//
//   any state --failed(kind)--> error(kind, retrying) --retry_due(), the caller reopens-->
//             opened (back to waiting-for-signal) or failed again (a longer wait)
//   error(kind, fatal) ends it: the kind is not recoverable or the attempts ran out. The element
//   then posts a GStreamer error; every later event is ignored.
//
// Every state but locked means "no signal": the element sends filler frames (see
// no_signal_timeline.h) so the stream's timestamps go on. Events that make no difference (a
// second loss, the same mode again, a lock while the device is closed) post nothing, so a
// backend may report what it polls on every poll. Times are passed in (ns, any monotonic
// origin); nothing here reads a clock.
//
// In the element: post every message an event returns; while has_signal() is false, feed
// NoSignalTimeline (fill at status().mode, or the configured mode when none was seen yet); when
// retry_due(), reopen the port and report opened() or failed() again; when fatal(), post a
// GStreamer error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sdi_modes.h"

namespace onair::sdi {

enum class ErrorKind {
  busy,             // another program holds the port or card: retried
  gone,             // the card went away or stopped answering (unplugged, driver reset): retried
  not_found,        // no such card or port: fatal
  library_missing,  // the driver library (libvideomasterhd.so, libDeckLinkAPI.so) is absent: fatal
  other,            // anything else the driver refused (unsupported setting, ...): fatal
};

// "busy", "gone", "not-found", "library-missing", "other": the `kind` field of sdisrc-error.
const char *error_kind_name(ErrorKind kind);
bool is_recoverable(ErrorKind kind);

enum class HealthState { no_device, waiting_for_signal, locked, lost, error };

// "no-device", "waiting-for-signal", "locked", "lost", "error".
const char *health_state_name(HealthState state);

struct HealthStatus {
  HealthState state = HealthState::no_device;
  // locked: the incoming mode. Other states: the last mode seen, nullptr when none yet.
  const SdiMode *mode = nullptr;
  // The rest describes the error state (and stays as it was after a recovery, for display).
  ErrorKind error = ErrorKind::other;
  std::string detail;
  bool retrying = false;  // false in the error state: fatal
  uint32_t attempt = 0;   // failures in a row; 0 again once the port opens
  int64_t retry_at = 0;   // when retry_due() turns true
};

// How long to wait before reopening after a recoverable failure: first_delay, doubled after
// each further failure in a row, at most max_delay.
struct RetryPolicy {
  int64_t first_delay = 500'000'000;   // ns
  int64_t max_delay = 10'000'000'000;  // ns
  uint32_t max_attempts = 0;           // failures in a row before giving up; 0 = never give up
};

// The wait after `attempt` failures in a row (1 for the first).
int64_t retry_delay(const RetryPolicy &policy, uint32_t attempt);

enum class MessageKind { signal, format, error };

// One element message's contents; sdisrc_messages.h has the structure and field names.
struct HealthMessage {
  MessageKind kind = MessageKind::signal;
  bool locked = false;        // signal
  std::string mode;           // signal (when not locked: the last mode seen, or ""), format
  std::string previous_mode;  // format
  ErrorKind error = ErrorKind::other;  // error, with the fields below
  std::string detail;
  bool retrying = false;
  uint32_t attempt = 0;
  int64_t retry_in = 0;  // ns, when retrying
};

// "sdisrc-signal", "sdisrc-format", "sdisrc-error".
const char *message_name(MessageKind kind);

class SignalHealth {
 public:
  explicit SignalHealth(const RetryPolicy &policy = {});

  // Each event returns the message to post, if any.

  // The port is open and capturing: the first time, or again after an error (the recovery).
  std::optional<HealthMessage> opened();
  // The port sees a signal in `mode`. Locks, or is a format change when locked to another mode.
  std::optional<HealthMessage> signal_locked(const SdiMode &mode);
  std::optional<HealthMessage> signal_lost();
  // The card or library failed at time `now`. The port counts as closed until opened().
  std::optional<HealthMessage> failed(ErrorKind kind, std::string detail, int64_t now);

  // Time to try opening the port again (error state, retrying, wait over).
  bool retry_due(int64_t now) const;
  bool fatal() const { return status_.state == HealthState::error && !status_.retrying; }
  bool has_signal() const { return status_.state == HealthState::locked; }
  const HealthStatus &status() const { return status_; }

 private:
  bool port_open() const;
  HealthMessage signal_message() const;

  RetryPolicy policy_;
  HealthStatus status_;
};

}  // namespace onair::sdi
