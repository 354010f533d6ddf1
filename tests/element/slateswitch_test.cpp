// slateswitch and resilientsrc: the output keeps its cadence and its timeline when the input
// stops, shows the slate, comes back at once on a keyframe, and tells lost from stopped.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <condition_variable>
#include <mutex>

#include "element_test.h"
#include "slateswitch_messages.h"

namespace msg = onair::slateswitch_messages;
using onair::BufferPtr;
using onair::BusPtr;
using onair::CapsPtr;
using onair::EventPtr;
using onair::MessagePtr;
using onair::element_test::take_element_messages;

namespace {

// 30 fps: the output's cadence before it knows the caps, so the test clock's steps line up.
constexpr int kFps = 30;
constexpr GstClockTime kFrame = GST_SECOND / kFps;

GstClockTime frame_start(int n) {
  return gst_util_uint64_scale(n, GST_SECOND, kFps);
}
constexpr int kWidth = 64, kHeight = 48;
constexpr guint8 kInputLuma = 200;
// What drawing the first slate takes of the clock in the test of the output's start.
constexpr GstClockTime kSlowSlate = 100 * GST_MSECOND;

class SlateSwitchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = gst_harness_new_with_padnames("slateswitch", "video_sink", "video_src");
    g_object_set(h_->element, "timeout", 3 * kFrame, nullptr);
    bus_.reset(gst_bus_new());
    gst_element_set_bus(h_->element, bus_.get());
    gst_harness_set_src_caps_str(h_, "video/x-raw,format=I420,width=64,height=48,framerate=30/1");
  }
  void TearDown() override { gst_harness_teardown(h_); }

  // An input frame stamped with the input's own time `pts`, all of it luma kInputLuma.
  void push_input(GstClockTime pts, bool gap = false) {
    GstVideoInfo info;
    gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, kWidth, kHeight);
    GstBuffer *b = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
    gst_buffer_memset(b, 0, kInputLuma, GST_VIDEO_INFO_SIZE(&info));
    GST_BUFFER_PTS(b) = pts;
    GST_BUFFER_DURATION(b) = kFrame;
    if (gap) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_GAP);
    ASSERT_EQ(gst_harness_push(h_, b), GST_FLOW_OK);
  }

  // The next output frame: its end comes on the test clock.
  BufferPtr next_frame() {
    EXPECT_TRUE(gst_harness_crank_single_clock_wait(h_));
    return BufferPtr(gst_harness_pull(h_));
  }

  static bool shows_input(GstBuffer *b) {
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_READ);
    const bool input = map.data[0] == kInputLuma && map.data[map.size / 3] == kInputLuma;
    gst_buffer_unmap(b, &map);
    return input;
  }

  // Whether a force-key-unit event went downstream since the last call.
  bool took_force_key_unit() {
    bool found = false;
    while (EventPtr e{gst_harness_try_pull_event(h_)})
      if (gst_video_event_is_force_key_unit(e.get())) {
        GstClockTime ts, stream, running;
        gboolean all_headers = FALSE;
        guint count = 0;
        EXPECT_TRUE(gst_video_event_parse_downstream_force_key_unit(e.get(), &ts, &stream, &running,
                                                                    &all_headers, &count));
        EXPECT_TRUE(all_headers);
        found = true;
      }
    return found;
  }

  // The last caps the output sent since the last call, if any.
  CapsPtr last_output_caps() {
    CapsPtr caps;
    while (EventPtr e{gst_harness_try_pull_event(h_)})
      if (GST_EVENT_TYPE(e.get()) == GST_EVENT_CAPS) {
        GstCaps *c = nullptr;
        gst_event_parse_caps(e.get(), &c);
        caps.reset(gst_caps_ref(c));
      }
    return caps;
  }

  GstHarness *h_ = nullptr;
  BusPtr bus_;
};

