// resilientrtmpsink without a real RTMP server: nothing listening, and a peer
// that answers with garbage. The pipeline must never fail because of either.
// (Against a real nginx-rtmp server: tests/integration.)
#include <gio/gio.h>
#include <gst/check/gsttestclock.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "element_test.h"
#include "resilientrtmpsink_messages.h"

namespace {

namespace msg = onair::resilientrtmpsink_messages;

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

// A TCP listener on 127.0.0.1 at a free port (in `port`), or null.
GSocketListener *loopback_listener(guint16 &port) {
  GSocketListener *listener = g_socket_listener_new();
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new(lo, 0);
  GSocketAddress *bound = nullptr;
  const bool ok = g_socket_listener_add_address(listener, addr, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, nullptr, &bound, nullptr);
  if (ok) {
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_object_unref(bound);
  }
  g_object_unref(addr);
  g_object_unref(lo);
  if (ok) return listener;
  g_object_unref(listener);
  return nullptr;
}

struct OutputRun {
  GstElement *pipeline = nullptr;
  GstElement *out = nullptr;
  std::vector<std::string> states;
  std::vector<guint64> delays;
  std::vector<std::string> errors;  // bus errors: there must be none
  bool eos = false;

  explicit OutputRun(const std::string &location, const std::string &extra = "",
                     const std::string &sources = kSources) {
    const std::string launch = sources +
                               " resilientrtmpsink name=out retry-initial=100000000 timeout=2 "
                               "location=" +
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

  static constexpr const char *kSources =
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 "
      "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! h264parse ! out.video "
      "audiotestsrc is-live=true ! audioconvert ! voaacenc ! aacparse ! out.audio";

  // Collects state messages and errors until `done` holds or EOS comes; false when neither
  // happens within a deadline meant only to end a broken run.
  bool run_until(const std::function<bool()> &done) {
    GstBus *bus = gst_element_get_bus(pipeline);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool ok = done();
    while (!ok && !eos && std::chrono::steady_clock::now() < give_up) {
      if (GstMessage *m = gst_bus_timed_pop(bus, 50 * GST_MSECOND)) {
        collect(m);
        gst_message_unref(m);
      }
      ok = done();
    }
    gst_object_unref(bus);
    return ok;
  }

  bool play_until(const std::function<bool()> &done) {
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    // Until the sinks prerolled and the pipeline plays: events sent before would wait on them.
    gst_element_get_state(pipeline, nullptr, nullptr, GST_CLOCK_TIME_NONE);
    return run_until(done);
  }

  // The messages already posted, without waiting.
  void collect_posted() {
    GstBus *bus = gst_element_get_bus(pipeline);
    while (GstMessage *m = gst_bus_pop(bus)) {
      collect(m);
      gst_message_unref(m);
    }
    gst_object_unref(bus);
  }

  void collect(GstMessage *m) {
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      GError *e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      errors.push_back(e->message);
      g_error_free(e);
    }
    const GstStructure *s = gst_message_get_structure(m);
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT && gst_structure_has_name(s, msg::kState)) {
      states.push_back(gst_structure_get_string(s, msg::kStateName));
      guint64 delay = 0;
      if (gst_structure_get_uint64(s, msg::kNextDelay, &delay)) delays.push_back(delay);
      const gchar *where = gst_structure_get_string(s, msg::kLocation);
      EXPECT_EQ(std::string(where).find("sekrit"), std::string::npos) << where;
      if (const gchar *error = gst_structure_get_string(s, msg::kError)) {
        EXPECT_EQ(std::string(error).find("sekrit"), std::string::npos) << error;
      }
    }
  }

  GstStructure *stats() {
    GstStructure *s = nullptr;
    g_object_get(out, "stats", &s, nullptr);
    return s;
  }

  guint64 stat(const char *field) {
    GstStructure *s = stats();
    guint64 value = 0;
    gst_structure_get_uint64(s, field, &value);
    gst_structure_free(s);
    return value;
  }

  std::function<bool()> seen(const std::string &state, int times) {
    return [this, state, times] { return count_of(state) >= times; };
  }
  int count_of(const std::string &state) const {
    return static_cast<int>(std::count(states.begin(), states.end(), state));
  }
};

int count(const std::vector<std::string> &v, const std::string &what) {
  return static_cast<int>(std::count(v.begin(), v.end(), what));
}

