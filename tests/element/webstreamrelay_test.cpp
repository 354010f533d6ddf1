// webstreamsink publishing to a real nats-server on 127.0.0.1 and webstreamrelaysrc reading
// it back: the caps (with INIT) first, key and delta frames as they were sent, the
// alternative payloads with their header, a broker that is down at start or restarts.
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "element_test.h"
#include "onair/alt_payload.h"
#include "webstreamrelaysrc_messages.h"
#include "webstreamsink_messages.h"

namespace {

namespace sink_msg = onair::webstreamsink_messages;
namespace relay_msg = onair::webstreamrelaysrc_messages;
using onair::element_test::wait_for_message;

constexpr GstClockTime kWait = 20 * GST_SECOND;
constexpr char kInit[] = "INIT:10.0:3:4:2:0";
constexpr char kCaps[] =
    "application/x-asciiline,cols=4,rows=2,mode=3,framerate=10/1,init=(string)\"INIT:10.0:3:4:"
    "2:0\",alt-init=(string)\"INIT:10.0:3:4:2:1\",alt-cell-bytes=(int)4";

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

// A nats-server of the test's own.
struct Broker {
  explicit Broker(guint port) : port(port) {}
  ~Broker() { stop(); }
  void start() {
    gchar *path = g_find_program_in_path("nats-server");
    ASSERT_NE(path, nullptr) << "nats-server is not installed (tools/setup installs it)";
    const std::string port_text = std::to_string(port);
    pid = fork();
    if (pid == 0) {
      execl(path, path, "-a", "127.0.0.1", "-p", port_text.c_str(), static_cast<char *>(nullptr));
      _exit(127);
    }
    g_free(path);
  }
  void stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port); }
  guint port;
  pid_t pid = -1;
};

struct Pipelines {
  onair::ElementPtr publisher, relay;
  GstElement *appsrc = nullptr, *appsink = nullptr;
  onair::BusPtr publisher_bus, relay_bus;

  Pipelines(const std::string &url, const std::string &subject) {
    GError *error = nullptr;
    publisher.reset(gst_parse_launch(
        ("appsrc name=src format=time caps=\"" + std::string(kCaps) +
         "\" ! webstreamsink serve=false sync=false nats-url=" + url + " nats-subject=" + subject)
            .c_str(),
        &error));
    EXPECT_EQ(error, nullptr);
    relay.reset(gst_parse_launch(("webstreamrelaysrc nats-url=" + url + " nats-subject=" + subject +
                                  " ! appsink name=sink sync=false max-buffers=100")
                                     .c_str(),
                                 &error));
    EXPECT_EQ(error, nullptr);
    appsrc = gst_bin_get_by_name(GST_BIN(publisher.get()), "src");
    appsink = gst_bin_get_by_name(GST_BIN(relay.get()), "sink");
    publisher_bus.reset(gst_element_get_bus(publisher.get()));
    relay_bus.reset(gst_element_get_bus(relay.get()));
    gst_element_set_state(publisher.get(), GST_STATE_PLAYING);
    gst_element_set_state(relay.get(), GST_STATE_PLAYING);
  }
  ~Pipelines() {
    gst_element_set_state(publisher.get(), GST_STATE_NULL);
    gst_element_set_state(relay.get(), GST_STATE_NULL);
    gst_object_unref(appsrc);
    gst_object_unref(appsink);
  }

  static GstBuffer *frame(uint8_t index) {
    GstBuffer *buffer = gst_buffer_new_allocate(nullptr, 4 + 4 * 2 * 4, nullptr);
    gst_buffer_memset(buffer, 0, index, gst_buffer_get_size(buffer));
    return buffer;
  }