TEST_F(SlateSwitchTest, KeepsTheCadenceThroughALossAndComesBackOnAKeyframe) {
  // The input's timestamps start far from 0: the output's never follow them.
  const GstClockTime input_base = 1000 * GST_SECOND;
  int frame = 0;
  auto check = [&](GstBuffer *b) {
    EXPECT_EQ(GST_BUFFER_PTS(b), frame_start(frame)) << "frame " << frame;
    EXPECT_EQ(GST_BUFFER_DURATION(b), frame_start(frame + 1) - frame_start(frame));
    ++frame;
  };
  for (int i = 0; i < 5; ++i) {
    push_input(input_base + i * kFrame);
    BufferPtr b = next_frame();
    check(b.get());
    EXPECT_TRUE(shows_input(b.get()));
  }
  EXPECT_TRUE(take_element_messages(bus_.get(), msg::kInputLost).empty());

  // The input stops: frames go on, the slate after the timeout.
  int slate_frames = 0;
  for (int i = 0; i < 6; ++i) {
    BufferPtr b = next_frame();
    check(b.get());
    if (!shows_input(b.get())) ++slate_frames;
  }
  EXPECT_GE(slate_frames, 2);
  auto lost = take_element_messages(bus_.get(), msg::kInputLost);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_STREQ(gst_structure_get_string(lost[0].get(), msg::kReason), "stalled");
  guint64 since = 0;
  EXPECT_TRUE(gst_structure_get_uint64(lost[0].get(), msg::kSinceLastFrame, &since));
  EXPECT_GE(since, 3 * kFrame);
  GstStructure *stats = nullptr;
  g_object_get(h_->element, "stats", &stats, nullptr);
  EXPECT_STREQ(gst_structure_get_string(stats, msg::kState), "lost");
  gst_structure_free(stats);
  took_force_key_unit();  // none so far matters; clear the queue

  // A restarted source: its timestamps begin at 0 again. Back at once, on a keyframe.
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_harness_push_event(h_, gst_event_new_segment(&segment));
  push_input(0);
  BufferPtr back = next_frame();
  check(back.get());
  EXPECT_TRUE(shows_input(back.get()));
  EXPECT_TRUE(took_force_key_unit());
  auto returned = take_element_messages(bus_.get(), msg::kInputBack);
  ASSERT_EQ(returned.size(), 1u);
  guint64 lost_for = 0;
  EXPECT_TRUE(gst_structure_get_uint64(returned[0].get(), msg::kLostFor, &lost_for));
  EXPECT_GT(lost_for, 0u);
}

TEST_F(SlateSwitchTest, GapFramesDoNotKeepTheInputAlive) {
  push_input(0);
  next_frame();
  for (int i = 1; i < 8; ++i) {
    push_input(i * kFrame, true);  // a writer that went silent: its last frame repeated
    next_frame();
  }
  auto lost = take_element_messages(bus_.get(), msg::kInputLost);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_STREQ(gst_structure_get_string(lost[0].get(), msg::kReason), "stalled");
  BufferPtr b = next_frame();
  EXPECT_FALSE(shows_input(b.get()));
}

TEST_F(SlateSwitchTest, EndOfInputShowsTheSlateButEndOfStreamSentToTheElementStops) {
  push_input(0);
  next_frame();
  gst_harness_push_event(h_, gst_event_new_eos());
  BufferPtr b = next_frame();  // the output goes on
  ASSERT_TRUE(b);
  EXPECT_FALSE(shows_input(b.get()));
  auto lost = take_element_messages(bus_.get(), msg::kInputLost);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_STREQ(gst_structure_get_string(lost[0].get(), msg::kReason), "ended");
  while (EventPtr e{gst_harness_try_pull_event(h_)})
    EXPECT_NE(GST_EVENT_TYPE(e.get()), GST_EVENT_EOS);

  // Stopping: end of stream sent to the element ends the output.
  EXPECT_TRUE(gst_element_send_event(h_->element, gst_event_new_eos()));
  bool eos = false;
  while (!eos) {
    EventPtr e(gst_harness_pull_event(h_));
    ASSERT_TRUE(e);
    eos = GST_EVENT_TYPE(e.get()) == GST_EVENT_EOS;
  }
}

