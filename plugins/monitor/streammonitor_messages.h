// The element messages streammonitor posts: structure and field names, for the element and
// for programs that read them (the onair app). gst-inspect-1.0 streammonitor documents them.
#pragma once

namespace onair::streammonitor_messages {

// Every stats-interval: figures of the last window.
inline constexpr char kStats[] = "streammonitor-stats";
// An alert starts or ends.
inline constexpr char kAlert[] = "streammonitor-alert";
inline constexpr char kRecovered[] = "streammonitor-recovered";

// Fields of kStats.
inline constexpr char kRunningTime[] = "running-time";  // guint64 ns (also in alerts)
inline constexpr char kBuffers[] = "buffers";           // guint64
inline constexpr char kBytes[] = "bytes";               // guint64
inline constexpr char kFps[] = "fps";                   // gdouble
inline constexpr char kBitrate[] = "bitrate";           // gdouble, bits per second
inline constexpr char kGaps[] = "gaps";                 // guint64
inline constexpr char kDropped[] = "dropped";           // guint64
inline constexpr char kDiscont[] = "discont";           // guint64
inline constexpr char kLongestGap[] = "longest-gap";    // guint64 ns
inline constexpr char kStalled[] = "stalled";           // gboolean
inline constexpr char kMedia[] = "media";               // string, when known
inline constexpr char kLatency[] = "latency";           // gint64 ns, while playing on a clock
inline constexpr char kMaxLatency[] = "max-latency";    // gint64 ns
inline constexpr char kJitter[] = "jitter";             // gint64 ns

// Fields of kAlert and kRecovered.
inline constexpr char kAlertName[] = "alert";      // string: the alert's name
inline constexpr char kValue[] = "value";          // gdouble: the measured value
inline constexpr char kThreshold[] = "threshold";  // gdouble: the limit it crossed

}  // namespace onair::streammonitor_messages
