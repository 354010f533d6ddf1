// webstreamsink with frames from appsrc and real clients on 127.0.0.1: a
// libsoup WebSocket client, raw sockets for slow and vanishing clients, and
// plain HTTP for the chunked mode.
#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "element_test.h"
#include "onair/alt_payload.h"
#include "webstreamsink_messages.h"

namespace {

namespace msg = onair::webstreamsink_messages;

constexpr int kCols = 4, kRows = 2;
constexpr size_t kFrameBytes = 4 + kCols * kRows * 4;
const char *kInit = "INIT:10:3:4:2:0";

std::string caps_string(const char *init) {
  return std::string(
             "application/x-asciiline,cols=4,rows=2,mode=3,framerate=10/1,init=(string)\"") +
         init + "\"";
}

// Runs the default main context until `done` or the timeout.
bool iterate_until(const std::function<bool()> &done, int timeout_ms = 10000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(1000);
  }
  return true;
}

guint free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct Message {
  int type;  // SOUP_WEBSOCKET_DATA_TEXT or _BINARY
  std::string data;
};

// A libsoup WebSocket client in the test's default main context.
struct WsClient {
  SoupSession *session = soup_session_new();
  SoupWebsocketConnection *conn = nullptr;
  std::vector<Message> messages;
  bool failed = false;
  bool closed = false;

  WsClient(guint port, const std::string &path) {
    const std::string url = "ws://127.0.0.1:" + std::to_string(port) + path;
    SoupMessage *msg = soup_message_new("GET", url.c_str());
    soup_session_websocket_connect_async(
        session, msg, nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
        [](GObject *source, GAsyncResult *res, gpointer data) {
          auto *self = static_cast<WsClient *>(data);
          self->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, nullptr);
          if (!self->conn) {
            self->failed = true;
            return;
          }
          soup_websocket_connection_set_max_incoming_payload_size(self->conn, 64 << 20);
          g_signal_connect(
              self->conn, "message",
              G_CALLBACK(+[](SoupWebsocketConnection *, gint type, GBytes *bytes, gpointer d) {
                gsize size = 0;
                const auto *p = static_cast<const char *>(g_bytes_get_data(bytes, &size));
                static_cast<WsClient *>(d)->messages.push_back({type, std::string(p, size)});
              }),
              self);
          g_signal_connect(self->conn, "closed",
                           G_CALLBACK(+[](SoupWebsocketConnection *, gpointer d) {
                             static_cast<WsClient *>(d)->closed = true;
                           }),
                           self);
        },
        this);
    g_object_unref(msg);
    iterate_until([&] { return conn || failed; });
  }
  ~WsClient() {
    if (conn) {
      g_signal_handlers_disconnect_by_data(conn, this);
      if (soup_websocket_connection_get_state(conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
      g_object_unref(conn);
    }
    g_object_unref(session);
  }
  size_t binary_count() const {
    size_t n = 0;
    for (const Message &m : messages) n += m.type == SOUP_WEBSOCKET_DATA_BINARY;
    return n;
  }
};

// A raw TCP client that completes the handshake and then reads only when told.
struct RawClient {
  int fd = -1;
  RawClient(guint port, const std::string &path, int rcvbuf = 0) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    const std::string req = "GET " + path +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: "
                            "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n";
    EXPECT_EQ(write(fd, req.data(), req.size()), ssize_t(req.size()));
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && read(fd, &c, 1) == 1) head += c;
    EXPECT_EQ(head.rfind("HTTP/1.1 101", 0), 0u) << head;
  }
  void abort_now() {
    linger l{1, 0};  // reset, as a browser tab that is killed
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
    fd = -1;
  }
  ~RawClient() {
    if (fd >= 0) close(fd);
  }
};

struct SinkRun {
  GstElement *pipeline = nullptr;
  std::mutex lock;  // guards client_events, errors
  std::vector<GstStructure *> client_events;
  std::vector<std::string> errors, warnings;
  size_t event_count() {
    std::lock_guard l(lock);
    return client_events.size();
  }
  bool saw(const char *event) {
    std::lock_guard l(lock);
    for (GstStructure *s : client_events)
      if (g_str_equal(gst_structure_get_string(s, msg::kEvent), event)) return true;
    return false;
  }