TEST_F(SlateSwitchTest, TheSlateImageIsScaledToThePicture) {
  gst_harness_teardown(h_);
  GstElement *e = gst_element_factory_make("slateswitch", nullptr);
  const std::string image = std::string(ONAIR_SOURCE_DIR) + "/tests/element/golden/slate.png";
  g_object_set(e, "slate-location", image.c_str(), "timeout", kFrame, nullptr);
  h_ = gst_harness_new_with_element(e, "video_sink", "video_src");
  gst_harness_set_src_caps_str(h_, "video/x-raw,format=RGBA,width=64,height=48,framerate=10/1");
  BufferPtr b = next_frame();  // no input at all: the slate
  GstMapInfo map;
  gst_buffer_map(b.get(), &map, GST_MAP_READ);
  ASSERT_EQ(map.size, static_cast<gsize>(64 * 48 * 4));
  // The image is pure red: its middle pixel too.
  const guint8 *px = map.data + (24 * 64 + 32) * 4;
  EXPECT_GT(px[0], 200);
  EXPECT_LT(px[1], 50);
  EXPECT_LT(px[2], 50);
  gst_buffer_unmap(b.get(), &map);
}

// Downstream leaves the format open: the output takes the input's frame rate and size, not the
// guess its slate showed before the input came, and the input is asked for what downstream
// takes, not for that guess.
TEST_F(SlateSwitchTest, TakesTheInputsFrameRateAndSizeWhereDownstreamLeavesThemOpen) {
  gst_harness_teardown(h_);
  h_ = gst_harness_new_with_padnames("slateswitch", "video_sink", "video_src");
  // No input within the timeout, nor caps upstream: a slate of a guessed format.
  EXPECT_TRUE(gst_harness_crank_single_clock_wait(h_));
  next_frame();
  CapsPtr guessed = last_output_caps();
  ASSERT_TRUE(guessed);
  CapsPtr input(gst_caps_from_string("video/x-raw,format=I420,width=64,height=48,framerate=25/1"));
  ASSERT_FALSE(gst_caps_can_intersect(guessed.get(), input.get()));
  CapsPtr asked(gst_pad_peer_query_caps(h_->srcpad, nullptr));
  EXPECT_TRUE(gst_caps_can_intersect(asked.get(), input.get())) << asked.get();
  // The guess's pixel format and square pixels come first, but do not bind the input.
  CapsPtr preferred(gst_caps_copy_nth(asked.get(), 0));
  CapsPtr square(gst_caps_from_string("video/x-raw,pixel-aspect-ratio=1/1"));
  EXPECT_TRUE(gst_caps_is_subset(preferred.get(), square.get())) << asked.get();
  CapsPtr other_format(
      gst_caps_from_string("video/x-raw,format=RGBA,width=64,height=48,framerate=25/1"));
  EXPECT_TRUE(gst_pad_peer_query_accept_caps(h_->srcpad, other_format.get()));

  gst_harness_set_src_caps(h_, gst_caps_ref(input.get()));
  push_input(0);
  BufferPtr b = next_frame();
  ASSERT_TRUE(b);
  EXPECT_TRUE(shows_input(b.get()));
  EXPECT_EQ(GST_BUFFER_DURATION(b.get()), GST_SECOND / 25);
  CapsPtr taken = last_output_caps();
  ASSERT_TRUE(taken);
  EXPECT_TRUE(gst_caps_is_equal(taken.get(), input.get())) << taken.get();
}

