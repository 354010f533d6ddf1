// resilientrtmpsink without a real RTMP server: nothing listening, and a peer
// that answers with garbage. The pipeline must never fail because of either.
// (Against a real nginx-rtmp server: tests/integration.)
#include <gio/gio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

// A TCP port on 127.0.0.1 that nothing listens on.
guint16 closed_port() {
  GSocket *s =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new(lo, 0);
  g_socket_bind(s, addr, TRUE, nullptr);
  GSocketAddress *bound = g_socket_get_local_address(s, nullptr);
  const guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  g_object_unref(addr);
  g_object_unref(lo);
  g_object_unref(s);  // closed: connections to it are refused
  return port;
}

struct OutputRun {
  GstElement *pipeline = nullptr;
  GstElement *out = nullptr;
  std::vector<std::string> states;
  std::vector<guint64> delays;
  std::vector<std::string> errors;  // bus errors: there must be none

  explicit OutputRun(const std::string &location, const std::string &extra = "") {
    const std::string launch =
        "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! h264parse ! out.video "
        "audiotestsrc is-live=true ! audioconvert ! voaacenc ! aacparse ! out.audio "
        "resilientrtmpsink name=out retry-initial=100000000 timeout=2 location=" +
        location + " " + extra;
    GError *error = nullptr;
    pipeline = gst_parse_launch(launch.c_str(), &error);
    EXPECT_EQ(error, nullptr) << (error ? error->message : "");
    out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  }
  ~OutputRun() {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(out);
    gst_object_unref(pipeline);
  }

  // Plays until `seconds` pass or EOS; collects state messages and errors.
  bool play(double seconds, bool send_eos_at_end = false) {
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(pipeline);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    bool eos = false;
    bool eos_sent = false;
    while (!eos) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= end && !eos_sent) {
        if (!send_eos_at_end) break;
        gst_element_send_event(pipeline, gst_event_new_eos());
        eos_sent = true;
      }
      GstMessage *m = gst_bus_timed_pop(bus, 50 * GST_MSECOND);
      if (!m) continue;
      collect(m, eos);
      gst_message_unref(m);
      // After EOS was sent, allow at most 3 s for it to come through.
      if (eos_sent && std::chrono::steady_clock::now() > end + std::chrono::seconds(3)) break;
    }
    gst_object_unref(bus);
    return eos;
  }

  void collect(GstMessage *m, bool &eos) {
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      GError *e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      errors.push_back(e->message);
      g_error_free(e);
    }
    const GstStructure *s = gst_message_get_structure(m);
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name(s, "resilientrtmpsink-state")) {
      states.push_back(gst_structure_get_string(s, "state"));
      guint64 delay = 0;
      if (gst_structure_get_uint64(s, "next-delay", &delay)) delays.push_back(delay);
      const gchar *where = gst_structure_get_string(s, "location");
      EXPECT_EQ(std::string(where).find("sekrit"), std::string::npos) << where;
      if (const gchar *error = gst_structure_get_string(s, "error")) {
        EXPECT_EQ(std::string(error).find("sekrit"), std::string::npos) << error;
      }
    }
  }

  GstStructure *stats() {
    GstStructure *s = nullptr;
    g_object_get(out, "stats", &s, nullptr);
    return s;
  }
};

int count(const std::vector<std::string> &v, const std::string &what) {
  return static_cast<int>(std::count(v.begin(), v.end(), what));
}

}  // namespace

TEST(ResilientRtmpSink, NoServerNeverFailsThePipeline) {
  OutputRun run("rtmp://127.0.0.1:" + std::to_string(closed_port()) + "/live/sekrit-key-123");
  run.play(2.5);
  EXPECT_TRUE(run.errors.empty()) << (run.errors.empty() ? "" : run.errors.front());
  ASSERT_GE(count(run.states, "connecting"), 3);
  ASSERT_GE(count(run.states, "reconnecting"), 2);
  EXPECT_EQ(count(run.states, "live"), 0);
  EXPECT_EQ(run.states.front(), "connecting");
  // Backoff grows: 100 ms, 200 ms, 400 ms, ... each within +-20 %.
  ASSERT_GE(run.delays.size(), 2u);
  EXPECT_GE(run.delays[0], 80 * GST_MSECOND);
  EXPECT_LE(run.delays[0], 120 * GST_MSECOND);
  EXPECT_GE(run.delays[1], 160 * GST_MSECOND);
  EXPECT_LE(run.delays[1], 240 * GST_MSECOND);

  GstStructure *s = run.stats();
  guint64 dropped = 0, sent = 1;
  ASSERT_TRUE(gst_structure_get_uint64(s, "frames-dropped", &dropped));
  ASSERT_TRUE(gst_structure_get_uint64(s, "frames-sent", &sent));
  EXPECT_GT(dropped, 30u);  // the video went on flowing, and was dropped
  EXPECT_EQ(sent, 0u);
  const std::string error = gst_structure_get_string(s, "last-error");
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find("sekrit"), std::string::npos);
  EXPECT_EQ(std::string(gst_structure_get_string(s, "location")).find("sekrit"), std::string::npos);
  gst_structure_free(s);
}

