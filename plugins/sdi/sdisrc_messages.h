// The element messages sdisrc posts: structure and field names, for the element and for
// programs that read them (the onair app). core/signal_health.h decides when each is posted.
#pragma once

namespace onair::sdisrc_messages {

// The signal locked or went away (also posted when the port opens: no signal yet).
inline constexpr char kSignal[] = "sdisrc-signal";
// The incoming mode changed while locked: caps are renegotiated and the stream goes on.
inline constexpr char kFormat[] = "sdisrc-format";
// The card failed: busy, gone, library missing, ... Retried when recoverable.
inline constexpr char kError[] = "sdisrc-error";

// Fields of kSignal.
inline constexpr char kLocked[] = "locked";  // gboolean
// string: the locked mode; when not locked, the last mode seen ("" when none yet). Also in
// kFormat: the new mode.
inline constexpr char kMode[] = "mode";

// Fields of kFormat (besides kMode).
inline constexpr char kPreviousMode[] = "previous-mode";  // string

// Fields of kError.
inline constexpr char kKind[] = "kind";          // string: busy, gone, not-found, ...
inline constexpr char kDetail[] = "detail";      // string: what the library or driver said
inline constexpr char kRetrying[] = "retrying";  // gboolean: false means the element gives up
inline constexpr char kAttempt[] = "attempt";    // guint: failures in a row, 1 for the first
inline constexpr char kRetryIn[] = "retry-in";   // guint64 ns until the next try, when retrying

}  // namespace onair::sdisrc_messages
