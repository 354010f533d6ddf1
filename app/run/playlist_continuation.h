// A restarted channel's HLS playlist continues the previous run's (--run-dir). hlssink2
// numbers its playlist from 0 on every start and replaces the file, so a player following
// the channel would see the media sequence step back and the timestamps restart unmarked.
// The app rewrites each playlist hlssink2 renders: sequence numbers go on after the
// previous run's last segment, that run's last segments stay listed until the new ones
// fill the window, and an #EXT-X-DISCONTINUITY marks the restart (RFC 8216). It also
// deletes the previous runs' segments once they left the playlist and max-files says so,
// as hlssink2 does for its own. Plain C++.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onair::app {

struct HlsSegment {
  // Its tag lines before #EXTINF, as written (#EXT-X-PROGRAM-DATE-TIME ...), the
  // discontinuity aside.
  std::vector<std::string> tags;
  bool discontinuity = false;
  std::string extinf;   // what follows "#EXTINF:", as written ("2.0,title")
  double duration = 0;  // seconds, read from `extinf`
  std::string uri;
};

struct HlsPlaylist {
  int version = 0;  // 0: no #EXT-X-VERSION
  long long media_sequence = 0;
  long long discontinuity_sequence = 0;
  long long target_duration = 0;
  // Its other playlist tags, as written (#EXT-X-PLAYLIST-TYPE ...).
  std::vector<std::string> tags;
  std::vector<HlsSegment> segments;
  bool ended = false;  // #EXT-X-ENDLIST
};

// A media playlist read from `text`; nullopt when it is not one (no #EXTM3U first, a
// number or duration that does not read, a URI without its #EXTINF, a NUL byte).
std::optional<HlsPlaylist> parse_hls_playlist(std::string_view text);

// The playlist as hlssink2 writes one (the #EXT-X-DISCONTINUITY-SEQUENCE when not 0).
std::string render_hls_playlist(const HlsPlaylist &playlist);

class PlaylistContinuation {
 public:
  // `previous`: the previous run's playlist (nullopt: missing or unreadable, then the
  // sequence starts at `start_index`, the number of this run's first segment file).
  // `previous_files`: the segment files the previous runs left, oldest first.
  PlaylistContinuation(std::optional<HlsPlaylist> previous, long long start_index,
                       std::vector<std::string> previous_files);

  // The playlist to write for `rendered`, what hlssink2 renders now (its numbering from 0),
  // with `window` segments listed at most (playlist-length; 0: all).
  HlsPlaylist continued(const HlsPlaylist &rendered, unsigned window) const;

  // Once `written` (continued(rendered, ...)) is on disk: the previous runs' files to delete
  // now, oldest first, those `written` no longer lists while they and this run's own files
  // are more than `max_files` (0: keep all). They count as gone from then on.
  std::vector<std::string> files_to_delete(const HlsPlaylist &rendered, const HlsPlaylist &written,
                                           unsigned max_files);

 private:
  std::optional<HlsPlaylist> previous_;
  long long start_index_;
  std::vector<std::string> previous_files_;  // still on disk, oldest first
};

}  // namespace onair::app
