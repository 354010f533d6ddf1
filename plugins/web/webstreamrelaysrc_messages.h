// The element messages webstreamrelaysrc posts and its stats structure: names and fields, for
// the element and for programs that read them. gst-inspect-1.0 webstreamrelaysrc documents
// them.
#pragma once

namespace onair::webstreamrelaysrc_messages {

// The link to the broker came up or went down.
inline constexpr char kLink[] = "webstreamrelaysrc-link";
// The structure of the stats property.
inline constexpr char kStats[] = "webstreamrelaysrc-stats";

// Fields of kLink.
inline constexpr char kEvent[] = "event";  // string: kConnected or kDisconnected
inline constexpr char kConnected[] = "connected";
inline constexpr char kDisconnected[] = "disconnected";
inline constexpr char kUrl[] = "url";          // string, credentials hidden
inline constexpr char kSubject[] = "subject";  // string

// Fields of kStats (all guint64 but kConnectedNow).
inline constexpr char kReceived[] = "received";  // messages that decoded
inline constexpr char kInvalid[] = "invalid";    // messages that did not
inline constexpr char kLost[] = "lost";          // frames the publisher sent that never came
inline constexpr char kDropped[] = "dropped";    // frames dropped here: the output was slow
inline constexpr char kSkipped[] = "skipped";    // deltas skipped waiting for a key frame
inline constexpr char kRestarts[] = "restarts";  // the publisher started again
inline constexpr char kSlowConsumer[] = "slow-consumer";  // the client dropped messages
inline constexpr char kConnectedNow[] = "connected";      // gboolean: the link is up now

}  // namespace onair::webstreamrelaysrc_messages