  explicit SinkRun(const std::string &description) {
    GError *error = nullptr;
    pipeline = gst_parse_launch(description.c_str(), &error);
    EXPECT_EQ(error, nullptr) << (error ? error->message : "");
    GstBus *bus = gst_element_get_bus(pipeline);
    gst_bus_set_sync_handler(
        bus,
        [](GstBus *, GstMessage *m, gpointer d) -> GstBusSyncReply {
          auto *self = static_cast<SinkRun *>(d);
          if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
            GError *e = nullptr;
            gst_message_parse_error(m, &e, nullptr);
            std::lock_guard lock(self->lock);
            self->errors.push_back(e->message);
            g_error_free(e);
          } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
            GError *e = nullptr;
            gst_message_parse_warning(m, &e, nullptr);
            std::lock_guard lock(self->lock);
            self->warnings.push_back(e->message);
            g_error_free(e);
          } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT &&
                     gst_message_has_name(m, msg::kClient)) {
            // Posted from the server's thread.
            std::lock_guard lock(self->lock);
            self->client_events.push_back(gst_structure_copy(gst_message_get_structure(m)));
          }
          return GST_BUS_DROP;
        },
        this, nullptr);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
  }
  ~SinkRun() {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    for (GstStructure *s : client_events) gst_structure_free(s);
  }
  GstElement *get(const char *name) {
    GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);
    gst_object_unref(e);  // the pipeline keeps it
    return e;
  }
  guint port(const char *sink = "sink") {
    guint port = 0;
    g_object_get(get(sink), "current-port", &port, nullptr);
    return port;
  }
  GstStructure *stats(const char *sink = "sink") {
    GstStructure *s = nullptr;
    g_object_get(get(sink), "stats", &s, nullptr);
    return s;
  }
  guint clients(const char *sink = "sink") {
    GstStructure *s = stats(sink);
    guint n = 0;
    gst_structure_get_uint(s, msg::kClients, &n);
    gst_structure_free(s);
    return n;
  }
  guint64 frames_sent(const char *sink = "sink") {
    GstStructure *s = stats(sink);
    guint64 n = 0;
    gst_structure_get_uint64(s, msg::kFramesSent, &n);
    gst_structure_free(s);
    return n;
  }
  void push(const char *src, uint32_t index, size_t size = kFrameBytes, bool delta = false) {
    GstBuffer *b = gst_buffer_new_allocate(nullptr, size, nullptr);
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_WRITE);
    std::memset(map.data, 'a' + index % 26, size);
    map.data[0] = static_cast<guint8>(index >> 24);
    map.data[1] = static_cast<guint8>(index >> 16);
    map.data[2] = static_cast<guint8>(index >> 8);
    map.data[3] = static_cast<guint8>(index);
    gst_buffer_unmap(b, &map);
    GST_BUFFER_PTS(b) = index * GST_SECOND / 10;
    if (delta) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(get(src)), b), GST_FLOW_OK);
  }
};

std::string ascii_pipeline(const std::string &sink_props = "") {
  return "appsrc name=src format=time caps=" + std::string("\"") + caps_string(kInit) +
         "\" ! webstreamsink name=sink port=0 path=/ascii/ws sync=false async=false " + sink_props;
}

uint32_t index_of(const std::string &frame) {
  return (uint32_t(uint8_t(frame[0])) << 24) | (uint32_t(uint8_t(frame[1])) << 16) |
         (uint32_t(uint8_t(frame[2])) << 8) | uint8_t(frame[3]);
}

}  // namespace

TEST(WebStreamSink, HeaderFirstThenFrames) {
  SinkRun run(ascii_pipeline());
  const guint port = run.port();
  ASSERT_GT(port, 0u);
  WsClient client(port, "/ascii/ws");
  ASSERT_TRUE(client.conn);
  ASSERT_TRUE(iterate_until([&] { return run.event_count() == 1; }));
  // One at a time: frames pushed faster than a client reads may be dropped.
  for (uint32_t i = 0; i < 5; i++) {
    run.push("src", i);
    ASSERT_TRUE(iterate_until([&] { return client.binary_count() == i + 1; }));
  }
  ASSERT_EQ(client.messages.size(), 6u);
  EXPECT_EQ(client.messages[0].type, SOUP_WEBSOCKET_DATA_TEXT);
  EXPECT_EQ(client.messages[0].data, kInit);
  for (uint32_t i = 0; i < 5; i++) {
    EXPECT_EQ(client.messages[i + 1].data.size(), kFrameBytes);
    EXPECT_EQ(index_of(client.messages[i + 1].data), i);
  }
  const GstStructure *connected = run.client_events[0];
  EXPECT_STREQ(gst_structure_get_string(connected, msg::kEvent), msg::kConnected);
  EXPECT_STREQ(gst_structure_get_string(connected, msg::kPath), "/ascii/ws");
  EXPECT_TRUE(run.errors.empty());
}

