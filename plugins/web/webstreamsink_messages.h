// The element messages webstreamsink posts: structure and field names, for the element and for
// programs that read them. gst-inspect-1.0 webstreamsink documents them.
#pragma once

namespace onair::webstreamsink_messages {

// A client connected or left.
inline constexpr char kClient[] = "webstreamsink-client";
// The structure of the stats property.
inline constexpr char kStats[] = "webstreamsink-stats";
// The link to a NATS broker (nats-url) came up or went down.
inline constexpr char kNats[] = "webstreamsink-nats";
// One entry of kStats' per-client list.
inline constexpr char kClientEntry[] = "client";

// Fields of kClient.
inline constexpr char kEvent[] = "event";  // string: "connected" or "disconnected"
inline constexpr char kConnected[] = "connected";
inline constexpr char kDisconnected[] = "disconnected";
inline constexpr char kPath[] = "path";           // string
inline constexpr char kClientId[] = "client-id";  // guint64 (also per client)
inline constexpr char kRemote[] = "remote";       // string (also per client)
inline constexpr char kClients[] = "clients";     // guint (also in kStats)
inline constexpr char kSent[] = "sent";           // guint64, when disconnected (also per client)
inline constexpr char kDropped[] = "dropped";     // guint64 (also in kStats and per client)
inline constexpr char kSkipped[] = "skipped";     // guint64 (also per client)
// gboolean (also per client): the client asked for the alternative payloads and gets them.
inline constexpr char kAlternative[] = "alternative";
// guint64, when disconnected (also per client): whole alternatives sent because the client
// missed the frame a delta was based on.
inline constexpr char kResyncs[] = "resyncs";

// Fields of kStats.
inline constexpr char kConnections[] = "connections";       // guint64
inline constexpr char kFramesIn[] = "frames-in";            // guint64
inline constexpr char kFramesSent[] = "frames-sent";        // guint64
inline constexpr char kBytesSent[] = "bytes-sent";          // guint64
inline constexpr char kPerClient[] = "per-client";          // GstValueList of kClientEntry
inline constexpr char kNatsPublished[] = "nats-published";  // guint64
inline constexpr char kNatsDropped[] = "nats-dropped";      // guint64: broker away
inline constexpr char kNatsConnected[] = "nats-connected";  // gboolean

// Fields of kNats: kEvent (kConnected or kDisconnected), kDropped (frames not published so far)
// and these.
inline constexpr char kNatsUrl[] = "url";  // string, credentials hidden
inline constexpr char kNatsSubject[] = "subject";

}  // namespace onair::webstreamsink_messages
