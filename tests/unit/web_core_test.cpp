#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/client_queue.h"
#include "core/origins.h"
#include "core/static_files.h"
#include "core/websocket.h"
#include "onair/web_paths.h"

using namespace onair::web;

namespace {

std::vector<int> drain(ClientQueue<int> &q, std::vector<std::string> *headers = nullptr) {
  std::vector<int> out;
  while (auto item = q.next()) {
    if (item->is_header) {
      if (headers) headers->push_back(item->header);
    } else {
      out.push_back(item->frame);
    }
  }
  return out;
}

}  // namespace

TEST(ClientQueue, HeaderComesFirst) {
  ClientQueue<int> q(2);
  q.set_header("INIT:25:3:80:34:0");
  q.push(1, false);
  auto first = q.next();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->is_header);
  EXPECT_EQ(first->header, "INIT:25:3:80:34:0");
  auto second = q.next();
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->is_header);
  EXPECT_EQ(second->frame, 1);
  EXPECT_FALSE(q.next());
  EXPECT_EQ(q.counters().headers_sent, 1u);
  EXPECT_EQ(q.counters().frames_sent, 1u);
}

TEST(ClientQueue, NoHeaderMeansFramesOnly) {
  ClientQueue<int> q(2);
  q.set_header("");
  q.push(7, false);
  std::vector<std::string> headers;
  EXPECT_EQ(drain(q, &headers), std::vector<int>{7});
  EXPECT_TRUE(headers.empty());
}

TEST(ClientQueue, SlowClientDropsOldestAndCounts) {
  ClientQueue<int> q(2);
  EXPECT_EQ(q.push(1, false), PushResult::kQueued);
  EXPECT_EQ(q.push(2, false), PushResult::kQueued);
  EXPECT_EQ(q.push(3, false), PushResult::kQueuedDroppedOldest);
  EXPECT_EQ(q.push(4, false), PushResult::kQueuedDroppedOldest);
  EXPECT_EQ(q.counters().dropped, 2u);
  EXPECT_EQ(drain(q), (std::vector<int>{3, 4}));
  EXPECT_EQ(q.counters().frames_sent, 2u);
}

TEST(ClientQueue, FastClientLosesNothing) {
  ClientQueue<int> q(2);
  for (int i = 0; i < 100; i++) {
    q.push(i, false);
    auto item = q.next();
    ASSERT_TRUE(item);
    EXPECT_EQ(item->frame, i);
  }
  EXPECT_EQ(q.counters().dropped, 0u);
  EXPECT_EQ(q.counters().frames_sent, 100u);
}

TEST(ClientQueue, NewClientStartsOnFullFrame) {
  ClientQueue<int> q(4);
  EXPECT_EQ(q.push(1, true), PushResult::kSkipped);
  EXPECT_EQ(q.push(2, true), PushResult::kSkipped);
  EXPECT_TRUE(q.waiting_for_full());
  EXPECT_EQ(q.push(3, false), PushResult::kQueued);
  EXPECT_EQ(q.push(4, true), PushResult::kQueued);
  EXPECT_EQ(drain(q), (std::vector<int>{3, 4}));
  EXPECT_EQ(q.counters().skipped, 2u);
  EXPECT_EQ(q.counters().dropped, 0u);
}

TEST(ClientQueue, DropTakesDependentDeltasAndWaitsForFullFrame) {
  ClientQueue<int> q(2);
  q.push(1, false);
  q.push(2, true);
  // Overflow: 1 goes, so 2 and 3 (deltas on it) go too.
  EXPECT_EQ(q.push(3, true), PushResult::kQueuedDroppedOldest);
  EXPECT_EQ(q.queued_frames(), 0u);
  EXPECT_TRUE(q.waiting_for_full());
  EXPECT_EQ(q.counters().dropped, 3u);
  EXPECT_EQ(q.push(4, true), PushResult::kSkipped);
  q.push(5, false);
  EXPECT_EQ(drain(q), std::vector<int>{5});
}

TEST(ClientQueue, DropKeepsQueuedFullFrame) {
  ClientQueue<int> q(2);
  q.push(1, false);
  q.push(2, false);
  q.push(3, true);  // drops 1; 2 is full, so 2 and 3 stay
  EXPECT_EQ(drain(q), (std::vector<int>{2, 3}));
  EXPECT_EQ(q.counters().dropped, 1u);
}

