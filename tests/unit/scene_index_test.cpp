#include "core/scene_index.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <string>
#include <vector>

#include "json_array_file.h"
#include "onair/file_lock.h"

using namespace onair::scene;

namespace {

std::string read_text(const std::string &path) {
  gchar *text = nullptr;
  if (!g_file_get_contents(path.c_str(), &text, nullptr, nullptr)) return {};
  std::string out = text;
  g_free(text);
  return out;
}

void write_text(const std::string &path, const std::string &text) {
  ASSERT_TRUE(g_file_set_contents(path.c_str(), text.c_str(), -1, nullptr));
}

std::vector<std::string> names_in(const std::string &dir) {
  std::vector<std::string> names;
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  while (const gchar *name = g_dir_read_name(d)) names.emplace_back(name);
  g_dir_close(d);
  std::sort(names.begin(), names.end());
  return names;
}

using Parsed = onair::test::JsonArrayFile;

IndexEntry entry(const std::string &id, const std::string &kind = "cut") {
  IndexEntry e;
  e.id = id;
  e.timestamp = 12.345;
  e.path = id + ".jpg";
  e.kind = kind;
  e.score = 0.75;
  e.running_time = 2.5;
  return e;
}

class SceneIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gchar *dir = g_dir_make_tmp("scene-index-XXXXXX", nullptr);
    ASSERT_NE(dir, nullptr);
    dir_ = dir;
    g_free(dir);
    path_ = dir_ + "/index.json";
  }
  void TearDown() override {
    for (const std::string &name : names_in(dir_)) g_remove((dir_ + "/" + name).c_str());
    g_rmdir(dir_.c_str());
  }
  SceneIndex::Warn collect() {
    return [this](const std::string &text) { warnings_.push_back(text); };
  }

  std::string dir_;
  std::string path_;
  std::vector<std::string> warnings_;
};

}  // namespace

TEST(SnapshotIds, FourDigitsThenMore) {
  EXPECT_EQ(snapshot_id(1), "F0001");
  EXPECT_EQ(snapshot_id(9999), "F9999");
  EXPECT_EQ(snapshot_id(10000), "F10000");
  EXPECT_EQ(snapshot_number("F0001"), 1u);
  EXPECT_EQ(snapshot_number("F10000"), 10000u);
  EXPECT_EQ(snapshot_number("F"), std::nullopt);
  EXPECT_EQ(snapshot_number("G0001"), std::nullopt);
  EXPECT_EQ(snapshot_number("F12a"), std::nullopt);
  EXPECT_EQ(snapshot_number("F-1"), std::nullopt);
}

TEST_F(SceneIndexTest, NewIndexHoldsTheSeedFieldsAndOurs) {
  SceneIndex index(path_, collect());
  index.load();
  const std::string id = index.reserve_id();
  EXPECT_EQ(id, "F0001");
  IndexEntry e = entry(id, "gradual");
  e.stream_time = std::nullopt;
  index.add(e);

  const Parsed parsed(path_);
  ASSERT_EQ(parsed.size(), 1u);
  JsonObject *o = parsed.at(0);
  EXPECT_STREQ(json_object_get_string_member(o, "id"), "F0001");
  EXPECT_DOUBLE_EQ(json_object_get_double_member(o, "timestamp"), 12.345);
  EXPECT_STREQ(json_object_get_string_member(o, "path"), "F0001.jpg");
  EXPECT_FALSE(json_object_get_boolean_member(o, "sent_to_agent"));
  EXPECT_STREQ(json_object_get_string_member(o, "kind"), "gradual");
  EXPECT_DOUBLE_EQ(json_object_get_double_member(o, "score"), 0.75);
  EXPECT_DOUBLE_EQ(json_object_get_double_member(o, "running_time"), 2.5);
  EXPECT_TRUE(json_object_get_null_member(o, "stream_time"));
  // Numbers in their shortest form, as an agent's own JSON writer would put them.
  EXPECT_NE(read_text(path_).find("\"timestamp\": 12.345,"), std::string::npos) << read_text(path_);
  EXPECT_TRUE(warnings_.empty());
  // Nothing but the index and its writers' lock file is left behind (no temporary file).
  EXPECT_EQ(names_in(dir_), (std::vector<std::string>{"index.json", "index.json.lock"}));
}

TEST_F(SceneIndexTest, WritersOfTheIndexExcludeEachOther) {
  // The app marking an entry and the element adding one take the same lock.
  const std::string lock_path = path_ + ".lock";
  auto try_lock = [&] {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    const bool got = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return got;
  };
  {
    const onair::FileLock held(path_);
    EXPECT_FALSE(try_lock());
  }
  EXPECT_TRUE(try_lock());
}

