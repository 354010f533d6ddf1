// The element message scenedetect posts: structure and field names, for the element and for
// programs that read them (the onair app). gst-inspect-1.0 scenedetect documents them.
#pragma once

namespace onair::scenedetect_messages {

// A new scene: a hard cut, the end of a gradual transition, or a capture-now snapshot.
inline constexpr char kCut[] = "scenedetect-cut";

// Fields of kCut.
inline constexpr char kKind[] = "kind";                 // string: cut, gradual or manual
inline constexpr char kRunningTime[] = "running-time";  // guint64 ns: the new scene's first frame
inline constexpr char kStreamTime[] = "stream-time";    // guint64 ns
inline constexpr char kPts[] = "pts";                   // guint64 ns
inline constexpr char kFrame[] = "frame";               // guint64: frames analysed before it
inline constexpr char kScore[] = "score";               // gdouble: the change, against threshold
// Gradual transitions only: running time of the transition's first and last frame.
inline constexpr char kSpanStart[] = "span-start";  // guint64 ns
inline constexpr char kSpanEnd[] = "span-end";      // guint64 ns
// With snapshot-location set: the snapshot's id ("F0001") and the JPEG file's path.
inline constexpr char kSnapshotId[] = "snapshot-id";      // string
inline constexpr char kSnapshotPath[] = "snapshot-path";  // string

// Values of kKind.
inline constexpr char kKindCut[] = "cut";
inline constexpr char kKindGradual[] = "gradual";
inline constexpr char kKindManual[] = "manual";

}  // namespace onair::scenedetect_messages
