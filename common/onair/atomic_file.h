// Files that are either wholly written or not there at all: a reader (or a crash) never sees
// half of one. Plain POSIX; the scene index, its snapshots and the app's session records use it.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace onair {

// A file operation that failed; the text names the file and the reason.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace atomic_file_detail {

inline std::string reason(int error) {
  return std::strerror(error);
}

inline std::string directory_of(const std::string &path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

inline void write_all(int fd, std::string_view bytes, const std::string &name) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileError("cannot write '" + name + "': " + reason(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// Makes a rename in `directory` survive a crash; a failure here loses nothing written.
inline void sync_directory(const std::string &directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace atomic_file_detail

// Writes `bytes` to a temporary file next to `path`, flushes it to disk and renames it over
// `path`, so `path` holds either its old content or the new one. Throws FileError.
inline void write_file_atomically(const std::string &path, std::string_view bytes) {
  using namespace atomic_file_detail;
  std::string pattern = path + ".tmp-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) throw FileError("cannot create a file next to '" + path + "': " + reason(errno));
  const std::string temporary = name.data();
  bool closed = false;
  try {
    write_all(fd, bytes, temporary);
    if (::fsync(fd) != 0) throw FileError("cannot write '" + temporary + "': " + reason(errno));
    // mkstemp makes the file private; the result is as readable as any other file.
    ::fchmod(fd, 0644);
    closed = true;
    if (::close(fd) != 0) throw FileError("cannot write '" + temporary + "': " + reason(errno));
  } catch (...) {
    if (!closed) ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    throw FileError("cannot replace '" + path + "': " + reason(error));
  }
  sync_directory(directory_of(path));
}

// Moves `path` to the first free name "PATH.SUFFIX-1", "PATH.SUFFIX-2", ..., never replacing a
// file; returns the new name. Throws FileError.
inline std::string move_aside(const std::string &path, const std::string &suffix) {
  using atomic_file_detail::reason;
  for (int n = 1; n < 100000; n++) {
    const std::string target = path + "." + suffix + "-" + std::to_string(n);
    // link() fails on an existing target where rename() would replace it.
    if (::link(path.c_str(), target.c_str()) == 0) {
      if (::unlink(path.c_str()) != 0)
        throw FileError("cannot remove '" + path + "' after copying it to '" + target +
                        "': " + reason(errno));
      return target;
    }
    if (errno == EEXIST) continue;
    // File systems without hard links: check, then rename.
    if (::access(target.c_str(), F_OK) == 0) continue;
    if (::rename(path.c_str(), target.c_str()) == 0) return target;
    throw FileError("cannot move '" + path + "' to '" + target + "': " + reason(errno));
  }
  throw FileError("cannot find a free name to move '" + path + "' aside");
}

}  // namespace onair
