// The element messages wavchunksink posts: structure and field names, for the element and for
// programs that read them (the onair app). gst-inspect-1.0 wavchunksink documents them.
#pragma once

namespace onair::wavchunksink_messages {

// A chunk is complete under its final name.
inline constexpr char kChunk[] = "wavchunksink-chunk";

// Fields of kChunk.
inline constexpr char kIndex[] = "index";               // guint64: the number in the file name
inline constexpr char kPath[] = "path";                 // string: full path of the file
inline constexpr char kFileName[] = "filename";         // string: "chunk_0042.wav"
inline constexpr char kFirstSample[] = "first-sample";  // guint64: frames since the stream began
inline constexpr char kSamples[] = "samples";           // guint64: frames (samples per channel)
inline constexpr char kRate[] = "rate";                 // gint
inline constexpr char kChannels[] = "channels";         // gint
inline constexpr char kDuration[] = "duration";         // guint64 ns: samples at the rate
// guint64 ns, GST_CLOCK_TIME_NONE when the buffers carry no timestamps.
inline constexpr char kStartRunningTime[] = "start-running-time";
inline constexpr char kEndRunningTime[] = "end-running-time";
inline constexpr char kStartStreamTime[] = "start-stream-time";
inline constexpr char kEndStreamTime[] = "end-stream-time";
// gdouble, 1.0 = full scale: RMS of the short stretch around a cut chosen for its quiet.
// Absent when the chunk ended for another reason (end of stream, stop, caps change, flush).
inline constexpr char kCutRms[] = "cut-rms";

}  // namespace onair::wavchunksink_messages