// The wait for `time` pending on the test clock (among the sources' waits), once there is one.
GstClockID pending_wait(GstClock *clock, GstClockTime time) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  guint count = 1;
  GstClockID found = nullptr;
  while (!found && std::chrono::steady_clock::now() < give_up) {
    GList *pending = nullptr;
    gst_test_clock_timed_wait_for_multiple_pending_ids(GST_TEST_CLOCK(clock), count, 100, &pending);
    for (GList *l = pending; l; l = l->next) {
      auto id = static_cast<GstClockID>(l->data);
      if (!found && gst_clock_id_get_time(id) == time) found = gst_clock_id_ref(id);
    }
    count = g_list_length(pending) + 1;  // else wait for one more
    g_list_free_full(pending, reinterpret_cast<GDestroyNotify>(gst_clock_id_unref));
  }
  return found;
}

// Moves the test clock to the wait's time and lets it end (taking `wait`).
void release(GstClock *clock, GstClockID wait) {
  gst_test_clock_set_time(GST_TEST_CLOCK(clock), gst_clock_id_get_time(wait));
  gst_test_clock_process_id(GST_TEST_CLOCK(clock), wait);
}

}  // namespace

TEST(ResilientRtmpSink, NoServerNeverFailsThePipeline) {
  OutputRun run("rtmp://127.0.0.1:" + std::to_string(closed_port()) + "/live/sekrit-key-123");
  // Three attempts, and a second of video dropped meanwhile.
  run.play_until([&] {
    return run.count_of("connecting") >= 3 && run.count_of("reconnecting") >= 2 &&
           run.stat(msg::kFramesDropped) > 30;
  });
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
  ASSERT_TRUE(gst_structure_get_uint64(s, msg::kFramesSent, &sent));
  EXPECT_GT(dropped, 30u);  // the video went on flowing, and was dropped
  EXPECT_EQ(sent, 0u);
  const std::string error = gst_structure_get_string(s, "last-error");
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find("sekrit"), std::string::npos);
  EXPECT_EQ(std::string(gst_structure_get_string(s, "location")).find("sekrit"), std::string::npos);
  gst_structure_free(s);
}

TEST(ResilientRtmpSink, EndOfStreamIsPromptWhileOffline) {
  // The waits are an hour long: EOS can only come through if it does not wait for them.
  OutputRun run("rtmp://127.0.0.1:" + std::to_string(closed_port()) + "/live/sekrit",
                "retry-initial=3600000000000 retry-max=3600000000000 "
                "drain-timeout=3600000000000");
  ASSERT_TRUE(run.play_until(run.seen("reconnecting", 1)));
  gst_element_send_event(run.pipeline, gst_event_new_eos());
  run.run_until([&] { return run.eos; });
  EXPECT_TRUE(run.eos) << "EOS did not come through while offline";
  EXPECT_TRUE(run.errors.empty());
  EXPECT_EQ(run.states.back(), "stopped");
}

TEST(ResilientRtmpSink, GivesUpAfterMaxAttemptsWithAWarningOnly) {
  OutputRun run("rtmp://127.0.0.1:" + std::to_string(closed_port()) + "/live/sekrit",
                "max-attempts=2");
  ASSERT_TRUE(run.play_until(run.seen("failed", 1)));
  run.collect_posted();
  EXPECT_TRUE(run.errors.empty());
  EXPECT_EQ(count(run.states, "connecting"), 2);
  EXPECT_EQ(run.states.back(), "failed");
  gchar *state = nullptr;
  g_object_get(run.out, "state", &state, nullptr);
  EXPECT_STREQ(state, "failed");
  g_free(state);

  // reconnect-now revives a failed output.
  g_signal_emit_by_name(run.out, "reconnect-now");
  run.run_until(run.seen("connecting", 3));
  EXPECT_GE(count(run.states, "connecting"), 3);
}

TEST(ResilientRtmpSink, GarbageFromThePeerIsAFailedAttempt) {
  // A peer that accepts, sends junk and hangs up.
  guint16 port = 0;
  GSocketListener *listener = loopback_listener(port);
  ASSERT_NE(listener, nullptr);
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
    run.play_until([&] { return run.count_of("reconnecting") >= 2 && accepted.load() >= 2; });
    EXPECT_TRUE(run.errors.empty());
    EXPECT_GE(accepted.load(), 2);
    EXPECT_GE(count(run.states, "reconnecting"), 2);
    EXPECT_EQ(count(run.states, "live"), 0);
  }
  g_cancellable_cancel(cancel);
  peer.join();
  g_object_unref(cancel);
  g_object_unref(listener);
}