  void push(uint8_t index, bool delta) {
    GstBuffer *buffer = frame(index);
    if (delta) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(appsrc), buffer), GST_FLOW_OK);
  }

  // A full frame with alternatives as asciienc attaches them: the full one ({0xF0, index})
  // and, with `base`, a delta ({0xD0, index}).
  void push_with_alternatives(uint8_t index, uint64_t sequence, std::optional<uint64_t> base) {
    GstBuffer *buffer = frame(index);
    const uint8_t full_bytes[] = {0xF0, index}, delta_bytes[] = {0xD0, index};
    onair::BufferPtr full(gst_buffer_new_memdup(full_bytes, sizeof full_bytes));
    onair::BufferPtr delta(base ? gst_buffer_new_memdup(delta_bytes, sizeof delta_bytes) : nullptr);
    onair::alt_payload::attach(buffer, sequence, full.get(), delta.get(), base.value_or(0));
    ASSERT_EQ(gst_app_src_push_buffer(GST_APP_SRC(appsrc), buffer), GST_FLOW_OK);
  }

  // The next frame the relay outputs (index and delta flag), or -1 after `timeout`.
  int pull(GstClockTime timeout, bool *delta = nullptr, std::string *init = nullptr) {
    onair::SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(appsink), timeout));
    if (!sample) return -1;
    GstBuffer *buffer = gst_sample_get_buffer(sample.get());
    uint8_t first = 0;
    gst_buffer_extract(buffer, 0, &first, 1);
    if (delta) *delta = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    if (init) {
      const GstStructure *s = gst_caps_get_structure(gst_sample_get_caps(sample.get()), 0);
      const gchar *text = gst_structure_get_string(s, "init");
      *init = text ? text : "";
      EXPECT_FALSE(gst_structure_has_field(s, "alt-init"))
          << "frames without alternatives may not offer their header";
    }
    return first;
  }

  // Both ends linked to the broker and the relay subscribed: key frames (index `probe`) go
  // until one comes through, then the relay's queue is emptied.
  void wait_linked(uint8_t probe) {
    auto connected = [](const char *name) {
      return [name](GstMessage *m) {
        const GstStructure *s = gst_message_get_structure(m);
        return gst_structure_has_name(s, name) &&
               g_str_equal(gst_structure_get_string(s, "event"), "connected");
      };
    };
    ASSERT_TRUE(wait_for_message(publisher_bus.get(), GST_MESSAGE_ELEMENT, kWait,
                                 connected(sink_msg::kNats)));
    ASSERT_TRUE(
        wait_for_message(relay_bus.get(), GST_MESSAGE_ELEMENT, kWait, connected(relay_msg::kLink)));
    // The subscription reaches the broker a moment after the link is up: no fixed wait, the
    // first frame through says it has.
    const gint64 deadline = g_get_monotonic_time() + gint64(kWait / GST_USECOND);
    int got = -1;
    while (got != probe && g_get_monotonic_time() < deadline) {
      push(probe, false);
      got = pull(100 * GST_MSECOND);
    }
    ASSERT_EQ(got, probe);
    while (pull(0) != -1) {
    }
  }

  guint64 stat(GstElement *element, const char *property, const char *field) {
    GstStructure *s = nullptr;
    g_object_get(element, property, &s, nullptr);
    guint64 value = 0;
    gst_structure_get_uint64(s, field, &value);
    gst_structure_free(s);
    return value;
  }
};

GstElement *by_factory(GstElement *bin, const char *factory) {
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue item = G_VALUE_INIT;
  GstElement *found = nullptr;
  while (!found && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto *e = GST_ELEMENT(g_value_get_object(&item));
    if (g_str_equal(GST_OBJECT_NAME(gst_element_get_factory(e)), factory)) found = e;
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return found;
}

}  // namespace

TEST(WebStreamRelay, CapsFirstAndKindsPreserved) {
  Broker broker(free_port());
  broker.start();
  Pipelines p(broker.url(), "test.kinds");
  p.wait_linked(200);

  const std::vector<std::pair<uint8_t, bool>> sent = {
      {1, false}, {2, true}, {3, true}, {4, false}, {5, true}};
  for (auto [index, delta] : sent) p.push(index, delta);
  for (auto [index, delta] : sent) {
    bool got_delta = false;
    std::string init;
    ASSERT_EQ(p.pull(kWait, &got_delta, &init), index);
    EXPECT_EQ(got_delta, delta) << "frame " << int(index);
    EXPECT_EQ(init, kInit);
  }
  GstElement *relay_src = by_factory(p.relay.get(), "webstreamrelaysrc");
  ASSERT_NE(relay_src, nullptr);
  EXPECT_EQ(p.stat(relay_src, "stats", relay_msg::kLost), 0u);
  GstElement *sink = by_factory(p.publisher.get(), "webstreamsink");
  ASSERT_NE(sink, nullptr);
  EXPECT_GE(p.stat(sink, "stats", sink_msg::kNatsPublished), sent.size());

  // The URL never reads back with its credentials.
  g_object_set(relay_src, "nats-url", "nats://user:secret@127.0.0.1:1", nullptr);
  gchar *shown = nullptr;
  g_object_get(relay_src, "nats-url", &shown, nullptr);
  EXPECT_STREQ(shown, "nats://***@127.0.0.1:1");
  g_free(shown);
}

