// An exclusive lock that writers of one file hold around a read-modify-write, so a change
// made by one (an agent's mark through the app) is not lost under the other's rewrite (the
// scene detector adding a snapshot). It locks a ".lock" file beside the file, since the file
// itself is replaced by each atomic rewrite. Plain POSIX.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace onair {

class FileLock {
 public:
  // Waits for the lock; without a lock file (a read-only directory), goes on unlocked: the
  // rewrite that follows reports the directory's problem.
  explicit FileLock(const std::string &path)
      : fd_(::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0)
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  FileLock(const FileLock &) = delete;
  FileLock &operator=(const FileLock &) = delete;

 private:
  int fd_;
};

}  // namespace onair