TEST(ResilientRtmpSink, EndOfStreamIsPromptWhileOffline) {
  OutputRun run("rtmp://127.0.0.1:" + std::to_string(closed_port()) + "/live/sekrit");
  EXPECT_TRUE(run.play(1.0, true)) << "EOS did not come through while offline";
  EXPECT_TRUE(run.errors.empty());
  EXPECT_EQ(run.states.back(), "stopped");
}

TEST(ResilientRtmpSink, GivesUpAfterMaxAttemptsWithAWarningOnly) {
  OutputRun run("rtmp://127.0.0.1:" + std::to_string(closed_port()) + "/live/sekrit",
                "max-attempts=2");
  run.play(2.0);
  EXPECT_TRUE(run.errors.empty());
  EXPECT_EQ(count(run.states, "connecting"), 2);
  EXPECT_EQ(run.states.back(), "failed");
  gchar *state = nullptr;
  g_object_get(run.out, "state", &state, nullptr);
  EXPECT_STREQ(state, "failed");
  g_free(state);

  // reconnect-now revives a failed output.
  g_signal_emit_by_name(run.out, "reconnect-now");
  run.play(0.5);
  EXPECT_GE(count(run.states, "connecting"), 3);
}

TEST(ResilientRtmpSink, GarbageFromThePeerIsAFailedAttempt) {
  // A peer that accepts, sends junk and hangs up.
  GSocketListener *listener = g_socket_listener_new();
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new(lo, 0);
  GSocketAddress *bound = nullptr;
  ASSERT_TRUE(g_socket_listener_add_address(listener, addr, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, nullptr, &bound, nullptr));
  const guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  GCancellable *cancel = g_cancellable_new();
  std::atomic<int> accepted{0};
  std::thread peer([&] {
    while (GSocketConnection *c = g_socket_listener_accept(listener, nullptr, cancel, nullptr)) {
      accepted++;
      GOutputStream *os = g_io_stream_get_output_stream(G_IO_STREAM(c));
      const char junk[] = "\x03\xff\xfe garbage that is not an RTMP handshake \x00\x01";
      g_output_stream_write_all(os, junk, sizeof junk, nullptr, nullptr, nullptr);
      g_io_stream_close(G_IO_STREAM(c), nullptr, nullptr);
      g_object_unref(c);
    }
  });
  {
    OutputRun run("rtmp://127.0.0.1:" + std::to_string(port) + "/live/sekrit");
    run.play(2.0);
    EXPECT_TRUE(run.errors.empty());
    EXPECT_GE(accepted.load(), 2);
    EXPECT_GE(count(run.states, "reconnecting"), 2);
    EXPECT_EQ(count(run.states, "live"), 0);
  }
  g_cancellable_cancel(cancel);
  peer.join();
  g_object_unref(cancel);
  g_object_unref(bound);
  g_object_unref(addr);
  g_object_unref(lo);
  g_object_unref(listener);
}

TEST(ResilientRtmpSink, RefusesANonRtmpLocation) {
  OutputRun run("http://example.invalid/x");
  run.play(0.5);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_NE(run.errors[0].find("No valid RTMP location"), std::string::npos);
}

TEST(ResilientRtmpSink, DisplayLocationHidesTheKey) {
  GstElement *e = gst_element_factory_make("resilientrtmpsink", nullptr);
  g_object_set(e, "location", "rtmps://a.rtmps.youtube.com:443/live2/abcd-efgh-ijkl", nullptr);
  gchar *shown = nullptr;
  g_object_get(e, "display-location", &shown, nullptr);
  EXPECT_STREQ(shown, "rtmps://a.rtmps.youtube.com:443/live2/***");
  g_free(shown);
  gst_object_unref(e);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