TEST_F(SceneIndexTest, ContinuesAnExistingIndexAndKeepsItsEntriesAsTheyAre) {
  const std::string before =
      "[\n"
      "  {\n"
      "    \"id\": \"F0001\",\n"
      "    \"timestamp\": 1.5,\n"
      "    \"path\": \"/old/place/F0001.jpg\",\n"
      "    \"sent_to_agent\": true,\n"
      "    \"note\": {\n"
      "      \"seen_by\": [\n"
      "        \"agent\",\n"
      "        7\n"
      "      ],\n"
      "      \"weight\": 2.0\n"
      "    }\n"
      "  },\n"
      "  {\n"
      "    \"id\": \"F0007\",\n"
      "    \"timestamp\": 30.0,\n"
      "    \"path\": \"F0007.jpg\",\n"
      "    \"sent_to_agent\": false\n"
      "  }\n"
      "]\n";
  write_text(path_, before);
  SceneIndex index(path_, collect());
  index.load();
  const std::string id = index.reserve_id();
  EXPECT_EQ(id, "F0008");
  index.add(entry(id));

  const std::string after = read_text(path_);
  // The old entries come back byte for byte, in the indented form they had.
  EXPECT_EQ(after.substr(0, before.size() - 4), before.substr(0, before.size() - 4)) << after;
  const Parsed parsed(path_);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_TRUE(json_object_get_boolean_member(parsed.at(0), "sent_to_agent"));
  EXPECT_EQ(parsed.field(2, "id"), "F0008");
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(SceneIndexTest, WhatAnAgentChangesBetweenSnapshotsStays) {
  SceneIndex index(path_, collect());
  index.load();
  index.add(entry(index.reserve_id()));
  std::string text = read_text(path_);
  const auto flag = text.find("\"sent_to_agent\": false");
  ASSERT_NE(flag, std::string::npos);
  text.replace(flag, 22, "\"sent_to_agent\": true");
  write_text(path_, text);

  index.add(entry(index.reserve_id()));
  const Parsed parsed(path_);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_TRUE(json_object_get_boolean_member(parsed.at(0), "sent_to_agent"));
  EXPECT_FALSE(json_object_get_boolean_member(parsed.at(1), "sent_to_agent"));
  EXPECT_EQ(parsed.field(1, "id"), "F0002");
}

TEST_F(SceneIndexTest, IdsGoOnPastF9999) {
  write_text(path_, "[{\"id\": \"F9999\", \"timestamp\": 1, \"path\": \"F9999.jpg\"}]");
  SceneIndex index(path_, collect());
  index.load();
  EXPECT_EQ(index.reserve_id(), "F10000");
  EXPECT_EQ(index.reserve_id(), "F10001");
}

TEST_F(SceneIndexTest, IdsSkipNumbersAlreadyTaken) {
  SceneIndex index(path_, collect());
  index.load();
  index.continue_after(41);
  EXPECT_EQ(index.reserve_id(), "F0042");
  index.continue_after(3);  // lower: no effect
  EXPECT_EQ(index.reserve_id(), "F0043");
}

TEST_F(SceneIndexTest, ACorruptIndexIsMovedAsideNeverOverwritten) {
  const std::string broken = "[{\"id\": \"F0003\", \"timestamp\": 1";
  write_text(path_, broken);
  write_text(path_ + ".corrupt-1", "an older one");
  SceneIndex index(path_, collect());
  index.load();
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("not valid JSON"), std::string::npos) << warnings_[0];
  EXPECT_NE(warnings_[0].find("index.json.corrupt-2"), std::string::npos) << warnings_[0];
  EXPECT_EQ(read_text(path_ + ".corrupt-1"), "an older one");
  EXPECT_EQ(read_text(path_ + ".corrupt-2"), broken);

  EXPECT_EQ(index.reserve_id(), "F0001");
  index.add(entry("F0001"));
  const Parsed parsed(path_);
  EXPECT_EQ(parsed.size(), 1u);
}

TEST_F(SceneIndexTest, AnIndexThatIsNotAnArrayIsMovedAside) {
  write_text(path_, "{\"id\": \"F0001\"}");
  SceneIndex index(path_, collect());
  index.load();
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("not a JSON array"), std::string::npos) << warnings_[0];
  EXPECT_EQ(read_text(path_ + ".corrupt-1"), "{\"id\": \"F0001\"}");
  EXPECT_FALSE(g_file_test(path_.c_str(), G_FILE_TEST_EXISTS));
}

TEST_F(SceneIndexTest, AnIndexCorruptedDuringTheRunIsMovedAsideAtTheNextSnapshot) {
  SceneIndex index(path_, collect());
  index.load();
  index.add(entry(index.reserve_id()));
  write_text(path_, "garbage");
  index.add(entry(index.reserve_id()));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(read_text(path_ + ".corrupt-1"), "garbage");
  const Parsed parsed(path_);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed.field(0, "id"), "F0002");
}

TEST_F(SceneIndexTest, AnEmptyFileIsAnEmptyIndex) {
  write_text(path_, "\n");
  SceneIndex index(path_, collect());
  index.load();
  EXPECT_TRUE(warnings_.empty());
  EXPECT_EQ(index.reserve_id(), "F0001");
}

TEST_F(SceneIndexTest, AnEntryThatCouldNotBeWrittenGoesInWithTheNext) {
  const std::string sub = dir_ + "/later";
  SceneIndex index(sub + "/index.json", collect());
  index.load();
  EXPECT_THROW(index.add(entry(index.reserve_id())), onair::FileError);
  EXPECT_EQ(index.pending(), 1u);
  ASSERT_EQ(g_mkdir(sub.c_str(), 0755), 0);
  index.add(entry(index.reserve_id()));
  EXPECT_EQ(index.pending(), 0u);
  {
    const Parsed parsed(sub + "/index.json");
    ASSERT_EQ(parsed.size(), 2u);
    EXPECT_EQ(parsed.field(0, "id"), "F0001");
    EXPECT_EQ(parsed.field(1, "id"), "F0002");
  }
  g_remove((sub + "/index.json").c_str());
  g_rmdir(sub.c_str());
}

TEST_F(SceneIndexTest, TextIsEscaped) {
  SceneIndex index(path_, collect());
  index.load();
  IndexEntry e = entry(index.reserve_id());
  e.path = "odd \"name\"\\\n\x01 é.jpg";
  index.add(e);
  const Parsed parsed(path_);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(std::string(json_object_get_string_member(parsed.at(0), "path")), e.path);
}
