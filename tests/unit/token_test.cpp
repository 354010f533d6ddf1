#include "http/token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace onair::app;

namespace {

class Token : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/onair-token-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  static mode_t mode_of(const std::string &path) {
    struct stat st {};
    EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }
  static std::string read(const std::string &path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write(const std::string &path, const std::string &text, mode_t mode) {
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
  }
  std::string error_of(const std::string &path) {
    try {
      load_or_create_token(path);
    } catch (const TokenError &e) {
      return e.what();
    }
    return "(no error)";
  }

  std::string dir_;
};

}  // namespace

TEST_F(Token, RandomTokensAre64HexDigits) {
  const std::string a = random_token(), b = random_token();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST_F(Token, DefaultPath) {
  EXPECT_EQ(default_token_path("/home/u/.config"), "/home/u/.config/onair/api-token");
}

TEST_F(Token, MadeOnceWithPrivateModesThenReused) {
  const mode_t old_umask = umask(0);  // the modes must not depend on the umask
  const std::string path = dir_ + "/config/onair/api-token";
  bool created = false;
  const std::string token = load_or_create_token(path, &created);
  umask(old_umask);
  EXPECT_TRUE(created);
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(read(path), token + "\n");
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(dir_ + "/config/onair"), 0700u);
  EXPECT_EQ(mode_of(dir_ + "/config"), 0700u);
  // No temporary file is left beside it.
  EXPECT_EQ(access((dir_ + "/config/onair").c_str(), F_OK), 0);
  EXPECT_EQ(std::system(("test $(ls -A '" + dir_ + "/config/onair' | wc -l) -eq 1").c_str()), 0);

  EXPECT_EQ(load_or_create_token(path, &created), token);
  EXPECT_FALSE(created);
}

TEST_F(Token, AnExistingDirectoryKeepsItsMode) {
  chmod(dir_.c_str(), 0755);
  load_or_create_token(dir_ + "/api-token");
  EXPECT_EQ(mode_of(dir_), 0755u);
  EXPECT_EQ(mode_of(dir_ + "/api-token"), 0600u);
}

TEST_F(Token, UsesAGivenToken) {
  const std::string path = dir_ + "/mine";
  write(path, "my-own-token-1234567\r\n", 0600);
  EXPECT_EQ(load_or_create_token(path), "my-own-token-1234567");
  write(path, "no-newline-token-abcdef", 0400);
  EXPECT_EQ(load_or_create_token(path), "no-newline-token-abcdef");
}

TEST_F(Token, RefusesUnsafeOrUnusableFiles) {
  const std::string path = dir_ + "/api-token";
  write(path, "0123456789abcdef0123", 0644);
  const std::string e = error_of(path);
  EXPECT_NE(e.find("may be read or written by other users"), std::string::npos) << e;
  EXPECT_NE(e.find("chmod 600"), std::string::npos) << e;
  EXPECT_EQ(e.find("0123456789abcdef0123"), std::string::npos) << "the token must not be shown";
  chmod(path.c_str(), 0620);
  EXPECT_NE(error_of(path).find("other users"), std::string::npos);

  write(path, "short", 0600);
  EXPECT_NE(error_of(path).find("holds no usable token"), std::string::npos);
  write(path, "has a space in the middle", 0600);
  EXPECT_NE(error_of(path).find("holds no usable token"), std::string::npos);
  write(path, "", 0600);
  EXPECT_NE(error_of(path).find("holds no usable token"), std::string::npos);

  const std::string link = dir_ + "/link";
  write(path, "0123456789abcdef0123", 0600);
  ASSERT_EQ(symlink(path.c_str(), link.c_str()), 0);
  EXPECT_NE(error_of(link).find("is a symbolic link"), std::string::npos);

  EXPECT_NE(error_of(dir_).find("is not a regular file"), std::string::npos);
  write(dir_ + "/file", "x", 0600);
  EXPECT_NE(error_of(dir_ + "/file/api-token").find("is not a directory"), std::string::npos);
  EXPECT_EQ(error_of(""), "empty token file name");
}
