#include "run/playlist_continuation.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <utility>

namespace onair::app {

namespace {

constexpr std::string_view kExtInf = "#EXTINF:";

// Tags that belong to the segment after them (RFC 8216 4.3.2); other tags are the
// playlist's.
bool is_segment_tag(std::string_view name) {
  static constexpr std::string_view kSegmentTags[] = {
      "#EXT-X-BYTERANGE", "#EXT-X-KEY", "#EXT-X-MAP",    "#EXT-X-PROGRAM-DATE-TIME",
      "#EXT-X-DATERANGE", "#EXT-X-GAP", "#EXT-X-BITRATE"};
  return std::find(std::begin(kSegmentTags), std::end(kSegmentTags), name) !=
         std::end(kSegmentTags);
}

std::optional<long long> read_count(std::string_view text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// The duration in "2.000,title" or "2,".
std::optional<double> read_duration(std::string_view extinf) {
  const std::string_view number = extinf.substr(0, extinf.find(','));
  double value = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size() || !std::isfinite(value) ||
      value < 0)
    return std::nullopt;
  return value;
}

std::string_view file_name(std::string_view path_or_uri) {
  const size_t slash = path_or_uri.rfind('/');
  return slash == std::string_view::npos ? path_or_uri : path_or_uri.substr(slash + 1);
}

// Reads the line's number after `tag:` into `out`; false when the line is that tag but
// its number does not read.
bool read_tag(std::string_view line, std::string_view tag, long long &out, bool &matched) {
  if (line.size() <= tag.size() || line.substr(0, tag.size()) != tag || line[tag.size()] != ':')
    return true;
  matched = true;
  const std::optional<long long> value = read_count(line.substr(tag.size() + 1));
  if (value) out = *value;
  return value.has_value();
}

}  // namespace

std::optional<HlsPlaylist> parse_hls_playlist(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  HlsPlaylist playlist;
  HlsSegment next;
  bool have_extinf = false, have_header = false;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    if (line.empty()) continue;
    if (!have_header) {
      if (line != "#EXTM3U") return std::nullopt;
      have_header = true;
      continue;
    }
    if (line[0] != '#') {
      if (!have_extinf) return std::nullopt;
      next.uri = line;
      playlist.segments.push_back(std::move(next));
      next = HlsSegment{};
      have_extinf = false;
      continue;
    }
    if (line.substr(0, 4) != "#EXT") continue;  // a comment
    if (line.substr(0, kExtInf.size()) == kExtInf) {
      const std::optional<double> duration = read_duration(line.substr(kExtInf.size()));
      if (!duration) return std::nullopt;
      next.extinf = line.substr(kExtInf.size());
      next.duration = *duration;
      have_extinf = true;
      continue;
    }
    if (line == "#EXT-X-DISCONTINUITY") {
      next.discontinuity = true;
      continue;
    }
    if (line == "#EXT-X-ENDLIST") {
      playlist.ended = true;
      continue;
    }
    long long version = 0;
    bool matched = false;
    if (!read_tag(line, "#EXT-X-VERSION", version, matched) ||
        !read_tag(line, "#EXT-X-MEDIA-SEQUENCE", playlist.media_sequence, matched) ||
        !read_tag(line, "#EXT-X-DISCONTINUITY-SEQUENCE", playlist.discontinuity_sequence,
                  matched) ||
        !read_tag(line, "#EXT-X-TARGETDURATION", playlist.target_duration, matched))
      return std::nullopt;
    if (version > 0) playlist.version = static_cast<int>(std::min(version, 1000LL));
    if (matched) continue;
    if (is_segment_tag(line.substr(0, line.find(':'))))
      next.tags.emplace_back(line);
    else
      playlist.tags.emplace_back(line);
  }
  if (!have_header) return std::nullopt;
  return playlist;
}