TEST(WebStreamRelay, RelayStartsBeforeTheBrokerAndOutlivesItsRestart) {
  Broker broker(free_port());
  // Both ends start while nothing listens: they keep trying.
  Pipelines p(broker.url(), "test.restart");
  broker.start();
  p.wait_linked(10);
  p.push(11, false);
  ASSERT_EQ(p.pull(kWait), 11);

  broker.stop();
  ASSERT_TRUE(wait_for_message(p.publisher_bus.get(), GST_MESSAGE_WARNING, kWait));
  auto disconnected = [](const char *name) {
    return [name](GstMessage *m) {
      const GstStructure *s = gst_message_get_structure(m);
      return gst_structure_has_name(s, name) &&
             g_str_equal(gst_structure_get_string(s, "event"), "disconnected");
    };
  };
  ASSERT_TRUE(wait_for_message(p.publisher_bus.get(), GST_MESSAGE_ELEMENT, kWait,
                               disconnected(sink_msg::kNats)));
  ASSERT_TRUE(wait_for_message(p.relay_bus.get(), GST_MESSAGE_ELEMENT, kWait,
                               disconnected(relay_msg::kLink)));
  // Frames while the broker is away are dropped and counted; the stream goes on.
  p.push(12, false);
  p.push(13, true);
  GstElement *sink = by_factory(p.publisher.get(), "webstreamsink");
  ASSERT_NE(sink, nullptr);
  // appsrc hands them to the sink in its own thread: wait until both were rendered.
  const gint64 deadline = g_get_monotonic_time() + gint64(kWait / GST_USECOND);
  while (p.stat(sink, "stats", sink_msg::kNatsDropped) < 2 && g_get_monotonic_time() < deadline)
    g_usleep(1000);
  EXPECT_EQ(p.stat(sink, "stats", sink_msg::kNatsDropped), 2u);

  broker.start();
  p.wait_linked(20);
  p.push(21, false);
  p.push(22, true);
  bool delta = true;
  ASSERT_EQ(p.pull(kWait, &delta), 21);
  EXPECT_FALSE(delta);
  ASSERT_EQ(p.pull(kWait, &delta), 22);
  EXPECT_TRUE(delta);
  GstElement *relay_src = by_factory(p.relay.get(), "webstreamrelaysrc");
  EXPECT_GE(p.stat(relay_src, "stats", relay_msg::kLost), 2u);  // 12 and 13 never came
  EXPECT_EQ(GST_STATE(p.relay.get()), GST_STATE_PLAYING);
  EXPECT_EQ(GST_STATE(p.publisher.get()), GST_STATE_PLAYING);
}

TEST(WebStreamRelay, AlternativePayloadsAndTheirHeaderTravel) {
  namespace ap = onair::alt_payload;
  Broker broker(free_port());
  broker.start();
  Pipelines p(broker.url(), "test.alternatives");
  p.wait_linked(200);

  p.push_with_alternatives(1, 100, std::nullopt);
  p.push_with_alternatives(2, 101, 100);
  for (uint8_t index : {1, 2}) {
    onair::SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(p.appsink), kWait));
    ASSERT_TRUE(sample);
    GstBuffer *buffer = gst_sample_get_buffer(sample.get());
    uint8_t first = 0;
    gst_buffer_extract(buffer, 0, &first, 1);
    EXPECT_EQ(first, index);
    // The relay's sink offers the alternatives' header to the clients that ask for them.
    const GstStructure *caps = gst_caps_get_structure(gst_sample_get_caps(sample.get()), 0);
    EXPECT_STREQ(gst_structure_get_string(caps, "alt-init"), "INIT:10.0:3:4:2:1");
    gint cell_bytes = 0;
    EXPECT_TRUE(gst_structure_get_int(caps, ap::kCellBytes, &cell_bytes));
    EXPECT_EQ(cell_bytes, 4);

    const GstStructure *alt = ap::find(buffer);
    ASSERT_NE(alt, nullptr) << "frame " << int(index);
    guint64 sequence = 0;
    EXPECT_TRUE(gst_structure_get_uint64(alt, ap::kSequence, &sequence));
    EXPECT_EQ(sequence, 99u + index);
    GstBuffer *full = nullptr;
    ASSERT_TRUE(gst_structure_get(alt, ap::kFull, GST_TYPE_BUFFER, &full, nullptr));
    onair::BufferPtr full_owned(full);
    uint8_t bytes[2] = {};
    EXPECT_EQ(gst_buffer_extract(full, 0, bytes, 2), 2u);
    EXPECT_EQ(bytes[0], 0xF0);
    EXPECT_EQ(bytes[1], index);
    GstBuffer *delta = nullptr;
    guint64 base = 0;
    const bool has_delta = gst_structure_get(alt, ap::kDelta, GST_TYPE_BUFFER, &delta, ap::kBase,
                                             G_TYPE_UINT64, &base, nullptr);
    onair::BufferPtr delta_owned(delta);
    EXPECT_EQ(has_delta, index == 2);
    if (has_delta) {
      EXPECT_EQ(base, 100u);
      EXPECT_EQ(gst_buffer_extract(delta, 0, bytes, 2), 2u);
      EXPECT_EQ(bytes[0], 0xD0);
      EXPECT_EQ(bytes[1], index);
    }
  }
  // A frame without alternatives comes with caps that offer none (pull checks).
  p.push(3, false);
  std::string init;
  ASSERT_EQ(p.pull(kWait, nullptr, &init), 3);
  EXPECT_EQ(init, kInit);
}
