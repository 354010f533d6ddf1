#include "dashboard/figure_history.h"

#include <gtest/gtest.h>

using namespace onair::app;

namespace {

Status with_output(uint64_t frames_sent, double bitrate) {
  Status s;
  OutputFigures o;
  o.name = "live";
  o.frames_sent = frames_sent;
  o.bitrate = bitrate;
  s.outputs.push_back(o);
  MonitorFigures m;
  m.name = "video";
  m.fps = 30;
  m.bitrate = 2'000'000;
  s.monitors.push_back(m);
  return s;
}

}  // namespace

TEST(FigureHistory, AnOutputsFpsComesFromItsFramesSentBetweenSamples) {
  FigureHistory history(10, 1 << 20);
  EXPECT_EQ(history.record(100, with_output(0, 0)),
            "{\"t\":100.000,\"outputs\":{\"live\":{\"bitrate\":0.000,\"fps\":null}},"
            "\"monitors\":{\"video\":{\"bitrate\":2000000.000,\"fps\":30.000}}}");
  EXPECT_NE(history.record(102, with_output(50, 1e6))
                .find("\"live\":{\"bitrate\":1000000.000,"
                      "\"fps\":25.000}"),
            std::string::npos);
  // The element started over: no rate from a counter that went back.
  EXPECT_NE(history.record(103, with_output(10, 1e6)).find("\"fps\":null"), std::string::npos);
}

TEST(FigureHistory, AStalledMonitorPlotsZero) {
  FigureHistory history(10, 1 << 20);
  Status s = with_output(0, 0);
  s.monitors[0].stalled = true;
  EXPECT_NE(history.record(1, s).find("\"video\":{\"bitrate\":2000000.000,\"fps\":0.000}"),
            std::string::npos);
}

TEST(FigureHistory, KeepsTheNewestWithinItsCountAndBytes) {
  FigureHistory by_count(3, 1 << 20);
  for (int t = 1; t <= 5; t++) by_count.record(t, Status());
  EXPECT_EQ(by_count.size(), 3u);
  EXPECT_EQ(by_count.json(),
            "{\"samples\":[{\"t\":3.000,\"outputs\":{},\"monitors\":{}},"
            "{\"t\":4.000,\"outputs\":{},\"monitors\":{}},"
            "{\"t\":5.000,\"outputs\":{},\"monitors\":{}}]}");

  const size_t one = FigureHistory(1, 1 << 20).record(1, Status()).size() + 1;
  FigureHistory by_bytes(100, 2 * one);
  for (int t = 1; t <= 5; t++) by_bytes.record(t, Status());
  EXPECT_EQ(by_bytes.size(), 2u);
  EXPECT_LE(by_bytes.json().size(), 2 * one + 20);
}

TEST(FigureHistory, StartsEmpty) {
  EXPECT_EQ(FigureHistory(10, 1000).json(), "{\"samples\":[]}");
}
