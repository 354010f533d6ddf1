// Files that are either wholly written or not there at all: a reader (or a crash) never sees
// half of one.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace onair::scene {

// A file operation that failed; the text names the file and the reason.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `bytes` to a temporary file next to `path`, flushes it to disk and renames it over
// `path`, so `path` holds either its old content or the new one. Throws FileError.
void write_file_atomically(const std::string &path, std::string_view bytes);

// Moves `path` to the first free name "PATH.SUFFIX-1", "PATH.SUFFIX-2", ..., never replacing a
// file; returns the new name. Throws FileError.
std::string move_aside(const std::string &path, const std::string &suffix);

}  // namespace onair::scene
