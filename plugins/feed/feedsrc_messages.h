// The element messages feedsrc posts and the structure of its "stats" property: structure and
// field names, for the element and for programs that read them (the onair app).
// gst-inspect-1.0 feedsrc documents them.
#pragma once

namespace onair::feedsrc_messages {

// A writer connected (the pipe got a writer, the socket accepted one, stdin/fd has data).
inline constexpr char kConnected[] = "feedsrc-connected";
// The writer went away (end of file, disconnect, read error, replaced by a new connection).
inline constexpr char kDisconnected[] = "feedsrc-disconnected";
// A frame or sound message of the wrong size was dropped.
inline constexpr char kRefused[] = "feedsrc-refused";
// Video: no new frame for stall-timeout; and frames came back.
inline constexpr char kStalled[] = "feedsrc-stalled";
inline constexpr char kResumed[] = "feedsrc-resumed";
// The structure of the "stats" property.
inline constexpr char kStats[] = "feedsrc-stats";

// Fields of kConnected.
inline constexpr char kPeer[] = "peer";  // string: stdin, pipe, socket, fd
// Fields of kDisconnected.
inline constexpr char kPartialBytes[] = "partial-bytes";  // guint64: unfinished frame dropped
inline constexpr char kReason[] = "reason";               // string
// Fields of kRefused.
inline constexpr char kBytes[] = "bytes";           // guint64: size received
inline constexpr char kExpected[] = "expected";     // guint64: frame size (audio: sample frame)
inline constexpr char kRefusedCount[] = "refused";  // guint64: total refused so far
// Fields of kResumed.
inline constexpr char kStalledFor[] = "stalled-for";  // guint64 ns

// Fields of kStats (the read-only properties of the same names).
inline constexpr char kFramesReceived[] = "frames-received";    // guint64
inline constexpr char kFramesRepeated[] = "frames-repeated";    // guint64
inline constexpr char kFramesRefused[] = "frames-refused";      // guint64
inline constexpr char kBytesReceived[] = "bytes-received";      // guint64
inline constexpr char kSilenceInserted[] = "silence-inserted";  // guint64 ns
inline constexpr char kConnectedField[] = "connected";          // gboolean
inline constexpr char kStalledField[] = "stalled";              // gboolean

}  // namespace onair::feedsrc_messages
