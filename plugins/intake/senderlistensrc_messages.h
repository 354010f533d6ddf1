// The element messages senderlistensrc posts: structure and field names, for the element and
// for programs that read them (the onair app). gst-inspect-1.0 senderlistensrc documents them.
#pragma once

namespace onair::senderlistensrc_messages {

// A sender connected and is being served.
inline constexpr char kConnected[] = "sender-connected";
// The served sender is gone (closed, silent too long, or not a media stream).
inline constexpr char kLeft[] = "sender-left";
// Someone connected while a sender was served; the connection was closed at once.
inline constexpr char kRefused[] = "sender-refused";

// Fields of all three.
inline constexpr char kRemote[] = "remote";  // string: "address:port" of the connection
// guint64: number of the sender (from 1, each accepted connection); in kRefused, the number
// of the sender being served.
inline constexpr char kSender[] = "sender";
// Fields of kLeft.
inline constexpr char kBytes[] = "bytes";    // guint64: bytes the sender sent
inline constexpr char kReason[] = "reason";  // string: one of the kReason* values or an error
// Field of kLeft when the sender's stream was recognised: its type, e.g. "video/mpegts".
inline constexpr char kMedia[] = "media";  // string

// Values of kReason.
inline constexpr char kReasonClosed[] = "closed";         // the sender closed the connection
inline constexpr char kReasonIdle[] = "idle";             // nothing for idle-timeout
inline constexpr char kReasonNotMedia[] = "not-media";    // typefind did not recognise it
inline constexpr char kReasonWrongType[] = "wrong-type";  // media of a type not accepted
inline constexpr char kReasonStopped[] = "stopped";       // the element stopped
// MPEG-TS without a sound stream while require-audio is set.
inline constexpr char kReasonNoAudio[] = "no-audio";
// MPEG-TS whose programme (stream PIDs and types) differs from the first sender's.
inline constexpr char kReasonOtherLayout[] = "other-layout";
// MPEG-TS whose H.264 parameter sets or AAC format differ from the first sender's
// (match-parameters).
inline constexpr char kReasonOtherParameters[] = "other-parameters";
// FLV that could not be remuxed into the MPEG-TS taken (remux).
inline constexpr char kReasonUnreadable[] = "unreadable";

}  // namespace onair::senderlistensrc_messages
