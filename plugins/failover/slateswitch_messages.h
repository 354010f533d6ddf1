// The element messages slateswitch (and resilientsrc, which forwards its switch's) posts:
// structure and field names, for the elements and for programs that read them (the onair
// app). gst-inspect-1.0 slateswitch documents them.
#pragma once

namespace onair::slateswitch_messages {

// The input is lost: the slate shows and the sound is silence.
inline constexpr char kInputLost[] = "input-lost";
// The input is back: its picture shows again, from a fresh keyframe.
inline constexpr char kInputBack[] = "input-back";
// The structure of the "stats" property.
inline constexpr char kStats[] = "slateswitch-stats";

// Fields of kInputLost.
inline constexpr char kReason[] = "reason";  // string: stalled, ended, error
inline constexpr char kSinceLastFrame[] =
    "since-last-frame";                    // guint64 ns since the last good frame
inline constexpr char kError[] = "error";  // string, reason error
// resilientsrc adds these two to kInputLost.
inline constexpr char kNextAttempt[] =
    "next-attempt";                    // guint64 ns until it opens the source again
inline constexpr char kUri[] = "uri";  // string, secrets redacted

// Fields of kInputBack.
inline constexpr char kLostFor[] = "lost-for";  // guint64 ns the input was lost

// In both messages and in kStats.
inline constexpr char kLostCount[] = "lost-count";  // guint: losses since the start

// Fields of kStats (besides kLostCount, and kReason, kError, kLostFor while lost).
inline constexpr char kState[] = "state";               // string: starting, live, lost
inline constexpr char kFrames[] = "frames";             // guint64 video frames sent
inline constexpr char kSlateFrames[] = "slate-frames";  // guint64 of them, the slate
// resilientsrc adds these to kStats.
inline constexpr char kAttempts[] = "attempts";  // guint: sources opened
inline constexpr char kNextAttemptIn[] =
    "next-attempt-in";  // guint64 ns until it opens the source again, while one is planned

}  // namespace onair::slateswitch_messages
