// The element messages ttsmix posts: structure and field names, for the element and for
// programs that read them (the onair app). gst-inspect-1.0 ttsmix documents them.
#pragma once

namespace onair::ttsmix_messages {

// An item's first sample is in the output.
inline constexpr char kStarted[] = "ttsmix-started";
// An item ended (its last sample is in the output, or it never played); see kReason.
inline constexpr char kFinished[] = "ttsmix-finished";
// say, play or push-clip refused an item; it got no id.
inline constexpr char kRefused[] = "ttsmix-refused";

// Fields of all three.
inline constexpr char kId[] = "id";      // guint: the item's id, 0 in kRefused
inline constexpr char kKind[] = "kind";  // string: kKindSpeech, kKindClip or kKindSamples
inline constexpr char kText[] = "text";  // string: at most 60 characters of the text, or the
                                         // clip's file name; valid UTF-8
// guint64 ns. kStarted: the item's first sample; kFinished: where its last sample ended;
// kRefused: the running time the element had reached (GST_CLOCK_TIME_NONE before any buffer).
inline constexpr char kRunningTime[] = "running-time";
// guint64 ns. kStarted: the item's length when known (a clip's from its decoder), else
// GST_CLOCK_TIME_NONE (speech still synthesising); kFinished: how long it played; kRefused: 0.
inline constexpr char kDuration[] = "duration";
// kFinished: string, one of the kReason* values; kRefused: string, a sentence saying why.
inline constexpr char kReason[] = "reason";
inline constexpr char kError[] = "error";  // string, kFinished with kReasonFailed only

// Values of kKind.
inline constexpr char kKindSpeech[] = "speech";    // say
inline constexpr char kKindClip[] = "clip";        // play
inline constexpr char kKindSamples[] = "samples";  // push-clip

// Values of kReason in kFinished.
inline constexpr char kReasonDone[] = "done";
inline constexpr char kReasonSkipped[] = "skipped";
inline constexpr char kReasonInterrupted[] = "interrupted";
inline constexpr char kReasonCleared[] = "cleared";
inline constexpr char kReasonFailed[] = "failed";

}  // namespace onair::ttsmix_messages
