#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <system_error>
#include <thread>

#include "core/sender_listener.h"
#include "core/ts_layout.h"
#include "core/ts_parameters.h"
#include "ts_packets.h"

namespace intake = onair::intake;
using namespace onair::ts_packets;
using Kind = intake::ListenerEvent::Kind;
using namespace std::chrono_literals;

namespace {

// A client socket connected to 127.0.0.1:port; closed with the object.
struct Client {
  explicit Client(uint16_t port) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
  }
  ~Client() { close(); }
  void send_text(const std::string &text) const {
    EXPECT_EQ(::send(fd, text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
  }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  // True once the other end closed the connection.
  bool closed_by_peer() const {
    char byte;
    return recv(fd, &byte, 1, 0) == 0;
  }
  int fd = -1;
};

intake::SenderListener listener_on_any_port() {
  return intake::SenderListener(intake::Endpoint{"127.0.0.1", 0});
}

}  // namespace

TEST(ParseEndpoint, TakesHostAndPort) {
  const auto v4 = intake::parse_endpoint("127.0.0.1:4444");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 4444);
  const auto v6 = intake::parse_endpoint("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
}

TEST(ParseEndpoint, RefusesWhatIsNotOne) {
  for (const char *bad : {"", "4444", ":4444", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                          "127.0.0.1:44x", "localhost:4444", "1.2.3:4"})
    EXPECT_FALSE(intake::parse_endpoint(bad)) << bad;
}

TEST(SenderListener, AnAddressInUseIsAnError) {
  intake::SenderListener first = listener_on_any_port();
  EXPECT_THROW(intake::SenderListener(intake::Endpoint{"127.0.0.1", first.port()}),
               std::system_error);
}

TEST(SenderListener, ServesOneSenderAndWaitsForTheNext) {
  intake::SenderListener listener = listener_on_any_port();
  ASSERT_NE(listener.port(), 0);
  for (uint64_t number : {1u, 2u}) {
    Client client(listener.port());
    auto event = listener.wait(0ms);
    ASSERT_EQ(event.kind, Kind::kConnected);
    EXPECT_EQ(event.sender, number);
    EXPECT_TRUE(listener.serving());
    client.send_text("hello");
    std::string received;
    while (received.size() < 5) {
      event = listener.wait(0ms);
      ASSERT_EQ(event.kind, Kind::kData);
      received.append(event.data.begin(), event.data.end());
    }
    EXPECT_EQ(received, "hello");
    client.close();
    event = listener.wait(0ms);
    ASSERT_EQ(event.kind, Kind::kLeft);
    EXPECT_EQ(event.reason, "closed");
    EXPECT_EQ(event.bytes, 5u);
    EXPECT_EQ(event.sender, number);
    EXPECT_FALSE(listener.serving());
  }
}

TEST(SenderListener, RefusesASecondSenderWithoutDisturbingTheFirst) {
  intake::SenderListener listener = listener_on_any_port();
  Client first(listener.port());
  ASSERT_EQ(listener.wait(0ms).kind, Kind::kConnected);
  Client second(listener.port());
  const auto refused = listener.wait(0ms);
  ASSERT_EQ(refused.kind, Kind::kRefused);
  EXPECT_EQ(refused.sender, 1u);
  EXPECT_EQ(refused.remote.rfind("127.0.0.1:", 0), 0u) << refused.remote;
  EXPECT_TRUE(second.closed_by_peer());
  first.send_text("x");
  const auto data = listener.wait(0ms);
  ASSERT_EQ(data.kind, Kind::kData);
  EXPECT_EQ(data.sender, 1u);
}

TEST(SenderListener, DropsASilentSender) {
  intake::SenderListener listener = listener_on_any_port();
  Client client(listener.port());
  ASSERT_EQ(listener.wait(0ms).kind, Kind::kConnected);
  const auto left = listener.wait(20ms);
  ASSERT_EQ(left.kind, Kind::kLeft);
  EXPECT_EQ(left.reason, "idle");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(SenderListener, WakeEndsAWaitFromAnotherThread) {
  intake::SenderListener listener = listener_on_any_port();
  std::thread waker([&] { listener.wake(); });
  EXPECT_EQ(listener.wait(0ms).kind, Kind::kWoken);
  waker.join();
  listener.clear_wake();
  Client client(listener.port());
  EXPECT_EQ(listener.wait(0ms).kind, Kind::kConnected);
}

TEST(SenderListener, NotifyEndsOneWaitFromAnotherThread) {
  intake::SenderListener listener = listener_on_any_port();
  std::thread notifier([&] {
    listener.notify();
    listener.notify();
  });
  notifier.join();
  // Two notifications before the wait make one event; the next wait sees the socket again.
  EXPECT_EQ(listener.wait(0ms).kind, Kind::kNotified);
  Client client(listener.port());
  EXPECT_EQ(listener.wait(0ms).kind, Kind::kConnected);
}

TEST(SenderListener, DropSenderReportsTheReasonGiven) {
  intake::SenderListener listener = listener_on_any_port();
  Client client(listener.port());
  ASSERT_EQ(listener.wait(0ms).kind, Kind::kConnected);
  const auto left = listener.drop_sender("not-media");
  EXPECT_EQ(left.kind, Kind::kLeft);
  EXPECT_EQ(left.reason, "not-media");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST(TsLayout, ReadsTheFirstProgrammesStreams) {
  // Starts mid-packet, as a stream joined late would.
  std::vector<uint8_t> bytes(50, 0xaa);
  const auto rest = joined({payload_packet(0x100), pat(0x1000),
                            pmt(0x1000, {{0x100, 0x1b}, {0x101, 0x0f}}), payload_packet(0x101)});
  bytes.insert(bytes.end(), rest.begin(), rest.end());
  const auto layout = intake::find_ts_layout(bytes.data(), bytes.size());
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->pmt_pid, 0x1000);
  EXPECT_EQ(layout->streams, (std::vector<intake::TsStream>{{0x100, 0x1b}, {0x101, 0x0f}}));
  EXPECT_TRUE(layout->has_video());
  EXPECT_TRUE(layout->has_audio());
  EXPECT_EQ(layout->describe(), "video 0x100 (H.264), audio 0x101 (AAC)");
}

TEST(TsLayout, TellsAStreamWithoutSound) {
  const auto bytes = joined({pat(0x1000), pmt(0x1000, {{0x100, 0x1b}}), payload_packet(0x100)});
  const auto layout = intake::find_ts_layout(bytes.data(), bytes.size());
  ASSERT_TRUE(layout);
  EXPECT_FALSE(layout->has_audio());
  EXPECT_NE(
      *layout,
      *intake::find_ts_layout(
          joined({pat(0x1000), pmt(0x1000, {{0x100, 0x1b}, {0x101, 0x0f}}), payload_packet(0x100)})
              .data(),
          3 * 188));
}

TEST(TsLayout, TellsAnotherClockStream) {
  // tsdemux takes a programme whose clock moved to another stream for a new programme.
  const std::vector<std::pair<uint16_t, uint8_t>> streams = {{0x100, 0x1b}, {0x101, 0x0f}};
  const auto on_video = joined({pat(0x1000), pmt(0x1000, streams), payload_packet(0x100)});
  const auto on_audio = joined({pat(0x1000), pmt(0x1000, streams, 0x101), payload_packet(0x100)});
  const auto video_clock = intake::find_ts_layout(on_video.data(), on_video.size());
  const auto audio_clock = intake::find_ts_layout(on_audio.data(), on_audio.size());
  ASSERT_TRUE(video_clock && audio_clock);
  EXPECT_EQ(video_clock->pcr_pid, 0x100);
  EXPECT_EQ(audio_clock->pcr_pid, 0x101);
  EXPECT_NE(*video_clock, *audio_clock);
  EXPECT_EQ(audio_clock->describe(), "video 0x100 (H.264), audio 0x101 (AAC), clock on 0x101");
}

TEST(TsLayout, UnknownUntilThePmtCame) {
  const auto no_pmt = joined({pat(0x1000), payload_packet(0x100), payload_packet(0x100)});
  EXPECT_FALSE(intake::find_ts_layout(no_pmt.data(), no_pmt.size()));
  const std::vector<uint8_t> noise(4096, 0x47);  // sync bytes everywhere, no tables
  EXPECT_FALSE(intake::find_ts_layout(noise.data(), noise.size()));
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_FALSE(intake::find_ts_layout(reinterpret_cast<const uint8_t *>(http.data()), http.size()));
}

namespace {

std::vector<uint8_t> sender_stream(uint8_t sps_tail, uint8_t channels) {
  std::vector<std::vector<uint8_t>> packets = {pat(0x1000),
                                               pmt(0x1000, {{0x100, 0x1b}, {0x101, 0x0f}})};
  for (auto &p : pes_packets(0x101, 0xc0, adts_frame(channels))) packets.push_back(p);
  for (auto &p : pes_packets(0x100, 0xe0, h264_access_unit(sps_tail))) packets.push_back(p);
  return joined(packets);
}

std::optional<intake::TsParameters> parameters_of(const std::vector<uint8_t> &bytes) {
  const auto layout = intake::find_ts_layout(bytes.data(), bytes.size());
  if (!layout) return std::nullopt;
  return intake::find_ts_parameters(bytes.data(), bytes.size(), *layout);
}

}  // namespace

TEST(TsParameters, ReadsTheH264ParameterSetsAndTheAacFormat) {
  const auto found = parameters_of(sender_stream(0x11, 2));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sps, (std::vector<uint8_t>{0x67, 100, 0, 30, 0x11, 0xe8}));
  EXPECT_EQ(found->pps, (std::vector<uint8_t>{0x68, 0xee, 0x3c, 0x80}));
  ASSERT_TRUE(found->aac);
  EXPECT_EQ(found->aac->channels, 2);
  EXPECT_EQ(found->describe(), "H.264 profile 100 level 3.0, AAC 48000 Hz 2 channels");
}

TEST(TsParameters, TellsSendersWithOtherParametersApart) {
  EXPECT_EQ(*parameters_of(sender_stream(0x11, 2)), *parameters_of(sender_stream(0x11, 2)));
  EXPECT_NE(*parameters_of(sender_stream(0x11, 2)), *parameters_of(sender_stream(0x12, 2)));
  EXPECT_NE(*parameters_of(sender_stream(0x11, 2)), *parameters_of(sender_stream(0x11, 1)));
}

TEST(TsParameters, ReadsAParameterSetSpanningPackets) {
  // A long SPS (scaling lists and the like): the PES spans three packets.
  std::vector<uint8_t> unit = {0, 0, 0, 1, 0x67, 100, 0, 40};
  unit.insert(unit.end(), 400, 0x5a);
  unit.insert(unit.end(), {0, 0, 1, 0x68, 0xce, 0x38, 0x80, 0, 0, 1, 0x65, 0x88});
  std::vector<std::vector<uint8_t>> packets = {pat(0x1000), pmt(0x1000, {{0x100, 0x1b}})};
  for (auto &p : pes_packets(0x100, 0xe0, unit)) packets.push_back(p);
  const auto found = parameters_of(joined(packets));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sps.size(), 4u + 400u);
  EXPECT_EQ(found->pps, (std::vector<uint8_t>{0x68, 0xce, 0x38, 0x80}));
  EXPECT_FALSE(found->aac);
}

TEST(TsParameters, UnknownUntilEverySetIsComplete) {
  // The stream so far ends inside the PPS: no start code after it yet.
  std::vector<std::vector<uint8_t>> packets = {pat(0x1000), pmt(0x1000, {{0x100, 0x1b}})};
  for (auto &p : pes_packets(0x100, 0xe0, {0, 0, 0, 1, 0x67, 100, 0, 30, 0, 0, 1, 0x68, 0xee}))
    packets.push_back(p);
  EXPECT_FALSE(parameters_of(joined(packets)));
  // Sound announced but no ADTS frame yet.
  packets = {pat(0x1000), pmt(0x1000, {{0x100, 0x1b}, {0x101, 0x0f}})};
  for (auto &p : pes_packets(0x100, 0xe0, h264_access_unit(0x11))) packets.push_back(p);
  EXPECT_FALSE(parameters_of(joined(packets)));
}
