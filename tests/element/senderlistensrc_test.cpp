#include <arpa/inet.h>
#include <errno.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/ts_layout.h"
#include "element_test.h"
#include "../unit/ts_packets.h"
#include "senderlistensrc_messages.h"

namespace {

namespace msg = onair::senderlistensrc_messages;
using onair::BufferPtr;
using onair::MessagePtr;
using onair::element_test::wait_for_element_message;
using onair::element_test::wait_for_message;

constexpr GstClockTime kWait = 30 * GST_SECOND;  // only a bound for a broken element

// An MPEG-TS stream: PAT, PMT with the given streams, an access unit with the H.264
// parameter sets (`sps_tail` in the SPS) and an ADTS frame (`channels`) for the streams of
// those types, then payload packets, enough to be type-found.
std::vector<uint8_t> ts_packets(
    size_t count,
    const std::vector<std::pair<uint16_t, uint8_t>> &streams = {{0x100, 0x1b}, {0x101, 0x0f}},
    uint8_t sps_tail = 0x11, uint8_t channels = 2) {
  namespace ts = onair::ts_packets;
  std::vector<std::vector<uint8_t>> packets = {ts::pat(0x1000), ts::pmt(0x1000, streams)};
  for (const auto &[pid, type] : streams) {
    const auto pes = type == 0x1b ? ts::pes_packets(pid, 0xe0, ts::h264_access_unit(sps_tail))
                                  : ts::pes_packets(pid, 0xc0, ts::adts_frame(channels));
    packets.insert(packets.end(), pes.begin(), pes.end());
  }
  for (size_t i = 0; i < count; ++i) packets.push_back(ts::payload_packet(streams[0].first));
  return ts::joined(packets);
}

// What ffmpeg and OBS push as FLV: H.264 with B-frames and AAC, 2 s, made by `launch`'s muxer.
std::vector<uint8_t> encoded_stream(const std::string &mux) {
  const std::string launch =
      "videotestsrc num-buffers=50 ! video/x-raw,width=160,height=120,framerate=25/1 "
      "! x264enc speed-preset=superfast key-int-max=25 bframes=2 ! h264parse ! " +
      mux +
      " name=mux ! appsink name=out sync=false "
      "audiotestsrc num-buffers=47 samplesperbuffer=2048 ! audio/x-raw,rate=48000 "
      "! avenc_aac ! aacparse ! mux.";
  GError *error = nullptr;
  onair::ElementPtr pipeline(gst_parse_launch(launch.c_str(), &error));
  EXPECT_EQ(error, nullptr) << (error ? error->message : "");
  std::vector<uint8_t> bytes;
  if (!pipeline) return bytes;
  onair::ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "out"));
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  while (onair::SamplePtr sample{gst_app_sink_pull_sample(GST_APP_SINK(sink.get()))}) {
    GstBuffer *buffer = gst_sample_get_buffer(sample.get());
    const size_t at = bytes.size();
    bytes.resize(at + gst_buffer_get_size(buffer));
    gst_buffer_extract(buffer, 0, bytes.data() + at, bytes.size() - at);
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  return bytes;
}

