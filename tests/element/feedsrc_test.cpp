#include <fcntl.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "element_test.h"
#include "feedsrc_messages.h"

namespace {

namespace msg = onair::feedsrc_messages;
using onair::BufferPtr;
using onair::MessagePtr;
using onair::element_test::wait_for_message;

constexpr GstClockTime kWait = 30 * GST_SECOND;  // only a bound for a broken element
constexpr gsize kFrameSize = 8 * 4 * 4;          // 8x4 BGRA
constexpr char kVideoCaps[] = "video/x-raw,format=BGRA,width=8,height=4,framerate=30/1";
// 100 fps so the writer tests, which run on the real clock, move along.
constexpr char kFastVideoCaps[] = "video/x-raw,format=BGRA,width=8,height=4,framerate=100/1";

void set_caps(GstElement *element, const char *caps_text) {
  GstCaps *caps = gst_caps_from_string(caps_text);
  g_object_set(element, "caps", caps, nullptr);
  gst_caps_unref(caps);
}

std::vector<uint8_t> frame_of(uint8_t value, gsize size = kFrameSize) {
  return std::vector<uint8_t>(size, value);
}

GstBuffer *buffer_of(const std::vector<uint8_t> &bytes) {
  return gst_buffer_new_memdup(bytes.data(), bytes.size());
}

std::vector<uint8_t> bytes_of(GstBuffer *buffer) {
  std::vector<uint8_t> out(gst_buffer_get_size(buffer));
  gst_buffer_extract(buffer, 0, out.data(), out.size());
  return out;
}

std::vector<uint8_t> framed(const std::vector<uint8_t> &payload) {
  const auto n = static_cast<uint32_t>(payload.size());
  std::vector<uint8_t> out = {'O',
                              'A',
                              'F',
                              '1',
                              static_cast<uint8_t>(n),
                              static_cast<uint8_t>(n >> 8),
                              static_cast<uint8_t>(n >> 16),
                              static_cast<uint8_t>(n >> 24)};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void write_all(int fd, const std::vector<uint8_t> &bytes) {
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + at, bytes.size() - at);
    ASSERT_GT(n, 0) << g_strerror(errno);
    at += static_cast<size_t>(n);
  }
}

GstFlowReturn push(GstElement *element, GstBuffer *buffer) {
  GstFlowReturn ret = GST_FLOW_ERROR;
  g_signal_emit_by_name(element, "push-buffer", buffer, &ret);
  gst_buffer_unref(buffer);
  return ret;
}

guint64 uint64_property(GstElement *element, const char *name) {
  guint64 value = 0;
  g_object_get(element, name, &value, nullptr);
  return value;
}

class FeedSrcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = gst_harness_new_with_padnames("feedsrc", nullptr, "src");
    ASSERT_NE(h_, nullptr);
    bus_ = gst_bus_new();
    gst_element_set_bus(h_->element, bus_);
    dir_ = g_dir_make_tmp("feedsrc-XXXXXX", nullptr);
    ASSERT_NE(dir_, nullptr);
  }
  void TearDown() override {
    gst_harness_teardown(h_);
    gst_object_unref(bus_);
    const std::string cleanup = std::string(dir_);
    for (const char *name : {"feed.sock", "feed.fifo", "file"})
      unlink((cleanup + "/" + name).c_str());
    rmdir(dir_);
    g_free(dir_);
  }

  std::string path(const char *name) const { return std::string(dir_) + "/" + name; }

  // The next buffer once the test clock reaches the end of its slot.
  BufferPtr crank_and_pull() {
    EXPECT_TRUE(gst_harness_crank_single_clock_wait(h_));
    return BufferPtr(gst_harness_pull(h_));
  }

  // Buffers on the real clock until one has `content` (the slots before repeat or are black).
  // Null when none came within many slots.
  BufferPtr pull_until(const std::vector<uint8_t> &content) {
    for (int i = 0; i < 3000; ++i) {
      BufferPtr b(gst_harness_pull(h_));
      if (!b) return nullptr;
      if (bytes_of(b.get()) == content) return b;
    }
    return nullptr;
  }

  // The element message `name`, recording the warnings posted before it.
  MessagePtr wait_for(const char *name) {
    return wait_for_message(bus_,
                            static_cast<GstMessageType>(GST_MESSAGE_ELEMENT | GST_MESSAGE_WARNING),
                            kWait, [this, name](GstMessage *m) {
                              if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
                                GError *error = nullptr;
                                gst_message_parse_warning(m, &error, nullptr);
                                warnings_ += std::string(error->message) + "\n";
                                g_error_free(error);
                                return false;
                              }
                              return gst_message_has_name(m, name) != FALSE;
                            });
  }

  GstHarness *h_ = nullptr;
  GstBus *bus_ = nullptr;
  gchar *dir_ = nullptr;
  std::string warnings_;
};

