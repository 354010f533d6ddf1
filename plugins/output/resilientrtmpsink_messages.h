// The element messages resilientrtmpsink posts: structure and field names, for the element and
// for programs that read them (the onair app). gst-inspect-1.0 resilientrtmpsink documents
// them.
#pragma once

namespace onair::resilientrtmpsink_messages {

// The connection changed state.
inline constexpr char kState[] = "resilientrtmpsink-state";
// The structure of the "stats" property (the app reads it).
inline constexpr char kStats[] = "resilientrtmpsink-stats";

// Fields of kState.
inline constexpr char kStateName[] = "state";       // string: idle, connecting, live, ...
inline constexpr char kAttempt[] = "attempt";       // guint (also in kStats)
inline constexpr char kLocation[] = "location";     // string, stream key redacted (also in kStats)
inline constexpr char kNextDelay[] = "next-delay";  // guint64 ns until the next try, when waiting
inline constexpr char kError[] = "error";           // string, when a failure caused the change

// Fields of kStats (besides state, location and attempt).
inline constexpr char kFramesSent[] = "frames-sent";            // guint64
inline constexpr char kBytesSent[] = "bytes-sent";              // guint64
inline constexpr char kFramesDropped[] = "frames-dropped";      // guint64
inline constexpr char kAudioDropped[] = "audio-dropped";        // guint64
inline constexpr char kBitrate[] = "bitrate";                   // gdouble, bits per second
inline constexpr char kUptime[] = "uptime";                     // guint64 ns live
inline constexpr char kReconnects[] = "reconnects";             // guint
inline constexpr char kLastError[] = "last-error";              // string
inline constexpr char kEncodingLatency[] = "encoding-latency";  // gint64 ns
inline constexpr char kNextAttemptIn[] = "next-attempt-in";  // guint64 ns, only while reconnecting

}  // namespace onair::resilientrtmpsink_messages