// A frame rate downstream asks for stays, whatever the input's.
TEST_F(SlateSwitchTest, KeepsTheFrameRateDownstreamAsksFor) {
  gst_harness_teardown(h_);
  h_ = gst_harness_new_with_padnames("slateswitch", "video_sink", "video_src");
  gst_harness_set_sink_caps_str(h_, "video/x-raw,framerate=30/1");
  EXPECT_TRUE(gst_harness_crank_single_clock_wait(h_));  // no input within the timeout
  next_frame();                                          // the guess
  gst_harness_set_src_caps_str(h_, "video/x-raw,format=I420,width=64,height=48,framerate=25/1");
  push_input(0);
  BufferPtr b = next_frame();
  ASSERT_TRUE(b);
  EXPECT_TRUE(shows_input(b.get()));
  EXPECT_EQ(GST_BUFFER_DURATION(b.get()), frame_start(1));
  CapsPtr taken = last_output_caps();
  ASSERT_TRUE(taken);
  gint num = 0, den = 0;
  EXPECT_TRUE(
      gst_structure_get_fraction(gst_caps_get_structure(taken.get(), 0), "framerate", &num, &den));
  EXPECT_EQ(num, kFps);
  EXPECT_EQ(den, 1);
}

// The first frame waits for the input's format, up to the timeout, rather than sending a guess
// and changing it at once.
TEST_F(SlateSwitchTest, TheFirstFrameWaitsForTheInputsFormatUpToTheTimeout) {
  gst_harness_teardown(h_);
  h_ = gst_harness_new_with_padnames("slateswitch", "video_sink", "video_src");
  GstTestClock *clock = gst_harness_get_testclock(h_);
  GstClockID pending = nullptr;
  gst_test_clock_wait_for_next_pending_id(clock, &pending);
  EXPECT_EQ(gst_clock_id_get_time(pending), GST_SECOND);  // the default timeout's end
  gst_clock_id_unref(pending);

  CapsPtr input(gst_caps_from_string("video/x-raw,format=I420,width=64,height=48,framerate=25/1"));
  gst_harness_set_src_caps(h_, gst_caps_ref(input.get()));
  push_input(0);
  BufferPtr b = next_frame();
  ASSERT_TRUE(b);
  EXPECT_EQ(GST_BUFFER_PTS(b.get()), 0u);
  EXPECT_TRUE(shows_input(b.get()));
  int caps_events = 0;
  while (EventPtr e{gst_harness_try_pull_event(h_)})
    if (GST_EVENT_TYPE(e.get()) == GST_EVENT_CAPS) {
      ++caps_events;
      GstCaps *sent = nullptr;
      gst_event_parse_caps(e.get(), &sent);
      EXPECT_TRUE(gst_caps_is_equal(sent, input.get())) << sent;
    }
  EXPECT_EQ(caps_events, 1);
  gst_object_unref(clock);
}