int connect_to(const std::string &socket_path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TEST_F(FeedSrcTest, PushedFramesPlayInOrderOnTheGridAndRepeatsFillTheRest) {
  gst_harness_use_testclock(h_);
  set_caps(h_->element, kVideoCaps);
  gst_harness_play(h_);

  // Nothing pushed yet: an opaque black frame.
  BufferPtr first = crank_and_pull();
  ASSERT_TRUE(first);
  EXPECT_EQ(GST_BUFFER_PTS(first.get()), 0u);
  EXPECT_EQ(GST_BUFFER_DURATION(first.get()), gst_util_uint64_scale(1, GST_SECOND, 30));
  std::vector<uint8_t> black(kFrameSize, 0);
  for (gsize i = 3; i < kFrameSize; i += 4) black[i] = 255;
  EXPECT_EQ(bytes_of(first.get()), black);

  // Two frames at once (a burst): both play, in order, one a slot; then the last repeats
  // without copying its pixels.
  GstBuffer *b = buffer_of(frame_of(0xBB));
  GstMemory *b_memory = gst_buffer_peek_memory(b, 0);
  GST_BUFFER_PTS(b) = 5 * GST_SECOND;  // ignored: the grid sets timestamps
  ASSERT_EQ(push(h_->element, buffer_of(frame_of(0xAA))), GST_FLOW_OK);
  gst_buffer_ref(b);
  ASSERT_EQ(push(h_->element, b), GST_FLOW_OK);
  std::vector<std::vector<uint8_t>> expected = {frame_of(0xAA), frame_of(0xBB), frame_of(0xBB),
                                                frame_of(0xBB)};
  for (guint64 k = 1; k <= expected.size(); ++k) {
    BufferPtr out = crank_and_pull();
    ASSERT_TRUE(out);
    EXPECT_EQ(GST_BUFFER_PTS(out.get()), gst_util_uint64_scale(k, GST_SECOND, 30)) << k;
    EXPECT_EQ(GST_BUFFER_DURATION(out.get()), gst_util_uint64_scale(k + 1, GST_SECOND, 30) -
                                                  gst_util_uint64_scale(k, GST_SECOND, 30));
    EXPECT_EQ(bytes_of(out.get()), expected[k - 1]) << k;
    if (k >= 2) {
      EXPECT_EQ(gst_buffer_peek_memory(out.get(), 0), b_memory) << k;
    }
  }
  gst_buffer_unref(b);
  EXPECT_EQ(uint64_property(h_->element, "frames-received"), 2u);
  EXPECT_EQ(uint64_property(h_->element, "frames-repeated"), 3u);  // black + 2 repeats

  // A frame of the wrong size is refused, counted and reported; the stream goes on.
  ASSERT_EQ(push(h_->element, buffer_of(frame_of(0xCC, 100))), GST_FLOW_OK);
  MessagePtr refused = wait_for(msg::kRefused);
  ASSERT_TRUE(refused);
  const GstStructure *s = gst_message_get_structure(refused.get());
  guint64 bytes = 0, expected_size = 0, count = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, msg::kBytes, &bytes));
  EXPECT_TRUE(gst_structure_get_uint64(s, msg::kExpected, &expected_size));
  EXPECT_TRUE(gst_structure_get_uint64(s, msg::kRefusedCount, &count));
  EXPECT_EQ(bytes, 100u);
  EXPECT_EQ(expected_size, kFrameSize);
  EXPECT_EQ(count, 1u);
  EXPECT_NE(warnings_.find("frame of 100 bytes refused: the caps ask for 8x4 BGRA, 128 bytes a "
                           "frame"),
            std::string::npos)
      << warnings_;

  // end-of-stream: what is queued plays, then EOS.
  ASSERT_EQ(push(h_->element, buffer_of(frame_of(0xDD))), GST_FLOW_OK);
  GstFlowReturn ret = GST_FLOW_ERROR;
  g_signal_emit_by_name(h_->element, "end-of-stream", &ret);
  EXPECT_EQ(ret, GST_FLOW_OK);
  BufferPtr last = crank_and_pull();
  ASSERT_TRUE(last);
  EXPECT_EQ(bytes_of(last.get()), frame_of(0xDD));
  for (;;) {
    onair::EventPtr event(gst_harness_pull_event(h_));
    ASSERT_TRUE(event);
    if (GST_EVENT_TYPE(event.get()) == GST_EVENT_EOS) break;
  }
}

