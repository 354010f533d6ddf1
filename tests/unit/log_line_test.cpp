#include "common/log_line.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace onair::app;

namespace {

// 2026-12-05T05:40:01.123Z
const std::chrono::system_clock::time_point kTime =
    std::chrono::system_clock::time_point{} + std::chrono::milliseconds(1796449201123);

TEST(LogLine, Timestamp) {
  EXPECT_EQ(utc_timestamp(kTime), "2026-12-05T05:40:01.123Z");
}

TEST(LogLine, OneObjectWithItsFields) {
  LogEvent e{LogLevel::kWarning,
             "onair",
             "output rtmp (rtmp://host/app): failed",
             {{"output", "rtmp"}, {"state", "failed"}}};
  EXPECT_EQ(json_log_line(e, kTime),
            "{\"time\":\"2026-12-05T05:40:01.123Z\",\"level\":\"warning\",\"source\":\"onair\","
            "\"message\":\"output rtmp (rtmp://host/app): failed\","
            "\"fields\":{\"output\":\"rtmp\",\"state\":\"failed\"}}\n");
}

TEST(LogLine, NoFieldsMeansNoFieldsMember) {
  EXPECT_EQ(json_log_line({LogLevel::kError, "GST_PADS", "x", {}}, kTime),
            "{\"time\":\"2026-12-05T05:40:01.123Z\",\"level\":\"error\",\"source\":\"GST_PADS\","
            "\"message\":\"x\"}\n");
}

TEST(LogLine, EscapesKeepOneLine) {
  const std::string line =
      json_log_line({LogLevel::kInfo, "onair", "a \"b\"\\c\nd\te\r\x01", {{"k\n", "v\""}}}, kTime);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_NE(line.find("\"message\":\"a \\\"b\\\"\\\\c\\u000ad\\u0009e\\u000d\\u0001\""),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"fields\":{\"k\\u000a\":\"v\\\"\"}"), std::string::npos) << line;
}

TEST(LogLine, InvalidUtf8BecomesReplacementCharacters) {
  const std::string line =
      json_log_line({LogLevel::kInfo, "src\xff", "caf\xc3\xa9 \xc3 \xed\xa0\x80", {}}, kTime);
  EXPECT_NE(line.find("\"source\":\"src\xEF\xBF\xBD\""), std::string::npos) << line;
  // A valid sequence stays, a cut one and an encoded surrogate are replaced.
  EXPECT_NE(line.find("\"message\":\"caf\xc3\xa9 \xEF\xBF\xBD \xEF\xBF\xBD"), std::string::npos)
      << line;
}

TEST(LogLine, LevelNames) {
  EXPECT_STREQ(log_level_name(LogLevel::kDebug), "debug");
  EXPECT_STREQ(log_level_name(LogLevel::kInfo), "info");
  EXPECT_STREQ(log_level_name(LogLevel::kWarning), "warning");
  EXPECT_STREQ(log_level_name(LogLevel::kError), "error");
}

}  // namespace