TEST(WebStreamSink, ClientsThatAskGetEachFramesRunningTime) {
  SinkRun run(ascii_pipeline());
  const guint port = run.port();
  WsClient timed(port, "/ascii/ws?times=1"), plain(port, "/ascii/ws");
  ASSERT_TRUE(timed.conn && plain.conn);
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 2; }));
  for (uint32_t i = 0; i < 3; i++) {
    run.push("src", i);
    ASSERT_TRUE(iterate_until(
        [&] { return timed.binary_count() == i + 1 && plain.binary_count() == i + 1; }));
  }
  // INIT, then TIME:<ns> before every frame (frame i has PTS i/10 s).
  ASSERT_EQ(timed.messages.size(), 7u);
  EXPECT_EQ(timed.messages[0].data, kInit);
  for (uint32_t i = 0; i < 3; i++) {
    EXPECT_EQ(timed.messages[1 + 2 * i].type, SOUP_WEBSOCKET_DATA_TEXT);
    EXPECT_EQ(timed.messages[1 + 2 * i].data, "TIME:" + std::to_string(i * 100000000ull));
    EXPECT_EQ(index_of(timed.messages[2 + 2 * i].data), i);
  }
  // Without asking: the seed's stream, INIT and frames only.
  ASSERT_EQ(plain.messages.size(), 4u);
  for (size_t k = 1; k < 4; k++) EXPECT_EQ(plain.messages[k].type, SOUP_WEBSOCKET_DATA_BINARY);
}

TEST(WebStreamSink, LateJoinerGetsHeaderAndNewCapsResendIt) {
  SinkRun run(ascii_pipeline());
  WsClient first(run.port(), "/ascii/ws");
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 1; }));
  for (uint32_t i = 0; i < 3; i++) {
    run.push("src", i);
    ASSERT_TRUE(iterate_until([&] { return first.binary_count() == i + 1; }));
  }
  WsClient late(run.port(), "/ascii/ws");
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 2; }));
  run.push("src", 3);
  ASSERT_TRUE(iterate_until([&] { return late.binary_count() == 1 && first.binary_count() == 4; }));
  ASSERT_EQ(late.messages.size(), 2u);
  EXPECT_EQ(late.messages[0].data, kInit);
  EXPECT_EQ(index_of(late.messages[1].data), 3u);

  GstCaps *caps = gst_caps_from_string(caps_string("INIT:10:3:4:2:1").c_str());
  g_object_set(run.get("src"), "caps", caps, nullptr);
  gst_caps_unref(caps);
  run.push("src", 4);
  ASSERT_TRUE(iterate_until([&] { return late.binary_count() == 2; }));
  ASSERT_EQ(late.messages.size(), 4u);
  EXPECT_EQ(late.messages[2].type, SOUP_WEBSOCKET_DATA_TEXT);
  EXPECT_EQ(late.messages[2].data, "INIT:10:3:4:2:1");
}

TEST(WebStreamSink, NewClientStartsOnFullFrame) {
  SinkRun run(ascii_pipeline());
  WsClient client(run.port(), "/ascii/ws");
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 1; }));
  run.push("src", 0, kFrameBytes, true);
  run.push("src", 1, kFrameBytes, true);
  run.push("src", 2, kFrameBytes, false);
  ASSERT_TRUE(iterate_until([&] { return client.binary_count() == 1; }));
  run.push("src", 3, kFrameBytes, true);
  ASSERT_TRUE(iterate_until([&] { return client.binary_count() == 2; }));
  EXPECT_EQ(index_of(client.messages[1].data), 2u);
  EXPECT_EQ(index_of(client.messages[2].data), 3u);
}

TEST(WebStreamSink, ManyClientsAtOnce) {
  constexpr int kClients = 20;
  SinkRun run(ascii_pipeline());
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kClients; i++) {
    clients.push_back(std::make_unique<WsClient>(run.port(), "/ascii/ws"));
    ASSERT_TRUE(clients.back()->conn);
  }
  ASSERT_TRUE(iterate_until([&] { return run.clients() == kClients; }));
  for (uint32_t i = 0; i < 5; i++) {
    run.push("src", i);
    ASSERT_TRUE(iterate_until([&] {
      for (const auto &c : clients)
        if (c->binary_count() != i + 1) return false;
      return true;
    }));
  }
  for (const auto &c : clients) {
    EXPECT_EQ(c->messages[0].data, kInit);
    EXPECT_EQ(index_of(c->messages.back().data), 4u);
  }
  GstStructure *stats = run.stats();
  guint64 sent = 0, dropped = 1;
  gst_structure_get_uint64(stats, msg::kFramesSent, &sent);
  gst_structure_get_uint64(stats, msg::kDropped, &dropped);
  gst_structure_free(stats);
  EXPECT_EQ(sent, 5u * kClients);
  EXPECT_EQ(dropped, 0u);
}

