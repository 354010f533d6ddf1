// The element messages broadcastoverlay posts: structure and field names, for the element and
// for programs that read them. gst-inspect-1.0 broadcastoverlay documents them.
#pragma once

namespace onair::broadcastoverlay_messages {

// An alert is shown or done.
inline constexpr char kAlert[] = "broadcastoverlay-alert";

inline constexpr char kEvent[] = "event";  // string: "shown" or "done"
inline constexpr char kShown[] = "shown";
inline constexpr char kDone[] = "done";
inline constexpr char kText[] = "text";                 // string
inline constexpr char kType[] = "type";                 // string: the alert's type
inline constexpr char kRunningTime[] = "running-time";  // guint64 ns
inline constexpr char kQueued[] = "queued";             // guint: alerts still waiting

}  // namespace onair::broadcastoverlay_messages