TEST(ClientQueue, HeaderChangeResendsAndDropsOldFrames) {
  ClientQueue<int> q(3);
  q.set_header("A");
  q.push(1, false);
  std::vector<std::string> headers;
  EXPECT_EQ(drain(q, &headers), std::vector<int>{1});
  q.push(2, false);
  q.set_header("B");
  q.push(3, true);  // waits for a full frame under the new header
  q.push(4, false);
  EXPECT_EQ(drain(q, &headers), std::vector<int>{4});
  EXPECT_EQ(headers, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(q.counters().dropped, 1u);
  EXPECT_EQ(q.counters().skipped, 1u);
}

TEST(PayloadChoice, ClientsThatDidNotAskGetTheFrameItself) {
  const FrameAlternatives alt{true, true, 4};
  EXPECT_EQ(choose_payload(false, alt, 4u), PayloadChoice::kOwn);
  EXPECT_EQ(choose_payload(false, alt, std::nullopt), PayloadChoice::kOwn);
  // Asking on a stream without alternatives: the frame itself too.
  EXPECT_EQ(choose_payload(true, FrameAlternatives{}, 4u), PayloadChoice::kOwn);
}

TEST(PayloadChoice, DeltaOnlyOnTheFrameTheClientHas) {
  const FrameAlternatives alt{true, true, 4};
  EXPECT_EQ(choose_payload(true, alt, 4u), PayloadChoice::kAltDelta);
  EXPECT_FALSE(is_resync(PayloadChoice::kAltDelta, alt, 4u));
  // It missed frame 4 (dropped): the whole frame, counted as a resync.
  EXPECT_EQ(choose_payload(true, alt, 3u), PayloadChoice::kAltFull);
  EXPECT_TRUE(is_resync(PayloadChoice::kAltFull, alt, 3u));
  // A new client starts whole; that is no resync.
  EXPECT_EQ(choose_payload(true, alt, std::nullopt), PayloadChoice::kAltFull);
  EXPECT_FALSE(is_resync(PayloadChoice::kAltFull, alt, std::nullopt));
  // A frame without a delta goes whole to everyone who asked, no resync either.
  const FrameAlternatives whole{true, false, 0};
  EXPECT_EQ(choose_payload(true, whole, 4u), PayloadChoice::kAltFull);
  EXPECT_FALSE(is_resync(PayloadChoice::kAltFull, whole, 4u));
}

TEST(PayloadChoice, DropsInTheQueueLeadToAWholeFrame) {
  // Frames 0..5, each with a delta on the one before, through a queue of 2 to a client that
  // reads late: it gets 0, then 3 whole (1 and 2 dropped), then 4 as a delta.
  ClientQueue<uint64_t> queue(2);
  std::optional<uint64_t> last;
  std::vector<PayloadChoice> got;
  std::vector<uint64_t> numbers;
  const auto send_next = [&] {
    auto item = queue.next();
    ASSERT_TRUE(item && !item->is_header);
    const uint64_t n = item->frame;
    const FrameAlternatives alt{true, n > 0, n - 1};
    got.push_back(choose_payload(true, alt, last));
    numbers.push_back(n);
    last = n;
  };
  queue.push(0, false);
  send_next();
  for (uint64_t n = 1; n <= 4; n++) queue.push(n, false);
  send_next();
  queue.push(5, false);
  send_next();
  EXPECT_EQ(got, (std::vector<PayloadChoice>{PayloadChoice::kAltFull, PayloadChoice::kAltFull,
                                             PayloadChoice::kAltDelta}));
  EXPECT_EQ(numbers, (std::vector<uint64_t>{0, 3, 4}));
  EXPECT_EQ(queue.counters().dropped, 2u);
}

TEST(WebSocket, FrameHeaderLengths) {
  EXPECT_EQ(frame_header(Opcode::kBinary, 5), (std::vector<uint8_t>{0x82, 5}));
  EXPECT_EQ(frame_header(Opcode::kText, 125), (std::vector<uint8_t>{0x81, 125}));
  EXPECT_EQ(frame_header(Opcode::kBinary, 126), (std::vector<uint8_t>{0x82, 126, 0, 126}));
  EXPECT_EQ(frame_header(Opcode::kBinary, 65535), (std::vector<uint8_t>{0x82, 126, 0xFF, 0xFF}));
  EXPECT_EQ(frame_header(Opcode::kBinary, 67204),
            (std::vector<uint8_t>{0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x06, 0x84}));
}

namespace {
std::vector<uint8_t> masked(uint8_t first, const std::string &payload) {
  std::vector<uint8_t> out{first};
  const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
  if (payload.size() < 126) {
    out.push_back(static_cast<uint8_t>(0x80 | payload.size()));
  } else {
    out.push_back(0x80 | 126);
    out.push_back(static_cast<uint8_t>(payload.size() >> 8));
    out.push_back(static_cast<uint8_t>(payload.size()));
  }
  out.insert(out.end(), mask, mask + 4);
  for (size_t i = 0; i < payload.size(); i++)
    out.push_back(static_cast<uint8_t>(payload[i]) ^ mask[i % 4]);
  return out;
}
}  // namespace

TEST(WebSocket, ParsesMaskedFramesInPieces) {
  FrameParser parser;
  std::vector<uint8_t> bytes = masked(0x81, "hello");
  const std::vector<uint8_t> close = masked(0x88, std::string("\x03\xe8", 2));
  bytes.insert(bytes.end(), close.begin(), close.end());
  std::vector<ClientFrame> frames;
  for (uint8_t b : bytes) {
    auto got = parser.feed(&b, 1);
    frames.insert(frames.end(), got.begin(), got.end());
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].opcode, Opcode::kText);
  EXPECT_EQ(std::string(frames[0].payload.begin(), frames[0].payload.end()), "hello");
  EXPECT_EQ(frames[1].opcode, Opcode::kClose);
  EXPECT_EQ(frames[1].payload, (std::vector<uint8_t>{0x03, 0xe8}));
  EXPECT_FALSE(parser.failed());
}