TEST(WebStreamSink, JoiningClientAsksUpstreamForAFullFrame) {
  SinkRun run(ascii_pipeline());
  std::atomic<int> requests{0};
  GstPad *pad = gst_element_get_static_pad(run.get("src"), "src");
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      [](GstPad *, GstPadProbeInfo *info, gpointer d) {
        if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info)))
          (*static_cast<std::atomic<int> *>(d))++;
        return GST_PAD_PROBE_OK;
      },
      &requests, nullptr);
  gst_object_unref(pad);
  WsClient first(run.port(), "/ascii/ws");
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 1; }));
  EXPECT_EQ(requests, 0);  // no delta frames seen yet
  run.push("src", 0);
  run.push("src", 1, kFrameBytes, true);
  ASSERT_TRUE(iterate_until([&] { return first.binary_count() == 2; }));
  WsClient second(run.port(), "/ascii/ws");
  ASSERT_TRUE(iterate_until([&] { return requests == 1; }));
}

TEST(WebStreamSink, SlowClientDropsWhileFastClientGetsAll) {
  constexpr size_t kBig = 512 * 1024;
  constexpr uint32_t kFrames = 40;
  SinkRun run(ascii_pipeline("client-queue=2"));
  RawClient slow(run.port(), "/ascii/ws", 4096);  // never reads
  WsClient fast(run.port(), "/ascii/ws");
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 2; }));
  for (uint32_t i = 0; i < kFrames; i++) {
    run.push("src", i, kBig);
    ASSERT_TRUE(iterate_until([&] { return fast.binary_count() == i + 1; }));
  }
  for (uint32_t i = 0; i < kFrames; i++) {
    EXPECT_EQ(fast.messages[i + 1].data.size(), kBig);
    EXPECT_EQ(index_of(fast.messages[i + 1].data), i);
  }
  GstStructure *stats = run.stats();
  guint64 dropped = 0;
  gst_structure_get_uint64(stats, msg::kDropped, &dropped);
  const GValue *list = gst_structure_get_value(stats, msg::kPerClient);
  ASSERT_EQ(gst_value_list_get_size(list), 2u);
  guint64 per_client_dropped[2] = {0, 0};
  for (guint i = 0; i < 2; i++)
    gst_structure_get_uint64(gst_value_get_structure(gst_value_list_get_value(list, i)),
                             msg::kDropped, &per_client_dropped[i]);
  gst_structure_free(stats);
  EXPECT_GT(dropped, 10u);
  // The first client is the slow one.
  EXPECT_EQ(per_client_dropped[0], dropped);
  EXPECT_EQ(per_client_dropped[1], 0u);
}

// Frames far smaller than the kernel's self-grown buffers go to a client that never reads
// (a 4 KB receive buffer) beside one that reads all; returns how many were dropped for it.
// At most the queue (2), the frame being written and what the socket may hold escape.
constexpr uint32_t kStalledFrames = 40;

guint64 drops_for_a_stalled_client(const std::string &settings) {
  constexpr size_t kFrame = 16 * 1024;
  SinkRun run(ascii_pipeline("client-queue=2 " + settings));
  RawClient slow(run.port(), "/ascii/ws", 4096);  // never reads
  WsClient fast(run.port(), "/ascii/ws");
  EXPECT_TRUE(iterate_until([&] { return run.clients() == 2; }));
  for (uint32_t i = 0; i < kStalledFrames; i++) {
    run.push("src", i, kFrame);
    if (!iterate_until([&] { return fast.binary_count() == i + 1; })) {
      ADD_FAILURE() << "the reading client did not get frame " << i;
      break;
    }
  }
  GstStructure *stats = run.stats();
  guint64 dropped = 0;
  gst_structure_get_uint64(stats, msg::kDropped, &dropped);
  gst_structure_free(stats);
  return dropped;
}

TEST(WebStreamSink, SmallSendBufferLeavesTheBacklogToTheQueue) {
  // Without a small SO_SNDBUF (and no unsent limit) every frame would go into the socket.
  EXPECT_GE(drops_for_a_stalled_client("client-send-buffer=8192 client-unsent-limit=0"),
            kStalledFrames - 8);
}

TEST(WebStreamSink, UnsentLimitLeavesTheBacklogToTheQueue) {
  // The system's send buffer, which grows: only the unsent limit keeps frames out of it.
  EXPECT_GE(drops_for_a_stalled_client("client-send-buffer=0 client-unsent-limit=4096"),
            kStalledFrames - 8);
}