struct Client {
  explicit Client(guint port) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
  }
  ~Client() { close(); }
  void send_bytes(const std::vector<uint8_t> &bytes) const {
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Sends `bytes` over and over until the element closes the connection.
  void send_until_dropped(const std::vector<uint8_t> &bytes) const {
    for (;;) {
      for (size_t at = 0; at < bytes.size();) {
        const ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
        if (n <= 0) return;
        at += static_cast<size_t>(n);
      }
    }
  }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  // Closed by the element: an orderly close, or a reset when bytes it did not read were left.
  bool closed_by_peer() const {
    char byte;
    const ssize_t n = recv(fd, &byte, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }
  int fd = -1;
};

guint64 uint64_field(GstMessage *m, const char *field) {
  guint64 value = 0;
  EXPECT_TRUE(gst_structure_get_uint64(gst_message_get_structure(m), field, &value)) << field;
  return value;
}

std::string string_field(GstMessage *m, const char *field) {
  const char *value = gst_structure_get_string(gst_message_get_structure(m), field);
  return value ? value : "";
}

class SenderListenSrc : public ::testing::Test {
 protected:
  void SetUp() override {
    h = gst_harness_new_parse("senderlistensrc address=127.0.0.1:0 caps=video/mpegts");
    bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
    gst_harness_play(h);
    g_object_get(source(), "current-port", &port, nullptr);
    ASSERT_NE(port, 0u);
  }
  void TearDown() override {
    gst_harness_teardown(h);
    gst_object_unref(bus);
  }
  GstElement *source() { return gst_harness_find_element(h, "senderlistensrc"); }
  MessagePtr message(const char *name) { return wait_for_element_message(bus, name, kWait); }
  std::vector<uint8_t> pull_bytes(size_t size, bool *discont) {
    std::vector<uint8_t> out;
    while (out.size() < size) {
      BufferPtr buffer(gst_harness_pull(h));
      if (!buffer) break;
      if (out.empty()) *discont = GST_BUFFER_FLAG_IS_SET(buffer.get(), GST_BUFFER_FLAG_DISCONT);
      const size_t at = out.size();
      out.resize(at + gst_buffer_get_size(buffer.get()));
      gst_buffer_extract(buffer.get(), 0, out.data() + at, out.size() - at);
    }
    return out;
  }

  // A sender sends `stream`: it comes out whole, its first buffer flagged DISCONT.
  void expect_served(const std::vector<uint8_t> &stream) {
    Client sender(port);
    sender.send_bytes(stream);
    bool discont = false;
    EXPECT_EQ(pull_bytes(stream.size(), &discont), stream);
    EXPECT_TRUE(discont);
  }
  // A sender sends `stream` and is dropped with a warning, for `reason`.
  void expect_dropped(const std::vector<uint8_t> &stream, const char *reason) {
    Client sender(port);
    sender.send_bytes(stream);
    MessagePtr warning = wait_for_message(bus, GST_MESSAGE_WARNING, kWait);
    ASSERT_TRUE(warning);
    MessagePtr left = message(msg::kLeft);
    ASSERT_TRUE(left);
    EXPECT_EQ(string_field(left.get(), msg::kReason), reason);
    EXPECT_TRUE(sender.closed_by_peer());
  }

  GstHarness *h = nullptr;
  GstBus *bus = nullptr;
  guint port = 0;
};

TEST_F(SenderListenSrc, PassesEachSendersBytesAndStartsEachWithADiscont) {
  const std::vector<uint8_t> stream = ts_packets(64);
  for (guint64 number : {1u, 2u}) {
    Client client(port);
    MessagePtr connected = message(msg::kConnected);
    ASSERT_TRUE(connected);
    EXPECT_EQ(uint64_field(connected.get(), msg::kSender), number);
    client.send_bytes(stream);
    bool discont = false;
    EXPECT_EQ(pull_bytes(stream.size(), &discont), stream);
    EXPECT_TRUE(discont);
    client.close();
    MessagePtr left = message(msg::kLeft);
    ASSERT_TRUE(left);
    EXPECT_EQ(string_field(left.get(), msg::kReason), msg::kReasonClosed);
    EXPECT_EQ(uint64_field(left.get(), msg::kBytes), stream.size());
    EXPECT_EQ(string_field(left.get(), msg::kMedia), "video/mpegts");
  }
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  ASSERT_TRUE(caps);
  EXPECT_STREQ(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video/mpegts");
  gst_caps_unref(caps);
}

TEST_F(SenderListenSrc, RefusesASecondSenderAndKeepsTheFirst) {
  Client first(port);
  ASSERT_TRUE(message(msg::kConnected));
  Client second(port);
  // The warning comes first, then the message.
  MessagePtr warning = wait_for_message(bus, GST_MESSAGE_WARNING, kWait);
  ASSERT_TRUE(warning);
  MessagePtr refused = message(msg::kRefused);
  ASSERT_TRUE(refused);
  EXPECT_EQ(uint64_field(refused.get(), msg::kSender), 1u);
  EXPECT_EQ(string_field(refused.get(), msg::kRemote).rfind("127.0.0.1:", 0), 0u);
  EXPECT_TRUE(second.closed_by_peer());
  const std::vector<uint8_t> stream = ts_packets(64);
  first.send_bytes(stream);
  bool discont = false;
  EXPECT_EQ(pull_bytes(stream.size(), &discont), stream);
}

TEST_F(SenderListenSrc, DropsWhatIsNotMediaAndWaitsForTheNextSender) {
  {
    Client client(port);
    const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    client.send_bytes(std::vector<uint8_t>(request.begin(), request.end()));
    client.close();
    // The warning comes first, then the message.
    MessagePtr warning = wait_for_message(bus, GST_MESSAGE_WARNING, kWait);
    ASSERT_TRUE(warning);
    GError *error = nullptr;
    gst_message_parse_warning(warning.get(), &error, nullptr);
    EXPECT_TRUE(g_error_matches(error, GST_STREAM_ERROR, GST_STREAM_ERROR_TYPE_NOT_FOUND));
    EXPECT_NE(std::string(error->message).find("GET / HTTP/1.1"), std::string::npos)
        << error->message;
    g_error_free(error);
    MessagePtr left = message(msg::kLeft);
    ASSERT_TRUE(left);
    EXPECT_EQ(string_field(left.get(), msg::kReason), msg::kReasonNotMedia);
  }
  Client sender(port);
  const std::vector<uint8_t> stream = ts_packets(64);
  sender.send_bytes(stream);
  bool discont = false;
  EXPECT_EQ(pull_bytes(stream.size(), &discont), stream);
  EXPECT_TRUE(discont);
}

TEST_F(SenderListenSrc, DropsASenderWithOtherStreamsOrWithoutSoundWhenSoundIsRequired) {
  g_object_set(source(), "require-audio", TRUE, nullptr);
  const std::vector<uint8_t> stream = ts_packets(64);
  expect_served(stream);
  ASSERT_TRUE(message(msg::kLeft));
  expect_dropped(ts_packets(64, {{0x200, 0x1b}, {0x201, 0x0f}}), msg::kReasonOtherLayout);
  expect_dropped(ts_packets(64, {{0x100, 0x1b}}), msg::kReasonNoAudio);
  // The next sender of the first one's kind is served.
  expect_served(stream);
}

TEST_F(SenderListenSrc, DropsASenderWithOtherCodingParametersUnlessToldNotTo) {
  const std::pair<uint16_t, uint8_t> video = {0x100, 0x1b}, audio = {0x101, 0x0f};
  expect_served(ts_packets(64));
  ASSERT_TRUE(message(msg::kLeft));
  // Another SPS, then another sound format.
  expect_dropped(ts_packets(64, {video, audio}, 0x12), msg::kReasonOtherParameters);
  expect_dropped(ts_packets(64, {video, audio}, 0x11, 1), msg::kReasonOtherParameters);
  // Without match-parameters, such a sender is served.
  g_object_set(source(), "match-parameters", FALSE, nullptr);
  expect_served(ts_packets(64, {video, audio}, 0x12));
}

// An FLV sender where MPEG-TS is taken is remuxed: the stream that comes out is MPEG-TS with
// ffmpeg's programme layout, so it can follow an MPEG-TS sender into the same demuxer.
TEST_F(SenderListenSrc, RemuxesAnFlvSenderIntoMpegTs) {
  const std::vector<uint8_t> flv = encoded_stream("flvmux streamable=true");
  ASSERT_GT(flv.size(), 1000u);
  expect_served(ts_packets(64));
  ASSERT_TRUE(message(msg::kLeft));
  std::vector<uint8_t> remuxed;
  {
    Client sender(port);
    sender.send_bytes(flv);
    sender.close();
    MessagePtr left = message(msg::kLeft);
    ASSERT_TRUE(left);
    EXPECT_EQ(string_field(left.get(), msg::kReason), msg::kReasonClosed);
    EXPECT_EQ(string_field(left.get(), msg::kMedia), "video/x-flv");
    // The whole remuxed stream went out before the sender was reported gone.
    bool discont = false;
    while (BufferPtr buffer{gst_harness_try_pull(h)}) {
      if (remuxed.empty()) discont = GST_BUFFER_FLAG_IS_SET(buffer.get(), GST_BUFFER_FLAG_DISCONT);
      const size_t at = remuxed.size();
      remuxed.resize(at + gst_buffer_get_size(buffer.get()));
      gst_buffer_extract(buffer.get(), 0, remuxed.data() + at, remuxed.size() - at);
    }
    EXPECT_TRUE(discont);
  }
  namespace intake = onair::intake;
  ASSERT_GT(remuxed.size(), intake::kTsPacket * 10);
  EXPECT_EQ(remuxed.size() % intake::kTsPacket, 0u);
  EXPECT_EQ(intake::first_ts_sync(remuxed.data(), remuxed.size()), std::optional<size_t>(0));
  const auto layout = intake::find_ts_layout(remuxed.data(), remuxed.size());
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->pmt_pid, 0x1000);
  EXPECT_EQ(layout->pcr_pid, 0x100);
  const std::vector<intake::TsStream> streams = {{0x100, 0x1b}, {0x101, 0x0f}};
  EXPECT_EQ(layout->streams, streams) << layout->describe();
  // Not re-encoded: about as many bytes as the FLV (MPEG-TS packets add some overhead).
  EXPECT_GT(remuxed.size(), flv.size());
  EXPECT_LT(remuxed.size(), flv.size() * 2);
}

TEST_F(SenderListenSrc, DropsAnFlvSenderWithoutRemux) {
  g_object_set(source(), "remux", FALSE, nullptr);
  expect_dropped(encoded_stream("flvmux streamable=true"), msg::kReasonWrongType);
  expect_served(ts_packets(64));
}

// An FLV header and then garbage where the tags should be.
std::vector<uint8_t> broken_flv() {
  std::vector<uint8_t> flv = encoded_stream("flvmux streamable=true");
  EXPECT_GT(flv.size(), 4096u);
  for (size_t i = 13; i < flv.size(); ++i) flv[i] = static_cast<uint8_t>(i * 131 + 7);
  return flv;
}

TEST_F(SenderListenSrc, DropsAnFlvSenderWhoseStreamCannotBeRead) {
  {
    // A sender that sends it and leaves.
    Client sender(port);
    sender.send_bytes(broken_flv());
    sender.close();
    MessagePtr warning = wait_for_message(bus, GST_MESSAGE_WARNING, kWait);
    ASSERT_TRUE(warning);
    MessagePtr left = message(msg::kLeft);
    ASSERT_TRUE(left);
    EXPECT_EQ(string_field(left.get(), msg::kReason), msg::kReasonUnreadable);
    EXPECT_EQ(string_field(left.get(), msg::kMedia), "video/x-flv");
  }
  {
    // A sender that goes on sending it: dropped once 4 MB gave nothing.
    Client sender(port);
    const std::vector<uint8_t> flv = broken_flv();
    sender.send_until_dropped(flv);
    MessagePtr warning = wait_for_message(bus, GST_MESSAGE_WARNING, kWait);
    ASSERT_TRUE(warning);
    MessagePtr left = message(msg::kLeft);
    ASSERT_TRUE(left);
    EXPECT_EQ(string_field(left.get(), msg::kReason), msg::kReasonUnreadable);
    EXPECT_GT(uint64_field(left.get(), msg::kBytes), 4u * 1024 * 1024);
  }
  expect_served(ts_packets(64));
}

TEST(SenderListenSrcStart, AnAddressThatIsNotOneIsAnError) {
  GstElement *src = gst_element_factory_make("senderlistensrc", nullptr);
  ASSERT_TRUE(src);
  g_object_set(src, "address", "localhost:4444", nullptr);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(src, bus);
  EXPECT_EQ(gst_element_set_state(src, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  MessagePtr error = wait_for_message(bus, GST_MESSAGE_ERROR, kWait);
  ASSERT_TRUE(error);
  gst_element_set_state(src, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(src);
}

}  // namespace