TEST(ResilientRtmpSink, RetriesWaitOnThePipelineClock) {
  OutputRun run("rtmp://127.0.0.1:" + std::to_string(closed_port()) + "/live/sekrit",
                "sync=false probe-interval=0",
                "audiotestsrc is-live=true ! audioconvert ! voaacenc ! aacparse ! out.audio");
  GstClock *clock = gst_test_clock_new();
  gst_pipeline_use_clock(GST_PIPELINE(run.pipeline), clock);
  // The first attempt may fail before the pipeline hands out its clock at PLAYING.
  gst_element_set_clock(run.out, clock);
  // Not play_until(): the live source waits on the test clock, so the pipeline cannot finish
  // going to PLAYING before the clock moves.
  gst_element_set_state(run.pipeline, GST_STATE_PLAYING);
  ASSERT_TRUE(run.run_until(run.seen("reconnecting", 1)));
  // The test clock stands still: the element waits for the failure's time plus next-delay.
  const GstClockTime failed_at = gst_clock_get_time(clock);
  GstClockID wait = pending_wait(clock, failed_at + run.delays[0]);
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(run.count_of("connecting"), 1);
  // While it waits, its stats count down to the attempt.
  GstStructure *s = run.stats();
  guint64 next_attempt_in = G_MAXUINT64;
  EXPECT_STREQ(gst_structure_get_string(s, msg::kStateName), "reconnecting");
  EXPECT_TRUE(gst_structure_get_uint64(s, msg::kNextAttemptIn, &next_attempt_in));
  EXPECT_LE(next_attempt_in, run.delays[0]);
  gst_structure_free(s);

  release(clock, wait);
  ASSERT_TRUE(run.run_until(run.seen("reconnecting", 2)));
  EXPECT_EQ(run.count_of("connecting"), 2);
  wait = pending_wait(clock, failed_at + run.delays[0] + run.delays[1]);
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(run.count_of("connecting"), 2);
  release(clock, wait);
  ASSERT_TRUE(run.run_until(run.seen("connecting", 3)));
  EXPECT_TRUE(run.errors.empty());
  gst_object_unref(clock);
}

TEST(ResilientRtmpSink, StatisticsStartFreshWhenTheElementRestarts) {
  OutputRun run("rtmp://127.0.0.1:" + std::to_string(closed_port()) + "/live/sekrit");
  ASSERT_TRUE(run.play_until([&] {
    return run.count_of("reconnecting") >= 1 && run.stat(msg::kFramesDropped) > 0 &&
           run.stat(msg::kAudioDropped) > 0;
  }));
  gst_element_set_state(run.pipeline, GST_STATE_READY);
  run.collect_posted();
  run.states.clear();

  // A server that takes the connection and never answers: the next attempt stays open, so
  // nothing of the new run fails.
  guint16 port = 0;
  GSocketListener *listener = loopback_listener(port);
  ASSERT_NE(listener, nullptr);
  const std::string silent = "rtmp://127.0.0.1:" + std::to_string(port) + "/live/sekrit";
  g_object_set(run.out, "location", silent.c_str(), "timeout", 3600u, nullptr);

  // Started again but PAUSED: the live sources send nothing yet.
  gst_element_set_state(run.pipeline, GST_STATE_PAUSED);
  ASSERT_TRUE(run.run_until(run.seen("connecting", 1)));
  GstStructure *s = run.stats();
  guint64 video_dropped = 1, audio_dropped = 1, frames = 1, bytes = 1;
  guint reconnects = 1, attempt = 0;
  ASSERT_TRUE(gst_structure_get_uint64(s, "frames-dropped", &video_dropped));
  ASSERT_TRUE(gst_structure_get_uint64(s, "audio-dropped", &audio_dropped));
  ASSERT_TRUE(gst_structure_get_uint64(s, msg::kFramesSent, &frames));
  ASSERT_TRUE(gst_structure_get_uint64(s, msg::kBytesSent, &bytes));
  ASSERT_TRUE(gst_structure_get_uint(s, "reconnects", &reconnects));
  ASSERT_TRUE(gst_structure_get_uint(s, "attempt", &attempt));
  EXPECT_EQ(video_dropped, 0u);
  EXPECT_EQ(audio_dropped, 0u);
  EXPECT_EQ(frames, 0u);
  EXPECT_EQ(bytes, 0u);
  EXPECT_EQ(reconnects, 0u);
  EXPECT_EQ(attempt, 1u);
  EXPECT_STREQ(gst_structure_get_string(s, "last-error"), "");
  EXPECT_STREQ(gst_structure_get_string(s, "state"), "connecting");
  EXPECT_FALSE(gst_structure_has_field(s, msg::kNextAttemptIn));  // only while reconnecting
  gst_structure_free(s);
  EXPECT_TRUE(run.errors.empty());

  gst_element_set_state(run.pipeline, GST_STATE_NULL);
  g_object_unref(listener);
}

TEST(ResilientRtmpSink, RefusesANonRtmpLocation) {
  OutputRun run("http://example.invalid/x");
  // The state change fails at once, with its error already posted.
  EXPECT_EQ(gst_element_set_state(run.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  run.collect_posted();
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