TEST_F(FeedSrcTest, StallAndResumeFollowTheClockAndLatencyIsOneSlot) {
  gst_harness_use_testclock(h_);
  set_caps(h_->element, kVideoCaps);
  g_object_set(h_->element, "stall-timeout", 100 * GST_MSECOND, nullptr);
  gst_harness_play(h_);
  EXPECT_EQ(gst_harness_query_latency(h_), gst_util_uint64_scale(1, GST_SECOND, 30));

  ASSERT_EQ(push(h_->element, buffer_of(frame_of(1))), GST_FLOW_OK);
  // Slot 0 (ends at 33 ms) takes the frame; 100 ms later, at the end of slot 3, it stalls.
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(crank_and_pull());
  EXPECT_TRUE(onair::element_test::take_element_messages(bus_, msg::kStalled).empty());
  ASSERT_TRUE(crank_and_pull());
  EXPECT_EQ(onair::element_test::take_element_messages(bus_, msg::kStalled).size(), 1u);
  for (int k = 4; k < 10; ++k) ASSERT_TRUE(crank_and_pull());
  EXPECT_TRUE(onair::element_test::take_element_messages(bus_, msg::kStalled).empty());
  GstStructure *stats = nullptr;
  g_object_get(h_->element, "stats", &stats, nullptr);
  ASSERT_NE(stats, nullptr);
  gboolean stalled = FALSE;
  EXPECT_TRUE(gst_structure_get_boolean(stats, msg::kStalledField, &stalled));
  EXPECT_TRUE(stalled);
  gst_structure_free(stats);

  // Slot 10 ends at 366 ms: 333 ms after the last new frame.
  ASSERT_EQ(push(h_->element, buffer_of(frame_of(2))), GST_FLOW_OK);
  ASSERT_TRUE(crank_and_pull());
  std::vector<onair::StructurePtr> resumed =
      onair::element_test::take_element_messages(bus_, msg::kResumed);
  ASSERT_EQ(resumed.size(), 1u);
  guint64 stalled_for = 0;
  EXPECT_TRUE(gst_structure_get_uint64(resumed[0].get(), msg::kStalledFor, &stalled_for));
  EXPECT_EQ(stalled_for,
            gst_util_uint64_scale(11, GST_SECOND, 30) - gst_util_uint64_scale(1, GST_SECOND, 30));
}

