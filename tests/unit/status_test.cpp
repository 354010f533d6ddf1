#include "status.h"
#include "text.h"

#include <gtest/gtest.h>

using namespace onair::app;

namespace {

Status sample() {
  Status s;
  s.pipeline = "demo";
  s.description = "Test \"scene\"";
  s.state = "playing";
  s.uptime = 3723.4;
  s.run_dir = "/tmp/r";
  MonitorFigures v;
  v.name = "video";
  v.media = "video/x-h264";
  v.fps = 29.97;
  v.bitrate = 2'500'000;
  v.buffers = 100;
  v.dropped = 2;
  v.gaps = 1;
  v.latency_ns = 12'500'000;
  v.alerts = {"fps-low"};
  s.monitors.push_back(v);
  return s;
}

}  // namespace

TEST(Status, Line) {
  EXPECT_EQ(status_line(sample()),
            "playing 01:02:03 | video 30.0 fps 2.50 Mb/s dropped 2 gaps 1 [fps-low]");
  Status s = sample();
  s.monitors[0].stalled = true;
  s.monitors[0].bitrate = 0;
  s.monitors[0].dropped = s.monitors[0].gaps = 0;
  s.monitors[0].alerts.clear();
  EXPECT_EQ(status_line(s), "playing 01:02:03 | video STALLED 0 b/s");
}

TEST(Status, Json) {
  EXPECT_EQ(status_json(sample()),
            "{\"pipeline\":\"demo\",\"description\":\"Test \\\"scene\\\"\",\"state\":\"playing\","
            "\"uptime\":3723.400,\"run_dir\":\"/tmp/r\",\"monitors\":[{\"name\":\"video\","
            "\"media\":\"video/x-h264\",\"fps\":29.970,\"bitrate\":2500000.000,\"buffers\":100,"
            "\"bytes\":0,\"gaps\":1,\"dropped\":2,\"discont\":0,\"stalled\":false,"
            "\"latency_ms\":12.500,\"jitter_ms\":null,\"alerts\":[\"fps-low\"]}]}");
}

TEST(Status, JsonStringEscapesEverything) {
  EXPECT_EQ(json_string("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\u000a\\u0001\"");
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(json_string("bad\xff!"), "\"bad\xEF\xBF\xBD!\"");
  EXPECT_EQ(json_string("\xe2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(Status, Formats) {
  EXPECT_EQ(format_bitrate(128'000), "128 kb/s");
  EXPECT_EQ(format_bitrate(6'000'000), "6.00 Mb/s");
  EXPECT_EQ(format_bitrate(12), "12 b/s");
  EXPECT_EQ(format_duration(59.9), "00:00:59");
  EXPECT_EQ(format_duration(-5), "00:00:00");
}

TEST(Text, Utf8AndExcerpts) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x8e\xa5 emoji"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(printable_excerpt("ab\ncd", 10), "ab?cd");
  EXPECT_EQ(printable_excerpt("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9...");
  EXPECT_EQ(trim("  x y \t\n"), "x y");
}

TEST(Text, RedactorHidesEverySecret) {
  Redactor r;
  r.add("live_abc123");
  r.add("abc");
  r.add("x");  // too short to hide
  EXPECT_EQ(r("rtmp://host/app/live_abc123 and abc and x"), "rtmp://host/app/*** and *** and x");
  EXPECT_EQ(r("live_abc123live_abc123"), "******");
}

TEST(Status, RedactedHidesSecretsInEveryTextField) {
  Status s = sample();
  s.monitors[0].name = "key-supersecret";
  s.run_dir = "/runs/supersecret";
  Redactor r;
  r.add("supersecret");
  const std::string json = status_json(redacted(s, r));
  EXPECT_EQ(json.find("supersecret"), std::string::npos) << json;
  EXPECT_NE(json.find("\"name\":\"key-***\""), std::string::npos) << json;
}
