#include "run/continuation.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

namespace onair::app {

namespace {

struct Pattern {
  std::string prefix, suffix;
};

// "segment%05d.ts" -> {"segment", ".ts"}; nullopt unless there is exactly one integer
// conversion (and no other, "%%" aside).
std::optional<Pattern> split_pattern(const std::string &pattern) {
  std::optional<Pattern> found;
  std::string literal;
  for (size_t i = 0; i < pattern.size(); i++) {
    if (pattern[i] != '%') {
      literal += pattern[i];
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
      literal += '%';
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < pattern.size() &&
           (std::isdigit(static_cast<unsigned char>(pattern[j])) || pattern[j] == '-'))
      j++;
    if (found || j >= pattern.size() || std::string("diu").find(pattern[j]) == std::string::npos)
      return std::nullopt;
    found = Pattern{literal, {}};
    literal.clear();
    i = j;
  }
  if (found) found->suffix = literal;
  return found;
}

// The numbers of the files in `dir` that `pattern` names, with their paths, lowest first.
std::vector<std::pair<int, std::string>> numbered(const std::string &dir,
                                                  const std::string &pattern) {
  std::vector<std::pair<int, std::string>> found;
  const std::optional<Pattern> p = split_pattern(pattern);
  if (!p) return found;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= p->prefix.size() + p->suffix.size() || name.rfind(p->prefix, 0) != 0 ||
        name.compare(name.size() - p->suffix.size(), p->suffix.size(), p->suffix) != 0)
      continue;
    const std::string digits =
        name.substr(p->prefix.size(), name.size() - p->prefix.size() - p->suffix.size());
    if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      continue;
    found.emplace_back(std::stoi(digits), entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

int next_file_index(const std::string &dir, const std::string &pattern) {
  const auto files = numbered(dir, pattern);
  return files.empty() ? 0 : files.back().first + 1;
}

std::vector<std::string> numbered_files(const std::string &dir, const std::string &pattern) {
  std::vector<std::string> paths;
  for (auto &[number, path] : numbered(dir, pattern)) paths.push_back(std::move(path));
  return paths;
}

std::string unused_path(const std::string &path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return path;
  const std::filesystem::path p(path);
  const std::string stem = p.stem().string(), extension = p.extension().string();
  for (int n = 2;; n++) {
    const std::filesystem::path candidate =
        p.parent_path() / (stem + "-" + std::to_string(n) + extension);
    if (!std::filesystem::exists(candidate, ec)) return candidate.string();
  }
}

}  // namespace onair::app