TEST_F(FeedSrcTest, InheritedDescriptorWithEndOnCloseEndsAfterTheQueuedFrames) {
  gst_harness_use_systemclock(h_);
  int ends[2];
  ASSERT_EQ(pipe(ends), 0);
  set_caps(h_->element, kFastVideoCaps);
  g_object_set(h_->element, "location", ("fd:" + std::to_string(ends[0])).c_str(), "framing", 2,
               "end-on-close", TRUE, nullptr);  // 2: raw, bare frames
  gst_harness_play(h_);
  std::vector<uint8_t> frames = frame_of(0x61);
  const std::vector<uint8_t> second = frame_of(0x62);
  frames.insert(frames.end(), second.begin(), second.end());
  write_all(ends[1], frames);
  close(ends[1]);
  for (;;) {
    onair::EventPtr event(gst_harness_pull_event(h_));
    ASSERT_TRUE(event);
    if (GST_EVENT_TYPE(event.get()) == GST_EVENT_EOS) break;
  }
  std::vector<std::vector<uint8_t>> shown;
  while (BufferPtr b{gst_harness_try_pull(h_)}) {
    std::vector<uint8_t> bytes = bytes_of(b.get());
    if (shown.empty() || shown.back() != bytes) shown.push_back(std::move(bytes));
  }
  ASSERT_GE(shown.size(), 2u);
  EXPECT_EQ(shown[shown.size() - 2], frame_of(0x61));
  EXPECT_EQ(shown.back(), frame_of(0x62));
  EXPECT_EQ(uint64_property(h_->element, "frames-received"), 2u);
  gst_harness_teardown(h_);
  h_ = gst_harness_new_with_padnames("feedsrc", nullptr, "src");
  // An inherited descriptor is the caller's: still open after stop.
  EXPECT_GE(fcntl(ends[0], F_GETFL), 0);
  close(ends[0]);
}

TEST_F(FeedSrcTest, PushedSoundWithGapsComesOutContinuous) {
  gst_harness_use_testclock(h_);
  // 11025 Hz: a 20 ms chunk is 220.5 samples, so chunks alternate 220 and 221 samples.
  set_caps(h_->element, "audio/x-raw,format=S16LE,rate=11025,channels=1");
  g_object_set(h_->element, "latency", G_GUINT64_CONSTANT(0), nullptr);
  gst_harness_play(h_);

  auto tone = [](gsize samples) {
    std::vector<int16_t> s(samples, 1000);
    return gst_buffer_new_memdup(s.data(), s.size() * 2);
  };
  std::vector<int16_t> all;
  guint64 next_offset = 0;
  auto take_chunk = [&](guint64 k) {
    BufferPtr out = crank_and_pull();
    ASSERT_TRUE(out);
    const guint64 first = k * 11025 / 50, end = (k + 1) * 11025 / 50;
    EXPECT_EQ(GST_BUFFER_OFFSET(out.get()), next_offset) << k;
    EXPECT_EQ(GST_BUFFER_OFFSET(out.get()), first) << k;
    EXPECT_EQ(GST_BUFFER_OFFSET_END(out.get()), end) << k;
    EXPECT_EQ(GST_BUFFER_PTS(out.get()), gst_util_uint64_scale(first, GST_SECOND, 11025)) << k;
    EXPECT_EQ(GST_BUFFER_PTS(out.get()) + GST_BUFFER_DURATION(out.get()),
              gst_util_uint64_scale(end, GST_SECOND, 11025))
        << k;
    ASSERT_EQ(gst_buffer_get_size(out.get()), (end - first) * 2) << k;
    next_offset = end;
    const std::vector<uint8_t> bytes = bytes_of(out.get());
    const auto *samples = reinterpret_cast<const int16_t *>(bytes.data());
    all.insert(all.end(), samples, samples + bytes.size() / 2);
  };

  take_chunk(0);  // nothing pushed: silence
  ASSERT_EQ(push(h_->element, tone(300)), GST_FLOW_OK);
  take_chunk(1);  // 221 samples of tone
  take_chunk(2);  // the other 79, then silence
  take_chunk(3);  // silence
  ASSERT_EQ(push(h_->element, tone(100)), GST_FLOW_OK);
  take_chunk(4);  // 100 of tone, then silence

  // Every sample of the stream is there, the tone exactly where it was pushed.
  ASSERT_EQ(all.size(), 5u * 11025 / 50);
  std::vector<int16_t> expected(all.size(), 0);
  std::fill_n(expected.begin() + 220, 300, 1000);
  std::fill_n(expected.begin() + 220 + 221 + 220 + 221, 100, 1000);
  EXPECT_EQ(all, expected);
  EXPECT_EQ(uint64_property(h_->element, "silence-inserted"),
            gst_util_uint64_scale(all.size() - 400, GST_SECOND, 11025));
  EXPECT_EQ(uint64_property(h_->element, "frames-received"), 2u);

  // Any amount: an odd byte waits for the next push.
  const std::vector<uint8_t> two_samples = {0x34, 0x12, 0x78, 0x56};
  ASSERT_EQ(push(h_->element, gst_buffer_new_memdup(two_samples.data(), 3)), GST_FLOW_OK);
  ASSERT_EQ(push(h_->element, gst_buffer_new_memdup(two_samples.data() + 3, 1)), GST_FLOW_OK);
  const size_t before = all.size();
  take_chunk(5);
  EXPECT_EQ(all[before], 0x1234);
  EXPECT_EQ(all[before + 1], 0x5678);
  EXPECT_EQ(all[before + 2], 0);
  EXPECT_EQ(uint64_property(h_->element, "frames-refused"), 0u);
}