std::string render_hls_playlist(const HlsPlaylist &playlist) {
  std::string out = "#EXTM3U\n";
  if (playlist.version > 0) out += "#EXT-X-VERSION:" + std::to_string(playlist.version) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(playlist.media_sequence) + "\n";
  if (playlist.discontinuity_sequence > 0)
    out +=
        "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(playlist.discontinuity_sequence) + "\n";
  out += "#EXT-X-TARGETDURATION:" + std::to_string(playlist.target_duration) + "\n";
  for (const std::string &tag : playlist.tags) out += tag + "\n";
  out += "\n";
  for (const HlsSegment &segment : playlist.segments) {
    for (const std::string &tag : segment.tags) out += tag + "\n";
    if (segment.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    out += std::string(kExtInf) + segment.extinf + "\n" + segment.uri + "\n";
  }
  if (playlist.ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

PlaylistContinuation::PlaylistContinuation(std::optional<HlsPlaylist> previous,
                                           long long start_index,
                                           std::vector<std::string> previous_files)
    : previous_(std::move(previous)),
      start_index_(start_index),
      previous_files_(std::move(previous_files)) {}

HlsPlaylist PlaylistContinuation::continued(const HlsPlaylist &rendered, unsigned window) const {
  HlsPlaylist out = rendered;
  if (!previous_) {
    out.media_sequence = start_index_ + rendered.media_sequence;
    return out;
  }
  const std::vector<HlsSegment> &old = previous_->segments;
  // hlssink2 lists this run's segments from its media sequence on: when that is past 0, its
  // first one scrolled out, and every old one before it.
  const long long own_count =
      rendered.media_sequence + static_cast<long long>(rendered.segments.size());
  size_t kept = 0;
  if (rendered.media_sequence == 0)
    kept = window == 0 ? old.size()
                       : static_cast<size_t>(std::clamp<long long>(
                             window - own_count, 0, static_cast<long long>(old.size())));
  const size_t dropped = old.size() - kept;

  out.segments.assign(old.end() - static_cast<std::ptrdiff_t>(kept), old.end());
  const bool restart_listed = rendered.media_sequence == 0 && !rendered.segments.empty();
  for (size_t i = 0; i < rendered.segments.size(); i++) {
    out.segments.push_back(rendered.segments[i]);
    if (i == 0 && restart_listed && !old.empty()) out.segments.back().discontinuity = true;
  }

  const long long first_new = previous_->media_sequence + static_cast<long long>(old.size());
  out.media_sequence = kept > 0 ? previous_->media_sequence + static_cast<long long>(dropped)
                                : first_new + rendered.media_sequence;
  // Counts the discontinuities that scrolled out (RFC 8216 4.3.3.3), the restart's too.
  out.discontinuity_sequence =
      previous_->discontinuity_sequence + rendered.discontinuity_sequence +
      std::count_if(old.begin(), old.begin() + static_cast<std::ptrdiff_t>(dropped),
                    [](const HlsSegment &s) { return s.discontinuity; }) +
      (rendered.media_sequence > 0 && !old.empty() ? 1 : 0);
  for (const HlsSegment &segment : out.segments)
    out.target_duration = std::max(out.target_duration, std::llround(segment.duration));
  return out;
}

std::vector<std::string> PlaylistContinuation::files_to_delete(const HlsPlaylist &rendered,
                                                               const HlsPlaylist &written,
                                                               unsigned max_files) {
  if (max_files == 0) return {};
  // hlssink2 keeps up to max-files of its own.
  const long long own_files = std::min<long long>(
      rendered.media_sequence + static_cast<long long>(rendered.segments.size()), max_files);
  const long long room = max_files - own_files;
  std::set<std::string_view> listed;
  for (const HlsSegment &segment : written.segments) listed.insert(file_name(segment.uri));
  std::vector<std::string> gone, left;
  long long on_disk = static_cast<long long>(previous_files_.size());
  for (std::string &path : previous_files_) {
    if (on_disk > room && !listed.count(file_name(path))) {
      gone.push_back(std::move(path));
      on_disk--;
    } else {
      left.push_back(std::move(path));
    }
  }
  previous_files_ = std::move(left);
  return gone;
}

}  // namespace onair::app
