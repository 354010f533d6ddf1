#include <glib.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "sessions/event_hub.h"
#include "sessions/frame_index.h"
#include "sessions/session_store.h"

using namespace onair::app;

namespace {

class SessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gchar *dir = g_dir_make_tmp("sessions-test-XXXXXX", nullptr);
    tmp_ = dir;
    g_free(dir);
    root_ = tmp_ + "/root";
  }
  void TearDown() override {
    const std::string command = "rm -rf '" + tmp_ + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  static std::string read(const std::string &path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static void write(const std::string &path, const std::string &text) {
    std::ofstream(path) << text;
  }
  int status_of(const std::function<void()> &action) {
    try {
      action();
    } catch (const SessionError &e) {
      return e.status();
    }
    return 200;
  }
  std::string tmp_, root_;
};

}  // namespace

TEST(Sessions, Ids) {
  EXPECT_TRUE(is_session_id("20261204_153000"));
  EXPECT_TRUE(is_session_id("20261204_153000_2"));
  EXPECT_TRUE(is_session_id("20261204_153000_99"));
  for (const char *bad :
       {"", "..", "20261204_15300", "20261204-153000", "20261204_153000_0", "20261204_153000_",
        "20261204_153000_100", "2026120a_153000", "20261204_153000/..", "../20261204_153000"})
    EXPECT_FALSE(is_session_id(bad)) << bad;
  EXPECT_TRUE(is_snapshot_id("F0001"));
  EXPECT_FALSE(is_snapshot_id("F"));
  EXPECT_FALSE(is_snapshot_id("F00x1"));
  EXPECT_FALSE(is_snapshot_id("../F0001"));
}

TEST(Sessions, RecordRoundTrip) {
  SessionRecord r;
  r.id = "20261204_153000";
  r.state = "finished";
  r.pipeline = "session";
  r.started = "2026-12-04T15:30:00+01:00";
  r.ended = "2026-12-04T16:00:00+01:00";
  r.runs = 2;
  r.senders.push_back({1, "127.0.0.1:5000", "a", "b", 1234, "closed \"x\""});
  r.segments.push_back({"stream/recording_000.mp4", "a", "b", 12.5, 0.25, 1});
  r.segments.push_back({"stream/recording_001.mp4", "c", "", 3, 0, 2});
  const SessionRecord back = parse_session_json(session_json(r));
  EXPECT_EQ(session_json(back), session_json(r));
  EXPECT_EQ(back.senders[0].reason, "closed \"x\"");
  EXPECT_EQ(back.segments[1].closed, "");
  EXPECT_EQ(back.runs, 2);
  EXPECT_THROW(parse_session_json("[1]"), SessionError);
  EXPECT_THROW(parse_session_json("{\"id\":"), SessionError);
}

TEST_F(SessionsTest, CreateListResumeAndRemove) {
  const SessionStore store(root_);
  std::string id;
  {
    LiveSession live = LiveSession::create(store, "session");
    id = live.id();
    EXPECT_TRUE(is_session_id(id));
    EXPECT_EQ(live.next_segment(), 0);
    for (const char *sub : {"stream", "frames", "audio"})
      EXPECT_TRUE(g_file_test((live.dir() + "/" + sub).c_str(), G_FILE_TEST_IS_DIR));
    // A second one in the same second gets a suffix.
    LiveSession second = LiveSession::create(store, "session");
    EXPECT_NE(second.id(), id);
    second.discard();
    EXPECT_FALSE(g_file_test(second.dir().c_str(), G_FILE_TEST_EXISTS));

    const auto listed = store.list();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_TRUE(listed[0].live);
    EXPECT_EQ(status_of([&] { store.remove(id); }), 409);
    EXPECT_EQ(status_of([&] { LiveSession::resume(store, id); }), 409);
    write(live.dir() + "/stream/recording_000.mp4", "x");
    write(live.dir() + "/stream/recording_004.mp4", "x");
    live.record().segments.push_back({"stream/recording_004.mp4", "a", "", 2.5, 0, 1});
    live.save();
    // Dropped without finish(): as a killed run leaves it.
  }
  EXPECT_EQ(parse_session_json(read(root_ + "/" + id + "/session.json")).state, "live");
  SessionSummary s = store.show(id);
  EXPECT_FALSE(s.live);
  EXPECT_EQ(s.record.state, "crashed");
  EXPECT_EQ(parse_session_json(read(root_ + "/" + id + "/session.json")).state, "crashed");
  EXPECT_EQ(s.segments, 2u);
  EXPECT_DOUBLE_EQ(s.duration, 2.5);
  {
    LiveSession again = LiveSession::resume(store, id);
    EXPECT_TRUE(again.resumed());
    EXPECT_EQ(again.next_segment(), 5);
    EXPECT_EQ(again.record().runs, 2);
    EXPECT_EQ(again.record().segments[0].closed, "a");
    again.finish();
  }
  s = store.show(id);
  EXPECT_EQ(s.record.state, "finished");
  const std::string removed = store.remove(id);
  EXPECT_EQ(removed.rfind("removed session " + id + " (", 0), 0u) << removed;
  EXPECT_FALSE(g_file_test((root_ + "/" + id).c_str(), G_FILE_TEST_EXISTS));
  EXPECT_EQ(status_of([&] { store.show(id); }), 404);
}