TEST_F(FeedSrcTest, SocketWriterFramesRefusalsAndADisconnectMidFrame) {
  gst_harness_use_systemclock(h_);
  const std::string socket_path = path("feed.sock");
  set_caps(h_->element, kFastVideoCaps);
  g_object_set(h_->element, "location", ("unix:" + socket_path).c_str(), nullptr);
  gst_harness_play(h_);

  struct stat st;
  ASSERT_EQ(stat(socket_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  int writer = connect_to(socket_path);
  ASSERT_GE(writer, 0);
  MessagePtr connected = wait_for(msg::kConnected);
  ASSERT_TRUE(connected);
  EXPECT_STREQ(gst_structure_get_string(gst_message_get_structure(connected.get()), msg::kPeer),
               "socket");

  write_all(writer, framed(frame_of(0x11)));
  EXPECT_TRUE(pull_until(frame_of(0x11)));

  // Wrong size: refused, and the next frame still comes out (the stream stayed aligned).
  write_all(writer, framed(frame_of(0x66, 100)));
  MessagePtr refused = wait_for(msg::kRefused);
  ASSERT_TRUE(refused);
  guint64 bytes = 0;
  gst_structure_get_uint64(gst_message_get_structure(refused.get()), msg::kBytes, &bytes);
  EXPECT_EQ(bytes, 100u);
  EXPECT_NE(warnings_.find("frame of 100 bytes refused"), std::string::npos) << warnings_;
  write_all(writer, framed(frame_of(0x22)));
  EXPECT_TRUE(pull_until(frame_of(0x22)));

  // Gone mid-frame: the partial frame is dropped and reported.
  std::vector<uint8_t> partial = framed(frame_of(0x33));
  partial.resize(8 + 50);
  write_all(writer, partial);
  close(writer);
  MessagePtr gone = wait_for(msg::kDisconnected);
  ASSERT_TRUE(gone);
  guint64 partial_bytes = 0;
  gst_structure_get_uint64(gst_message_get_structure(gone.get()), msg::kPartialBytes,
                           &partial_bytes);
  EXPECT_EQ(partial_bytes, 50u);
  EXPECT_NE(warnings_.find("the writer went away 50 of 128 bytes into a frame; the partial "
                           "frame was dropped"),
            std::string::npos)
      << warnings_;

  // The next writer's frames come out.
  writer = connect_to(socket_path);
  ASSERT_GE(writer, 0);
  ASSERT_TRUE(wait_for(msg::kConnected));
  write_all(writer, framed(frame_of(0x44)));
  EXPECT_TRUE(pull_until(frame_of(0x44)));
  gboolean is_connected = FALSE;
  g_object_get(h_->element, "connected", &is_connected, nullptr);
  EXPECT_TRUE(is_connected);
  close(writer);

  gst_harness_teardown(h_);
  h_ = gst_harness_new_with_padnames("feedsrc", nullptr, "src");
  EXPECT_NE(stat(socket_path.c_str(), &st), 0) << "the socket file is removed at stop";
}

TEST_F(FeedSrcTest, StaleSocketFileIsReplacedAndANewWriterReplacesTheCurrentOne) {
  gst_harness_use_systemclock(h_);
  const std::string socket_path = path("feed.sock");
  {
    // A socket file left by a run that ended without removing it: nobody listens on it.
    const int stale = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(bind(stale, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    close(stale);
  }
  set_caps(h_->element, kFastVideoCaps);
  g_object_set(h_->element, "location", ("unix:" + socket_path).c_str(), nullptr);
  gst_harness_play(h_);

  const int first = connect_to(socket_path);
  ASSERT_GE(first, 0);
  ASSERT_TRUE(wait_for(msg::kConnected));
  const int second = connect_to(socket_path);
  ASSERT_GE(second, 0);
  MessagePtr gone = wait_for(msg::kDisconnected);
  ASSERT_TRUE(gone);
  EXPECT_STREQ(gst_structure_get_string(gst_message_get_structure(gone.get()), msg::kReason),
               "replaced by a new connection");
  ASSERT_TRUE(wait_for(msg::kConnected));
  EXPECT_NE(warnings_.find("a new writer connected"), std::string::npos) << warnings_;
  write_all(second, framed(frame_of(0x77)));
  EXPECT_TRUE(pull_until(frame_of(0x77)));
  close(first);
  close(second);
}

TEST_F(FeedSrcTest, NamedPipeTakesOneWriterAfterAnother) {
  gst_harness_use_systemclock(h_);
  const std::string fifo = path("feed.fifo");
  set_caps(h_->element, kFastVideoCaps);
  g_object_set(h_->element, "location", fifo.c_str(), nullptr);
  gst_harness_play(h_);

  struct stat st;
  ASSERT_EQ(stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  for (uint8_t value : {0x51, 0x52}) {
    const int writer = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(writer, 0);
    write_all(writer, framed(frame_of(value)));
    close(writer);
    MessagePtr connected = wait_for(msg::kConnected);
    ASSERT_TRUE(connected);
    EXPECT_STREQ(gst_structure_get_string(gst_message_get_structure(connected.get()), msg::kPeer),
                 "pipe");
    EXPECT_TRUE(pull_until(frame_of(value))) << int(value);
    MessagePtr gone = wait_for(msg::kDisconnected);
    ASSERT_TRUE(gone);
    guint64 partial_bytes = 1;
    gst_structure_get_uint64(gst_message_get_structure(gone.get()), msg::kPartialBytes,
                             &partial_bytes);
    EXPECT_EQ(partial_bytes, 0u);
  }
}

TEST_F(FeedSrcTest, RawAudioOverAPipeEndsOnClose) {
  gst_harness_use_systemclock(h_);
  const std::string fifo = path("feed.fifo");
  set_caps(h_->element, "audio/x-raw,format=S16LE,rate=8000,channels=2");
  // A long jitter buffer: the sound waits for the end (end-on-close plays what is left at
  // once), so the pieces play as one however the reads fall.
  g_object_set(h_->element, "location", fifo.c_str(), "end-on-close", TRUE, "latency",
               10 * GST_SECOND, nullptr);
  gst_harness_play(h_);

  // 0.1 s of sound, written in odd-sized pieces (raw framing takes any amount).
  std::vector<uint8_t> sound(3200);
  for (size_t i = 0; i < sound.size(); ++i) sound[i] = static_cast<uint8_t>(1 + i % 200);
  const int writer = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  write_all(writer, std::vector<uint8_t>(sound.begin(), sound.begin() + 1001));
  write_all(writer, std::vector<uint8_t>(sound.begin() + 1001, sound.end()));
  close(writer);

  // Everything written comes out in order, then the stream ends.
  std::vector<uint8_t> out;
  for (;;) {
    onair::EventPtr event(gst_harness_pull_event(h_));
    ASSERT_TRUE(event);
    if (GST_EVENT_TYPE(event.get()) == GST_EVENT_EOS) break;
  }
  while (BufferPtr b{gst_harness_try_pull(h_)}) {
    const std::vector<uint8_t> bytes = bytes_of(b.get());
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  const auto start = std::find_if(out.begin(), out.end(), [](uint8_t v) { return v != 0; });
  ASSERT_NE(start, out.end());
  ASSERT_GE(static_cast<size_t>(out.end() - start), sound.size());
  EXPECT_TRUE(std::equal(sound.begin(), sound.end(), start));
}

TEST_F(FeedSrcTest, StopReturnsWithAWriterThatNeverWritesAndReleasesABlockedPush) {
  gst_harness_use_testclock(h_);
  const std::string socket_path = path("feed.sock");
  set_caps(h_->element, kVideoCaps);
  g_object_set(h_->element, "location", ("unix:" + socket_path).c_str(), "max-queued", 1u, nullptr);
  gst_harness_play(h_);
  const int writer = connect_to(socket_path);
  ASSERT_GE(writer, 0);
  ASSERT_TRUE(wait_for(msg::kConnected));

  // The clock never moves, so the queue stays full and the second push waits for room
  // until the element stops.
  ASSERT_EQ(push(h_->element, buffer_of(frame_of(1))), GST_FLOW_OK);
  GstFlowReturn second = GST_FLOW_OK;
  std::thread pusher([&] { second = push(h_->element, buffer_of(frame_of(2))); });
  EXPECT_EQ(gst_element_set_state(h_->element, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  pusher.join();
  EXPECT_EQ(second, GST_FLOW_FLUSHING);
  close(writer);
}

TEST(FeedSrcErrors, BadCapsAndLocationsSayWhatIsWrong) {
  gchar *dir = g_dir_make_tmp("feedsrc-XXXXXX", nullptr);
  const std::string file = std::string(dir) + "/file";
  ASSERT_TRUE(g_file_set_contents(file.c_str(), "x", 1, nullptr));
  const std::string socket_path = std::string(dir) + "/feed.sock";

  struct Case {
    const char *caps;
    std::string location;
    const char *error;
  };
  const std::vector<Case> cases = {
      {nullptr, "", "set the caps property"},
      {"video/x-raw,format=BGRA,width=8,height=4", "", "framerate above 0"},
      {"video/x-raw,format=I420,width=8,height=4,framerate=30/1", "", "not a packed format"},
      {"audio/x-raw,format=F32LE,rate=48000,channels=2", "", "S16LE"},
      {"video/x-raw,format=BGRA,width=8,height=4,framerate={ 30/1, 25/1 }", "", "fixed"},
      {kVideoCaps, file, "exists and is not a named pipe"},
      {kVideoCaps, "unix:" + file, "exists and is not a socket"},
      {kVideoCaps, "fd:x", "location 'fd:x' is not usable"},
  };
  for (const Case &c : cases) {
    GstElement *src = gst_element_factory_make("feedsrc", nullptr);
    ASSERT_NE(src, nullptr);
    GstBus *bus = gst_bus_new();
    gst_element_set_bus(src, bus);
    if (c.caps) set_caps(src, c.caps);
    if (!c.location.empty()) g_object_set(src, "location", c.location.c_str(), nullptr);
    EXPECT_EQ(gst_element_set_state(src, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    const std::string text = onair::element_test::take_error_text(bus);
    EXPECT_NE(text.find(c.error), std::string::npos) << "wanted '" << c.error << "' in " << text;
    gst_element_set_state(src, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(bus);
  }

  // A socket another feedsrc listens on is in use.
  GstElement *first = gst_element_factory_make("feedsrc", nullptr);
  GstElement *second = gst_element_factory_make("feedsrc", nullptr);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(second, bus);
  for (GstElement *e : {first, second}) {
    set_caps(e, kVideoCaps);
    g_object_set(e, "location", ("unix:" + socket_path).c_str(), nullptr);
  }
  ASSERT_NE(gst_element_set_state(first, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  EXPECT_EQ(gst_element_set_state(second, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  EXPECT_NE(onair::element_test::take_error_text(bus).find("is in use"), std::string::npos);
  for (GstElement *e : {first, second}) {
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
  gst_object_unref(bus);
  unlink(file.c_str());
  unlink(socket_path.c_str());
  rmdir(dir);
  g_free(dir);
}