namespace {

const char *kAltInit = "INIT:10:3:4:2:1";

std::string alt_pipeline() {
  return "appsrc name=src format=time caps=\"" + caps_string(kInit) + ",alt-init=(string)" +
         kAltInit + "\" ! webstreamsink name=sink port=0 path=/ascii/ws sync=false async=false";
}

GstBuffer *bytes_buffer(const std::string &bytes) {
  return gst_buffer_new_memdup(bytes.data(), bytes.size());
}

// Frame `index` (a seed frame) with its alternatives "full<index>" and, when `base` >= 0,
// "delta<index>" relative to frame `base`.
void push_with_alternatives(SinkRun &run, uint32_t index, int64_t base) {
  std::string seed(kFrameBytes, 'a');
  seed[3] = char(index);
  GstBuffer *b = bytes_buffer(seed);
  GST_BUFFER_PTS(b) = index * GST_SECOND / 10;
  GstBuffer *full = bytes_buffer("full" + std::to_string(index));
  GstBuffer *delta = base >= 0 ? bytes_buffer("delta" + std::to_string(index)) : nullptr;
  onair::alt_payload::attach(b, index, full, delta, uint64_t(base));
  gst_buffer_unref(full);
  if (delta) gst_buffer_unref(delta);
  ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(run.get("src")), b), GST_FLOW_OK);
}

guint64 per_client(SinkRun &run, guint client, const char *field) {
  GstStructure *stats = run.stats();
  const GValue *list = gst_structure_get_value(stats, msg::kPerClient);
  guint64 n = G_MAXUINT64;
  gboolean alternative = FALSE;
  const GstStructure *c = gst_value_get_structure(gst_value_list_get_value(list, client));
  if (g_str_equal(field, msg::kAlternative)) {
    gst_structure_get_boolean(c, field, &alternative);
    n = alternative;
  } else {
    gst_structure_get_uint64(c, field, &n);
  }
  gst_structure_free(stats);
  return n;
}

}  // namespace

TEST(WebStreamSink, EachClientGetsTheStreamItAskedFor) {
  onair::alt_payload::register_meta();
  SinkRun run(alt_pipeline());
  WsClient seed(run.port(), "/ascii/ws"), changed(run.port(), "/ascii/ws?cells=changed");
  ASSERT_TRUE(seed.conn && changed.conn);
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 2; }));
  push_with_alternatives(run, 0, -1);
  push_with_alternatives(run, 1, 0);
  ASSERT_TRUE(
      iterate_until([&] { return seed.binary_count() == 2 && changed.binary_count() == 2; }));
  // Asking for nothing: the seed's header and frames.
  EXPECT_EQ(seed.messages[0].data, kInit);
  EXPECT_EQ(seed.messages[1].data.size(), kFrameBytes);
  EXPECT_EQ(seed.messages[2].data.size(), kFrameBytes);
  // Asking: the alternative header, then the whole first frame and the delta on it.
  EXPECT_EQ(changed.messages[0].data, kAltInit);
  EXPECT_EQ(changed.messages[1].data, "full0");
  EXPECT_EQ(changed.messages[2].data, "delta1");

  // A late joiner starts whole, with no request upstream; the others go on with deltas.
  WsClient late(run.port(), "/ascii/ws?times=1&cells=changed");
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 3; }));
  push_with_alternatives(run, 2, 1);
  ASSERT_TRUE(
      iterate_until([&] { return late.binary_count() == 1 && changed.binary_count() == 3; }));
  EXPECT_EQ(late.messages[0].data, kAltInit);
  EXPECT_EQ(late.messages[1].data, "TIME:200000000");
  EXPECT_EQ(late.messages[2].data, "full2");
  EXPECT_EQ(changed.messages[3].data, "delta2");

  // Frame 3 never reached anyone (as if dropped): the delta on it is no use, everyone who
  // asked gets frame 4 whole, and the next delta again.
  push_with_alternatives(run, 4, 3);
  push_with_alternatives(run, 5, 4);
  ASSERT_TRUE(
      iterate_until([&] { return late.binary_count() == 3 && changed.binary_count() == 5; }));
  EXPECT_EQ(changed.messages[4].data, "full4");
  EXPECT_EQ(changed.messages[5].data, "delta5");
  EXPECT_EQ(late.messages.back().data, "delta5");
  ASSERT_TRUE(iterate_until([&] { return seed.binary_count() == 5; }));
  EXPECT_EQ(seed.messages.back().data.size(), kFrameBytes);
  EXPECT_EQ(per_client(run, 0, msg::kAlternative), 0u);
  EXPECT_EQ(per_client(run, 1, msg::kAlternative), 1u);
  EXPECT_EQ(per_client(run, 0, msg::kResyncs), 0u);
  EXPECT_EQ(per_client(run, 1, msg::kResyncs), 1u);
  EXPECT_EQ(per_client(run, 2, msg::kResyncs), 1u);
  EXPECT_TRUE(run.errors.empty());
}