TEST(WebSocket, ParsesExtendedLength) {
  FrameParser parser;
  const std::string big(300, 'x');
  const auto bytes = masked(0x82, big);
  const auto frames = parser.feed(bytes.data(), bytes.size());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload.size(), 300u);
}

TEST(WebSocket, RefusesUnmaskedOversizedAndBadControl) {
  {
    FrameParser parser;
    const uint8_t unmasked[] = {0x81, 0x01, 'a'};
    parser.feed(unmasked, sizeof unmasked);
    EXPECT_TRUE(parser.failed());
  }
  {
    FrameParser parser(100);
    const auto bytes = masked(0x82, std::string(200, 'y'));
    EXPECT_TRUE(parser.feed(bytes.data(), bytes.size()).empty());
    EXPECT_TRUE(parser.failed());
  }
  {
    FrameParser parser;
    const auto bytes = masked(0x09, "ping");  // control frame without FIN
    parser.feed(bytes.data(), bytes.size());
    EXPECT_TRUE(parser.failed());
  }
}

TEST(StaticFiles, Paths) {
  EXPECT_EQ(static_relative_path("/ascii/"), "ascii/index.html");
  EXPECT_EQ(static_relative_path("/"), "index.html");
  EXPECT_EQ(static_relative_path("/ascii/player.js"), "ascii/player.js");
  EXPECT_EQ(static_relative_path("//a//b.css"), "a/b.css");
  EXPECT_EQ(static_relative_path("/../etc/passwd"), "");
  EXPECT_EQ(static_relative_path("/a/.hidden"), "");
  EXPECT_EQ(static_relative_path("/a\\b"), "");
  EXPECT_EQ(static_relative_path(std::string("/a\nb")), "");
  EXPECT_STREQ(static_content_type("x/index.html"), "text/html; charset=utf-8");
  EXPECT_STREQ(static_content_type("x.bin"), "application/octet-stream");
}

TEST(StaticFiles, FilesStayInsideTheRoot) {
  const std::string dir = testing::TempDir() + "/onair-web-root";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/root/sub");
  std::ofstream(dir + "/root/sub/page.html") << "ok";
  std::ofstream(dir + "/secret.txt") << "no";
  std::filesystem::create_symlink(dir + "/secret.txt", dir + "/root/leak.txt");
  std::filesystem::create_symlink(dir + "/root/sub/page.html", dir + "/root/alias.html");
  const std::string real_root = std::filesystem::canonical(dir + "/root").string();
  EXPECT_EQ(onair::file_inside(dir + "/root", "sub/page.html"), real_root + "/sub/page.html");
  EXPECT_EQ(onair::file_inside(dir + "/root", "alias.html"), real_root + "/sub/page.html");
  EXPECT_EQ(onair::file_inside(dir + "/root", "leak.txt"), "");  // a link out of the root
  EXPECT_EQ(onair::file_inside(dir + "/root", "../secret.txt"), "");
  EXPECT_EQ(onair::file_inside(dir + "/root", "missing.html"), "");
  EXPECT_EQ(onair::file_inside(dir + "/nowhere", "sub/page.html"), "");
  std::filesystem::remove_all(dir);
}