TEST_F(SessionsTest, RefusesWhatIsNotASession) {
  const SessionStore store(root_);
  ASSERT_EQ(g_mkdir_with_parents((root_ + "/20260101_000001").c_str(), 0755), 0);
  ASSERT_EQ(g_mkdir_with_parents((tmp_ + "/outside").c_str(), 0755), 0);
  write(tmp_ + "/outside/session.json", "{}");
  ASSERT_EQ(symlink((tmp_ + "/outside").c_str(), (root_ + "/20260101_000002").c_str()), 0);
  EXPECT_EQ(status_of([&] { store.remove("../outside"); }), 400);
  EXPECT_EQ(status_of([&] { store.remove("20260101_000001"); }), 400);  // no session.json
  EXPECT_EQ(status_of([&] { store.remove("20260101_000002"); }), 400);  // a link
  EXPECT_EQ(status_of([&] { store.remove("20260101_000003"); }), 404);
  EXPECT_TRUE(g_file_test((tmp_ + "/outside/session.json").c_str(), G_FILE_TEST_EXISTS));
  EXPECT_TRUE(store.list().empty());
}

TEST_F(SessionsTest, SnapshotIndexMarksAndPlaces) {
  ASSERT_EQ(g_mkdir_with_parents(tmp_.c_str(), 0755), 0);
  const std::string index = tmp_ + "/index.json";
  EXPECT_EQ(status_of([&] { mark_snapshot_sent(index, "F0001"); }), 404);
  write(
      index,
      R"([{"id":"F0001","sent_to_agent":false,"extra":[1]},{"id":"F0002","sent_to_agent":false}])");
  EXPECT_EQ(status_of([&] { mark_snapshot_sent(index, "F0003"); }), 404);
  EXPECT_EQ(status_of([&] { mark_snapshot_sent(index, "../x"); }), 400);
  mark_snapshot_sent(index, "F0002");
  const auto placed = place_snapshots(
      index, {{"F0001", {"stream/recording_000.mp4", 1.5}}, {"F0009", {"stream/x.mp4", 0}}});
  EXPECT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed.count("F0001"), 1u);
  const std::string text = read(index);
  EXPECT_NE(text.find("\"segment\" : \"stream/recording_000.mp4\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"segment_offset\" : 1.5"), std::string::npos) << text;
  EXPECT_NE(text.find("\"extra\""), std::string::npos);
  EXPECT_NE(text.find("\"sent_to_agent\" : true"), std::string::npos);
}

TEST(Sessions, EventHubDropsWhoDeclines) {
  EventHub hub;
  std::vector<std::string> got;
  hub.subscribe([&](const std::string &text) {
    got.push_back(text);
    return true;
  });
  int calls = 0;
  hub.subscribe([&](const std::string &) {
    calls++;
    return false;
  });
  hub.publish("snapshot", R"({"id":"F0001"})");
  hub.publish("audio-chunk", "{}");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(hub.subscribers(), 1u);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "event: snapshot\nid: 1\ndata: {\"id\":\"F0001\"}\n\n");
  EXPECT_EQ(got[1], "event: audio-chunk\nid: 2\ndata: {}\n\n");
}
