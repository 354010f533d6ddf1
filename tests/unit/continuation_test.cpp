#include "run/continuation.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace onair::app;

namespace {

class Continuation : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("onair-continuation-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void touch(const std::string &name) { std::ofstream(dir_ / name) << "x"; }
  std::string dir() const { return dir_.string(); }

  std::filesystem::path dir_;
};

TEST_F(Continuation, EmptyDirectoryStartsAtZero) {
  EXPECT_EQ(next_file_index(dir(), "segment%05d.ts"), 0);
  EXPECT_EQ(next_file_index(dir() + "/missing", "segment%05d.ts"), 0);
}

TEST_F(Continuation, GoesOnAfterTheHighestPresent) {
  for (const char *name : {"segment00000.ts", "segment00007.ts", "segment00003.ts",
                           "segment00100.tsx", "segmentABCDE.ts", "other00200.ts", "playlist.m3u8"})
    touch(name);
  EXPECT_EQ(next_file_index(dir(), "segment%05d.ts"), 8);
  EXPECT_EQ(next_file_index(dir(), "segment%d.ts"), 8);
  EXPECT_EQ(next_file_index(dir(), "other%05d.ts"), 201);
}

TEST_F(Continuation, PatternsWithoutOneNumberGiveZero) {
  touch("a5.ts");
  EXPECT_EQ(next_file_index(dir(), "a%s.ts"), 0);
  EXPECT_EQ(next_file_index(dir(), "a%d%d.ts"), 0);
  EXPECT_EQ(next_file_index(dir(), "a.ts"), 0);
  touch("100%7.ts");
  EXPECT_EQ(next_file_index(dir(), "100%%%d.ts"), 8);
}

TEST_F(Continuation, ExistingFilesAreNeverReused) {
  const std::string recording = dir() + "/recording.mp4";
  EXPECT_EQ(unused_path(recording), recording);
  touch("recording.mp4");
  EXPECT_EQ(unused_path(recording), dir() + "/recording-2.mp4");
  touch("recording-2.mp4");
  EXPECT_EQ(unused_path(recording), dir() + "/recording-3.mp4");
  touch("noextension");
  EXPECT_EQ(unused_path(dir() + "/noextension"), dir() + "/noextension-2");
}

}  // namespace