TEST(Origins, ParsesOriginsWithDefaultPortsAndLowerCase) {
  EXPECT_EQ(parse_origin("https://Example.COM"), (Origin{"https", "example.com", 443}));
  EXPECT_EQ(parse_origin("HTTP://127.0.0.1:8081"), (Origin{"http", "127.0.0.1", 8081}));
  EXPECT_EQ(parse_origin("http://[::1]:8080"), (Origin{"http", "[::1]", 8080}));
  EXPECT_EQ(parse_origin("https://example.com:443"), parse_origin("https://example.com"));
  for (const char *bad : {"null", "example.com", "https://", "https://a/b", "https://u@a",
                          "https://a:0", "https://a:70000", "https://a:", "://a", "https://a?x"})
    EXPECT_FALSE(parse_origin(bad)) << bad;
}

TEST(Origins, ParsesTheList) {
  const auto list = AllowedOrigins::parse(" https://example.com/ ,http://127.0.0.1:8081,");
  EXPECT_FALSE(list.any());
  EXPECT_TRUE(list.lists(*parse_origin("https://EXAMPLE.com:443")));
  EXPECT_TRUE(list.lists(*parse_origin("http://127.0.0.1:8081")));
  EXPECT_FALSE(list.lists(*parse_origin("http://example.com")));  // another scheme
  EXPECT_FALSE(list.lists(*parse_origin("http://127.0.0.1:8082")));
  EXPECT_TRUE(AllowedOrigins::parse("*").any());
  EXPECT_FALSE(AllowedOrigins::parse("").any());
  EXPECT_THROW(AllowedOrigins::parse("https://example.com,example.org"), std::invalid_argument);
  try {
    AllowedOrigins::parse("https://a/page");
    FAIL();
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("'https://a/page'"), std::string::npos) << e.what();
  }
}

TEST(Origins, SameOriginComparesHostAndPortWithoutTheScheme) {
  const AllowedOrigins none;
  EXPECT_EQ(check_origin(none, nullptr, "a:8080"), OriginVerdict::kNoOrigin);
  EXPECT_EQ(check_origin(none, "http://127.0.0.1:8080", "127.0.0.1:8080"),
            OriginVerdict::kSameOrigin);
  EXPECT_EQ(check_origin(none, "http://Host.Example:8080", "host.example:8080"),
            OriginVerdict::kSameOrigin);
  // Behind a TLS proxy: the page is https, the proxy passes Host without a port.
  EXPECT_EQ(check_origin(none, "https://ascii.example.com", "ascii.example.com"),
            OriginVerdict::kSameOrigin);
  EXPECT_EQ(check_origin(none, "https://ascii.example.com", "ascii.example.com:443"),
            OriginVerdict::kSameOrigin);
  EXPECT_EQ(check_origin(none, "http://[::1]:8080", "[::1]:8080"), OriginVerdict::kSameOrigin);
  EXPECT_EQ(check_origin(none, "http://127.0.0.1:8081", "127.0.0.1:8080"), OriginVerdict::kRefused);
  EXPECT_EQ(check_origin(none, "https://ascii.example.com:8443", "ascii.example.com"),
            OriginVerdict::kRefused);
  EXPECT_EQ(check_origin(none, "http://evil.example", "127.0.0.1:8080"), OriginVerdict::kRefused);
  EXPECT_EQ(check_origin(none, "http://a:8080", nullptr), OriginVerdict::kRefused);
  EXPECT_EQ(check_origin(none, "null", "a:8080"), OriginVerdict::kRefused);
}

TEST(Origins, TheListAdmitsOtherSites) {
  const auto list = AllowedOrigins::parse("https://example.com");
  EXPECT_EQ(check_origin(list, "https://example.com", "127.0.0.1:8080"), OriginVerdict::kAllowed);
  EXPECT_EQ(check_origin(list, "http://example.com", "127.0.0.1:8080"), OriginVerdict::kRefused);
  const auto any = AllowedOrigins::parse("*");
  EXPECT_EQ(check_origin(any, "http://evil.example", "127.0.0.1:8080"), OriginVerdict::kAllowed);
  EXPECT_EQ(check_origin(any, "null", "127.0.0.1:8080"), OriginVerdict::kAllowed);
}
