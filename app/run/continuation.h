// A run that restarts in the same run directory (--run-dir) continues there: numbered
// files go on after the highest one present, and a file that exists is never written
// over. Plain C++ (std::filesystem).
#pragma once

#include <string>
#include <vector>

namespace onair::app {

// The number after the highest file in `dir` that the printf pattern `pattern` (one %d,
// %05d, %u ... such as "segment%05d.ts") names; 0 when there is none. A pattern without
// exactly one such conversion gives 0.
int next_file_index(const std::string &dir, const std::string &pattern);

// The files in `dir` that `pattern` names (as next_file_index reads it), lowest number
// first, as paths DIR/NAME.
std::vector<std::string> numbered_files(const std::string &dir, const std::string &pattern);

// `path` when nothing is there; otherwise the first of DIR/STEM-2.EXT, DIR/STEM-3.EXT ...
// that does not exist ("recording.mp4" -> "recording-2.mp4").
std::string unused_path(const std::string &path);

}  // namespace onair::app