TEST(WebStreamSink, ClientLeavingMidFrameDisturbsNoOne) {
  constexpr size_t kBig = 1024 * 1024;
  SinkRun run(ascii_pipeline());
  RawClient leaving(run.port(), "/ascii/ws", 4096);
  WsClient staying(run.port(), "/ascii/ws");
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 2; }));
  run.push("src", 0, kBig);
  ASSERT_TRUE(iterate_until([&] { return staying.binary_count() == 1; }));
  leaving.abort_now();  // with most of a 1 MiB frame still unread
  for (uint32_t i = 1; i < 10; i++) {
    run.push("src", i, kBig);
    ASSERT_TRUE(iterate_until([&] { return staying.binary_count() == i + 1; }));
  }
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 1; }));
  EXPECT_TRUE(iterate_until([&] { return run.saw(msg::kDisconnected); }));
  EXPECT_FALSE(staying.closed);
  EXPECT_TRUE(run.errors.empty());
}

TEST(WebStreamSink, TwoSinksShareOnePort) {
  const guint port = free_port();
  const std::string p = std::to_string(port);
  SinkRun run("appsrc name=a format=time caps=\"" + caps_string(kInit) +
              "\" ! webstreamsink name=va port=" + p +
              " path=/ascii/ws sync=false async=false "
              "appsrc name=b format=time caps=audio/mpeg,mpegversion=4,stream-format=adts "
              "! webstreamsink name=vb protocol=http port=" +
              p + " path=/ascii/audio.aac sync=false async=false");
  EXPECT_EQ(run.port("va"), port);
  EXPECT_EQ(run.port("vb"), port);
  WsClient ws(port, "/ascii/ws");
  ASSERT_TRUE(ws.conn);

  // Plain HTTP on the same port: a chunked stream of what appsrc b pushes.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
  const std::string req = "GET /ascii/audio.aac HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(write(fd, req.data(), req.size()), ssize_t(req.size()));
  ASSERT_TRUE(iterate_until([&] { return run.clients("va") == 1 && run.clients("vb") == 1; }));
  run.push("a", 0);
  run.push("b", 7, 100);
  // Frame 7 starts the response (its time goes in the headers) before frame 8 comes.
  ASSERT_TRUE(iterate_until([&] { return run.frames_sent("vb") == 1; }));
  run.push("b", 8, 100);
  ASSERT_TRUE(iterate_until([&] { return ws.binary_count() == 1; }));

  std::string reply;
  char buf[4096];
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (reply.find("\r\n64\r\n", reply.find("\r\n64\r\n") + 1) == std::string::npos) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("Content-Type: audio/aac"), std::string::npos);
  EXPECT_NE(reply.find("Transfer-Encoding: chunked"), std::string::npos);
  // The response says the running time of its first chunk (frame 7: 0.7 s).
  EXPECT_NE(reply.find("X-Stream-Time: 700000000\r\n"), std::string::npos) << reply.substr(0, 300);
  // Two chunks of 100 (0x64) bytes: frames 7 and 8.
  const size_t first = reply.find("\r\n\r\n64\r\n");
  ASSERT_NE(first, std::string::npos) << reply;
  EXPECT_EQ(reply[first + 8 + 3], 7);
  EXPECT_TRUE(run.errors.empty());
}

