// The plain parts of the SDI previews: port names, the port list a run is given, the
// values of one port's pipeline, their JSON, and the routes of /api/previews.
#include <gtest/gtest.h>

#include "http/routes.h"
#include "pipeline/pipeline_file.h"
#include "previews/preview_ports.h"

using namespace onair::app;

TEST(Previews, PortIdsAreCardDotPort) {
  EXPECT_EQ((SdiPort{0, 1, "deltacast"}.id()), "0.1");
  EXPECT_EQ(parse_port_id("12.3"), (SdiPort{12, 3, ""}));
  for (const char *bad : {"", "0", "0.", ".1", "0.1.2", "a.b", "-1.0", "01.0", "0.1 ", "1000.0"})
    EXPECT_FALSE(parse_port_id(bad)) << bad;
}

TEST(Previews, DeckLinkDevicesHaveTheirOwnIds) {
  EXPECT_EQ((SdiPort{0, 0, "decklink"}.id()), "dl0");
  EXPECT_NE((SdiPort{0, 0, "decklink"}.id()), (SdiPort{0, 0, "deltacast"}.id()));
  EXPECT_EQ((SdiPort{0, 0, "deltacast"}.id()), "0.0");
  EXPECT_EQ(parse_port_id("dl12"), (SdiPort{12, 0, "decklink"}));
  for (const char *bad : {"dl", "dl01", "dl0.0", "dl-1", "DL0", "dlx"})
    EXPECT_FALSE(parse_port_id(bad)) << bad;
  EXPECT_EQ(parse_port_list("dl0, 0.0"), (std::vector<SdiPort>{{0, 0, "decklink"}, {0, 0, ""}}));
  EXPECT_EQ(port_values({}, SdiPort{1, 0, "decklink"}, "/p").at("port_dir"), "/p/dl1");
}

TEST(Previews, PortListsKeepTheirOrder) {
  EXPECT_TRUE(parse_port_list("").empty());
  EXPECT_EQ(parse_port_list("1.0, 0.1"), (std::vector<SdiPort>{{1, 0, ""}, {0, 1, ""}}));
  try {
    parse_port_list("0.1,,0.2");
    FAIL();
  } catch (const PipelineError &e) {
    EXPECT_STREQ(e.what(),
                 "variable 'ports': '' is not a port: give CARD.PORT, such as 0.1, separated by "
                 "commas");
  }
  try {
    parse_port_list("0.1,0.1");
    FAIL();
  } catch (const PipelineError &e) {
    EXPECT_STREQ(e.what(), "variable 'ports': port 0.1 is given twice");
  }
}

TEST(Previews, EachPortHasItsOwnValuesAndFolder) {
  const auto values = port_values({{"bitrate", "5000"}, {"backend", "auto"}}, SdiPort{1, 2, ""},
                                  "/runs/r/previews");
  EXPECT_EQ(values.at("bitrate"), "5000");
  EXPECT_EQ(values.at("backend"), "auto");
  EXPECT_EQ(values.at("device"), "1");
  EXPECT_EQ(values.at("port"), "2");
  EXPECT_EQ(values.at("port_dir"), "/runs/r/previews/1.2");
  // A port listed under a family opens that family.
  EXPECT_EQ(port_values({{"backend", "auto"}}, SdiPort{0, 0, "decklink"}, "/p").at("backend"),
            "decklink");
}

TEST(Previews, Json) {
  PreviewInfo p;
  p.port = "0.1";
  p.state = "starting";
  p.signal = "lost";
  p.mode = "1080i50";
  p.playlist = "/previews/0.1/playlist.m3u8";
  p.bitrate = 5000;
  p.audio_bitrate = 128;
  p.last_error = "busy: \"x\"";
  EXPECT_EQ(previews_fields({p}),
            "\"previews\":[{\"port\":\"0.1\",\"previewing\":true,\"state\":\"starting\","
            "\"signal\":\"lost\",\"mode\":\"1080i50\",\"playlist\":\"/previews/0.1/playlist.m3u8\","
            "\"bitrate\":5000,\"audio_bitrate\":128,\"last_error\":\"busy: \\\"x\\\"\"}]");
  p.state = "failed";
  EXPECT_FALSE(p.previewing());
}

TEST(Previews, Routes) {
  PreviewsRoute r = previews_route("/api/previews", "GET");
  EXPECT_TRUE(r.found);
  EXPECT_EQ(r.action, PreviewsRoute::Action::kList);
  EXPECT_FALSE(r.needs_token);
  r = previews_route("/api/previews", "POST");
  EXPECT_EQ(r.action, PreviewsRoute::Action::kNone);
  EXPECT_EQ(r.allow, "GET, HEAD");
  r = previews_route("/api/previews/0.1/start", "POST");
  EXPECT_EQ(r.action, PreviewsRoute::Action::kStart);
  EXPECT_EQ(r.port, "0.1");
  EXPECT_TRUE(r.needs_token);
  r = previews_route("/api/previews/0.1/stop", "GET");
  EXPECT_TRUE(r.found);
  EXPECT_EQ(r.action, PreviewsRoute::Action::kNone);
  EXPECT_EQ(r.allow, "POST");
  EXPECT_EQ(previews_route("/api/previews/0.1/stop", "POST").action, PreviewsRoute::Action::kStop);
  for (const char *bad : {"/api/previews/0.1", "/api/previews//start", "/api/previews/0.1/pause",
                          "/api/previews/0.1/start/x", "/api/previewsx"})
    EXPECT_FALSE(previews_route(bad, "POST").found) << bad;
  EXPECT_TRUE(is_previews_path("/api/previews/x"));
  EXPECT_FALSE(is_control_path("/api/previews"));
}