// Drawing the first slate takes a while (here kSlowSlate of the clock, spent while the format
// is settled): the output's timeline starts after it, so no frames fall due at once after it
// and come out in a burst.
TEST_F(SlateSwitchTest, TheTimelineStartsOnceTheFirstSlateIsReady) {
  ASSERT_NE(gst_element_set_state(h_->element, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
  GstTestClock *clock = gst_harness_get_testclock(h_);
  struct SlowSlate {
    GstTestClock *clock;
    bool drawn = false;
  } slow{clock};
  const gulong probe = gst_pad_add_probe(
      h_->sinkpad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      [](GstPad *, GstPadProbeInfo *info, gpointer data) {
        auto *slow = static_cast<SlowSlate *>(data);
        if (GST_QUERY_TYPE(GST_PAD_PROBE_INFO_QUERY(info)) == GST_QUERY_CAPS && !slow->drawn) {
          slow->drawn = true;
          gst_test_clock_advance_time(slow->clock, kSlowSlate);
        }
        return GST_PAD_PROBE_OK;
      },
      &slow, nullptr);
  gst_harness_play(h_);

  // Started again, the element has no input format: the timeout (three frames) goes by first.
  EXPECT_TRUE(gst_harness_crank_single_clock_wait(h_));
  const GstClockTime start = 3 * kFrame + kSlowSlate;
  BufferPtr first = next_frame();
  ASSERT_TRUE(first);
  EXPECT_TRUE(slow.drawn);
  EXPECT_EQ(GST_BUFFER_PTS(first.get()), start);
  GstClockID next = nullptr;
  gst_test_clock_wait_for_next_pending_id(clock, &next);
  EXPECT_EQ(gst_clock_id_get_time(next), start + frame_start(2));
  EXPECT_EQ(gst_harness_buffers_in_queue(h_), 0u);  // none came ahead of its time
  gst_clock_id_unref(next);
  gst_pad_remove_probe(h_->sinkpad, probe);
  gst_object_unref(clock);
}

// resilientsrc on a URI that cannot open (nothing listens on port 1): lost (an error, with a retry
// planned), the slate goes on, and no error reaches the pipeline.
TEST(ResilientSrc, ABadUriPostsLostAndKeepsTheSlateWithoutAnError) {
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(
      "resilientsrc name=in uri=rtmp://127.0.0.1:1/live/secret-key "
      "in.video_src ! video/x-raw,width=64,height=48,framerate=10/1 "
      "! fakesink name=out signal-handoffs=true sync=true",
      &error);
  ASSERT_TRUE(pipeline) << (error ? error->message : "");
  struct Count {
    std::mutex lock;
    std::condition_variable more;
    int frames = 0;
  } count;
  GstElement *out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  g_signal_connect(out, "handoff",
                   G_CALLBACK(+[](GstElement *, GstBuffer *, GstPad *, gpointer data) {
                     auto *c = static_cast<Count *>(data);
                     std::lock_guard<std::mutex> l(c->lock);
                     ++c->frames;
                     c->more.notify_all();
                   }),
                   &count);
  gst_object_unref(out);
  BusPtr bus(gst_element_get_bus(pipeline));
  gst_element_set_state(pipeline, GST_STATE_PLAYING);

  MessagePtr lost =
      onair::element_test::wait_for_element_message(bus.get(), msg::kInputLost, 20 * GST_SECOND);
  ASSERT_TRUE(lost);
  const GstStructure *s = gst_message_get_structure(lost.get());
  EXPECT_STREQ(GST_OBJECT_NAME(GST_MESSAGE_SRC(lost.get())), "in");
  EXPECT_STREQ(gst_structure_get_string(s, msg::kReason), "error");
  guint64 next = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, msg::kNextAttempt, &next));
  EXPECT_EQ(next, GST_SECOND);
  EXPECT_EQ(std::string(gst_structure_get_string(s, msg::kUri)).find("secret-key"),
            std::string::npos);
  {
    std::unique_lock<std::mutex> l(count.lock);
    const int seen = count.frames;
    EXPECT_TRUE(count.more.wait_for(l, std::chrono::seconds(20),
                                    [&] { return count.frames >= seen + 10; }));
  }
  // The second opening fails too: the stats tell the next try (2 s after it), which no
  // message announces while the input stays lost.
  GstElement *in = gst_bin_get_by_name(GST_BIN(pipeline), "in");
  guint attempts = 0;
  guint64 next_in = 0;
  bool planned = false;
  for (int i = 0; i < 400 && !(attempts >= 2 && planned); i++) {
    MessagePtr error(gst_bus_timed_pop_filtered(bus.get(), 50 * GST_MSECOND, GST_MESSAGE_ERROR));
    ASSERT_FALSE(error) << "an error reached the pipeline";
    GstStructure *stats = nullptr;
    g_object_get(in, "stats", &stats, nullptr);
    gst_structure_get_uint(stats, msg::kAttempts, &attempts);
    planned = gst_structure_get_uint64(stats, msg::kNextAttemptIn, &next_in);
    gst_structure_free(stats);
  }
  gst_object_unref(in);
  EXPECT_GE(attempts, 2u);
  ASSERT_TRUE(planned);
  EXPECT_LE(next_in, attempts == 2 ? 2 * GST_SECOND : 4 * GST_SECOND);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  EXPECT_EQ(onair::element_test::take_error_text(bus.get()), "");
  gst_object_unref(pipeline);
}

}  // namespace