TEST(WebStreamSink, TwoSinksCannotShareAPath) {
  const std::string p = std::to_string(free_port());
  GstElement *pipeline =
      gst_parse_launch(("fakesrc ! webstreamsink port=" + p +
                        " path=/x fakesrc ! webstreamsink port=" + p + " path=/x")
                           .c_str(),
                       nullptr);
  EXPECT_EQ(gst_element_set_state(pipeline, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  // Stopped, the path is free again.
  GstElement *one = gst_element_factory_make("webstreamsink", nullptr);
  g_object_set(one, "port", std::stoi(p), "path", "/x", nullptr);
  EXPECT_NE(gst_element_set_state(one, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(one, GST_STATE_NULL);
  gst_object_unref(one);
  gst_object_unref(pipeline);
}

TEST(WebStreamSink, PlainGetOnWebSocketPathIsRefused) {
  SinkRun run(ascii_pipeline());
  SoupSession *session = soup_session_new();
  const std::string url = "http://127.0.0.1:" + std::to_string(run.port()) + "/ascii/ws";
  SoupMessage *msg = soup_message_new("GET", url.c_str());
  GBytes *body = soup_session_send_and_read(session, msg, nullptr, nullptr);
  EXPECT_EQ(soup_message_get_status(msg), 426u);
  if (body) g_bytes_unref(body);
  g_object_unref(msg);
  g_object_unref(session);
}

TEST(WebStreamSink, PortInUseIsAResourceError) {
  // Another process-wide server holds the port: a SoupServer of our own.
  SoupServer *other = soup_server_new(nullptr, nullptr);
  ASSERT_TRUE(soup_server_listen_local(other, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, nullptr));
  GSList *uris = soup_server_get_uris(other);
  const int port = g_uri_get_port(static_cast<GUri *>(uris->data));
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  GstElement *sink = gst_element_factory_make("webstreamsink", nullptr);
  g_object_set(sink, "port", port, nullptr);
  EXPECT_EQ(gst_element_set_state(sink, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(sink, GST_STATE_NULL);
  gst_object_unref(sink);
  g_object_unref(other);
}

TEST(WebStreamSink, ServesTheApplicationsServerThroughAContext) {
  SoupServer *app = soup_server_new(nullptr, nullptr);
  ASSERT_TRUE(soup_server_listen_local(app, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, nullptr));
  GSList *uris = soup_server_get_uris(app);
  const guint port = static_cast<guint>(g_uri_get_port(static_cast<GUri *>(uris->data)));
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));

  GstElement *pipeline =
      gst_parse_launch(("appsrc name=src format=time caps=\"" + caps_string(kInit) +
                        "\" ! webstreamsink name=sink port=1 path=/ascii/ws sync=false async=false")
                           .c_str(),
                       nullptr);
  GstContext *context = gst_context_new("onair.soup-server", TRUE);
  gst_structure_set(gst_context_writable_structure(context), "server", SOUP_TYPE_SERVER, app,
                    nullptr);
  gst_element_set_context(pipeline, context);
  gst_context_unref(context);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  guint current = 0;
  g_object_get(sink, "current-port", &current, nullptr);
  EXPECT_EQ(current, port);
  {
    // The app's server runs in this thread's default context.
    WsClient client(port, "/ascii/ws");
    ASSERT_TRUE(client.conn);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstBuffer *b = gst_buffer_new_allocate(nullptr, kFrameBytes, nullptr);
    gst_buffer_memset(b, 0, 0, kFrameBytes);
    gst_app_src_push_buffer(GST_APP_SRC(src), b);
    gst_object_unref(src);
    ASSERT_TRUE(iterate_until([&] { return client.binary_count() == 1; }));
    EXPECT_EQ(client.messages[0].data, kInit);
  }
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  // The sink's detach was queued to the app's context: run it before the server goes.
  while (g_main_context_pending(nullptr)) g_main_context_iteration(nullptr, FALSE);
  g_object_unref(app);
}

namespace {

// Sends `request` and returns the answer's head (status line and headers).
std::string head_of_answer(guint port, const std::string &request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
  EXPECT_EQ(write(fd, request.data(), request.size()), ssize_t(request.size()));
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && read(fd, &c, 1) == 1) head += c;
  close(fd);
  return head;
}

std::string handshake(guint port, const std::string &path, const std::string &origin) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         (origin.empty() ? "" : "Origin: " + origin + "\r\n") + "\r\n";
}

bool starts_with(const std::string &s, const std::string &prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool has_header(const std::string &head, const std::string &line) {
  return head.find("\r\n" + line + "\r\n") != std::string::npos;
}

std::string sound_pipeline(const std::string &sink_props) {
  return "appsrc name=src format=time caps=audio/mpeg,mpegversion=4,stream-format=adts "
         "! webstreamsink name=sink protocol=http port=0 path=/ascii/audio.aac sync=false "
         "async=false " +
         sink_props;
}

}  // namespace

TEST(WebStreamSink, WebSocketsOfOtherSitesNeedToBeAllowed) {
  SinkRun run(ascii_pipeline("allow-origins=https://example.com"));
  const guint port = run.port();
  const std::string own = "http://127.0.0.1:" + std::to_string(port);
  // Not a browser page, the same origin, and a listed one are served.
  EXPECT_TRUE(starts_with(head_of_answer(port, handshake(port, "/ascii/ws", "")), "HTTP/1.1 101"));
  EXPECT_TRUE(starts_with(head_of_answer(port, handshake(port, "/ascii/ws", own)), "HTTP/1.1 101"));
  EXPECT_TRUE(starts_with(head_of_answer(port, handshake(port, "/ascii/ws", "https://EXAMPLE.com")),
                          "HTTP/1.1 101"));
  // Others are refused before the handshake.
  for (const char *foreign : {"http://evil.example", "http://example.com", "null"}) {
    const std::string head = head_of_answer(port, handshake(port, "/ascii/ws", foreign));
    EXPECT_TRUE(starts_with(head, "HTTP/1.1 403")) << foreign << ": " << head;
  }
  EXPECT_TRUE(iterate_until([&] { return run.clients() == 0; }));
  EXPECT_TRUE(run.errors.empty());
}

TEST(WebStreamSink, OnlyTheSameOriginByDefault) {
  SinkRun run(ascii_pipeline());
  const guint port = run.port();
  EXPECT_TRUE(starts_with(
      head_of_answer(port,
                     handshake(port, "/ascii/ws", "http://127.0.0.1:" + std::to_string(port))),
      "HTTP/1.1 101"));
  EXPECT_TRUE(starts_with(head_of_answer(port, handshake(port, "/ascii/ws", "https://example.com")),
                          "HTTP/1.1 403"));
}

TEST(WebStreamSink, OptionsIsAPreflightForAllowedOrigins) {
  SinkRun run(sound_pipeline("allow-origins=http://127.0.0.1:8081,https://example.com"));
  const guint port = run.port();
  const std::string head =
      head_of_answer(port,
                     "OPTIONS /ascii/audio.aac HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
                     "http://127.0.0.1:8081\r\nAccess-Control-Request-Method: GET\r\n\r\n");
  EXPECT_TRUE(starts_with(head, "HTTP/1.1 204")) << head;
  EXPECT_TRUE(has_header(head, "Access-Control-Allow-Origin: http://127.0.0.1:8081")) << head;
  EXPECT_TRUE(has_header(head, "Access-Control-Allow-Methods: GET, HEAD, OPTIONS")) << head;
  EXPECT_TRUE(has_header(head, "Vary: Origin")) << head;
  const std::string refused =
      head_of_answer(port,
                     "OPTIONS /ascii/audio.aac HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
                     "http://evil.example\r\nAccess-Control-Request-Method: GET\r\n\r\n");
  EXPECT_TRUE(starts_with(refused, "HTTP/1.1 403")) << refused;
  EXPECT_EQ(refused.find("Access-Control-Allow-Origin"), std::string::npos) << refused;
  // Other methods still are not.
  EXPECT_TRUE(starts_with(
      head_of_answer(port, "DELETE /ascii/audio.aac HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
      "HTTP/1.1 405"));
}

TEST(WebStreamSink, AllowedOriginsReadTheSoundAndItsTime) {
  SinkRun run(sound_pipeline("allow-origins=https://example.com"));
  const guint port = run.port();
  const std::string head_request =
      "HEAD /ascii/audio.aac HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://example.com\r\n\r\n";
  const std::string head = head_of_answer(port, head_request);
  EXPECT_TRUE(starts_with(head, "HTTP/1.1 200")) << head;
  EXPECT_TRUE(has_header(head, "Access-Control-Allow-Origin: https://example.com")) << head;
  EXPECT_TRUE(has_header(head, "Access-Control-Expose-Headers: X-Stream-Time")) << head;

  // The endless GET: its headers go with the first chunk.
  std::string get_head;
  std::thread reader([&] {
    get_head = head_of_answer(port,
                              "GET /ascii/audio.aac HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
                              "https://example.com\r\n\r\n");
  });
  ASSERT_TRUE(iterate_until([&] { return run.clients() == 1; }));
  run.push("src", 3, 100);
  reader.join();
  EXPECT_TRUE(starts_with(get_head, "HTTP/1.1 200")) << get_head;
  EXPECT_TRUE(has_header(get_head, "Access-Control-Allow-Origin: https://example.com")) << get_head;
  EXPECT_TRUE(has_header(get_head, "Access-Control-Expose-Headers: X-Stream-Time")) << get_head;
  EXPECT_TRUE(has_header(get_head, "X-Stream-Time: 300000000")) << get_head;

  const std::string refused = head_of_answer(
      port,
      "GET /ascii/audio.aac HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n\r\n");
  EXPECT_TRUE(starts_with(refused, "HTTP/1.1 403")) << refused;
  EXPECT_EQ(refused.find("Access-Control-Allow-Origin"), std::string::npos) << refused;
}

TEST(WebStreamSink, InvalidAllowOriginsIsASettingsError) {
  GstElement *sink = gst_element_factory_make("webstreamsink", nullptr);
  g_object_set(sink, "port", 0, "allow-origins", "https://example.com,example.org", nullptr);
  EXPECT_EQ(gst_element_set_state(sink, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(sink, GST_STATE_NULL);
  gst_object_unref(sink);
}

TEST(WebStreamSink, MissingWebRootIsAWarning) {
  const std::string missing = "/nonexistent/onair/web";
  SinkRun run(ascii_pipeline("web-root=" + missing));
  std::lock_guard lock(run.lock);
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find(missing), std::string::npos) << run.warnings[0];
  EXPECT_TRUE(run.errors.empty());
}
