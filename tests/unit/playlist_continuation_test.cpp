#include "run/playlist_continuation.h"

#include <gtest/gtest.h>

#include <random>

using namespace onair::app;

namespace {

// A playlist as hlssink2 1.22 renders one: `count` 2 s segments numbered from
// `first_file`, listed from `sequence`.
std::string hlssink2_playlist(long long sequence, int count, int first_file, bool ended = false) {
  std::string text =
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:" + std::to_string(sequence) +
      "\n#EXT-X-TARGETDURATION:2\n\n";
  for (int i = 0; i < count; i++) {
    char name[32];
    std::snprintf(name, sizeof name, "segment%05d.ts", first_file + i);
    text += std::string("#EXTINF:2.0000000000000000,\n") + name + "\n";
  }
  if (ended) text += "#EXT-X-ENDLIST";  // without a newline, as hlssink2 ends it
  return text;
}

HlsPlaylist parsed(const std::string &text) {
  const std::optional<HlsPlaylist> playlist = parse_hls_playlist(text);
  EXPECT_TRUE(playlist) << text;
  return playlist.value_or(HlsPlaylist{});
}

std::vector<std::string> uris(const HlsPlaylist &playlist) {
  std::vector<std::string> out;
  for (const HlsSegment &segment : playlist.segments) out.push_back(segment.uri);
  return out;
}

std::vector<bool> discontinuities(const HlsPlaylist &playlist) {
  std::vector<bool> out;
  for (const HlsSegment &segment : playlist.segments) out.push_back(segment.discontinuity);
  return out;
}

TEST(HlsPlaylist, ReadsWhatHlssink2Writes) {
  const HlsPlaylist p = parsed(hlssink2_playlist(4, 3, 4, true));
  EXPECT_EQ(p.version, 3);
  EXPECT_EQ(p.media_sequence, 4);
  EXPECT_EQ(p.target_duration, 2);
  EXPECT_TRUE(p.ended);
  EXPECT_EQ(uris(p),
            (std::vector<std::string>{"segment00004.ts", "segment00005.ts", "segment00006.ts"}));
  EXPECT_DOUBLE_EQ(p.segments[0].duration, 2.0);
  EXPECT_EQ(p.segments[0].extinf, "2.0000000000000000,");
}

TEST(HlsPlaylist, KeepsTagsAndDiscontinuitiesThroughARoundTrip) {
  const std::string text =
      "#EXTM3U\r\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:10\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n"
      "#EXT-X-TARGETDURATION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n\n# a comment\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-12-05T08:00:00Z\n#EXTINF:2.5,title\nhttp://x/a.ts\n"
      "#EXT-X-DISCONTINUITY\n#EXTINF:3,\nb.ts\n";
  const HlsPlaylist p = parsed(text);
  EXPECT_EQ(p.discontinuity_sequence, 2);
  EXPECT_EQ(p.tags, std::vector<std::string>{"#EXT-X-INDEPENDENT-SEGMENTS"});
  EXPECT_EQ(p.segments[0].tags,
            std::vector<std::string>{"#EXT-X-PROGRAM-DATE-TIME:2026-12-05T08:00:00Z"});
  EXPECT_EQ(discontinuities(p), (std::vector<bool>{false, true}));
  EXPECT_FALSE(p.ended);
  EXPECT_EQ(render_hls_playlist(p),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:10\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:2\n#EXT-X-TARGETDURATION:3\n"
            "#EXT-X-INDEPENDENT-SEGMENTS\n\n"
            "#EXT-X-PROGRAM-DATE-TIME:2026-12-05T08:00:00Z\n#EXTINF:2.5,title\nhttp://x/a.ts\n"
            "#EXT-X-DISCONTINUITY\n#EXTINF:3,\nb.ts\n");
  EXPECT_EQ(render_hls_playlist(parsed(render_hls_playlist(p))), render_hls_playlist(p));
}

TEST(HlsPlaylist, RefusesWhatIsNoMediaPlaylist) {
  for (const std::string &text :
       {std::string(), std::string("\n\n"), std::string("garbage\n#EXTM3U\n"),
        std::string("#EXTM3U\nsegment.ts\n"), std::string("#EXTM3U\n#EXTINF:abc,\na.ts\n"),
        std::string("#EXTM3U\n#EXTINF:-1,\na.ts\n"), std::string("#EXTM3U\n#EXTINF:nan,\na.ts\n"),
        std::string("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-3\n"),
        std::string("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999999\n"),
        std::string("#EXTM3U\n#EXT-X-TARGETDURATION:2x\n"),
        std::string("#EXTM3U\n#EXTINF:2,\na\0.ts\n", 25)})
    EXPECT_FALSE(parse_hls_playlist(text)) << text;
}

TEST(PlaylistContinuation, RandomBytesInThePreviousPlaylistAreHandled) {
  std::mt19937 random(17);
  for (int round = 0; round < 200; round++) {
    std::string text = round % 2 ? "#EXTM3U\n" : "";
    const int length = static_cast<int>(random() % 400);
    for (int i = 0; i < length; i++) {
      // Mostly playlist characters, so the reader goes past the first line.
      static const std::string kAlphabet = "#EXTINF:-,.0123456789\n\r ab/";
      text +=
          random() % 4 ? kAlphabet[random() % kAlphabet.size()] : static_cast<char>(random() % 256);
    }
    // Whatever is read renders to what reads the same again ...
    const std::optional<HlsPlaylist> previous = parse_hls_playlist(text);
    if (previous) {
      EXPECT_EQ(render_hls_playlist(parsed(render_hls_playlist(*previous))),
                render_hls_playlist(*previous));
    }
    // ... and the continued playlist lists the new segment last, readable.
    const PlaylistContinuation c(previous, 5, {});
    const HlsPlaylist out = c.continued(parsed(hlssink2_playlist(0, 1, 5)), 6);
    EXPECT_EQ(uris(out).back(), "segment00005.ts") << text;
    EXPECT_TRUE(parse_hls_playlist(render_hls_playlist(out))) << text;
  }
}

TEST(PlaylistContinuation, WithoutAPreviousPlaylistNumbersFromTheFirstFile) {
  const PlaylistContinuation c(std::nullopt, 7, {});
  const HlsPlaylist rendered = parsed(hlssink2_playlist(0, 2, 7));
  const HlsPlaylist out = c.continued(rendered, 6);
  EXPECT_EQ(out.media_sequence, 7);
  EXPECT_EQ(uris(out), uris(rendered));
  EXPECT_EQ(discontinuities(out), (std::vector<bool>{false, false}));
  EXPECT_EQ(out.discontinuity_sequence, 0);
  EXPECT_EQ(c.continued(parsed(hlssink2_playlist(3, 6, 10)), 6).media_sequence, 10);
}

TEST(PlaylistContinuation, GoesOnAfterThePreviousRunWithADiscontinuity) {
  // The previous run ended with segments 3..8 listed; its files went up to 9 (the
  // sequence follows the playlist, not the file numbers).
  const PlaylistContinuation c(parsed(hlssink2_playlist(3, 6, 3, true)), 10, {});

  HlsPlaylist out = c.continued(parsed(hlssink2_playlist(0, 1, 10)), 6);
  EXPECT_EQ(out.media_sequence, 4);
  EXPECT_EQ(uris(out),
            (std::vector<std::string>{"segment00004.ts", "segment00005.ts", "segment00006.ts",
                                      "segment00007.ts", "segment00008.ts", "segment00010.ts"}));
  EXPECT_EQ(discontinuities(out), (std::vector<bool>{false, false, false, false, false, true}));
  EXPECT_EQ(out.discontinuity_sequence, 0);
  EXPECT_FALSE(out.ended);  // the previous run's end is dropped

  out = c.continued(parsed(hlssink2_playlist(0, 5, 10)), 6);
  EXPECT_EQ(out.media_sequence, 8);
  EXPECT_EQ(uris(out).front(), "segment00008.ts");
  EXPECT_EQ(discontinuities(out)[1], true);

  // The window is full of new segments: the first (its discontinuity) is still listed.
  out = c.continued(parsed(hlssink2_playlist(0, 6, 10)), 6);
  EXPECT_EQ(out.media_sequence, 9);
  EXPECT_EQ(uris(out).front(), "segment00010.ts");
  EXPECT_EQ(discontinuities(out)[0], true);
  EXPECT_EQ(out.discontinuity_sequence, 0);

  // ... then it scrolls out, and the discontinuity sequence counts it.
  out = c.continued(parsed(hlssink2_playlist(1, 6, 11, true)), 6);
  EXPECT_EQ(out.media_sequence, 10);
  EXPECT_EQ(uris(out).front(), "segment00011.ts");
  EXPECT_EQ(discontinuities(out), std::vector<bool>(6, false));
  EXPECT_EQ(out.discontinuity_sequence, 1);
  EXPECT_TRUE(out.ended);
}

TEST(PlaylistContinuation, CountsTheOldDiscontinuitiesThatScrollOut) {
  // The previous run had continued an earlier one: its playlist has a discontinuity.
  const std::string previous =
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:20\n#EXT-X-DISCONTINUITY-SEQUENCE:4\n"
      "#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nsegment00001.ts\n#EXT-X-DISCONTINUITY\n"
      "#EXTINF:2,\nsegment00005.ts\n#EXTINF:2,\nsegment00006.ts\n#EXT-X-ENDLIST\n";
  const PlaylistContinuation c(parsed(previous), 7, {});
  HlsPlaylist out = c.continued(parsed(hlssink2_playlist(0, 1, 7)), 3);
  EXPECT_EQ(out.media_sequence, 21);
  EXPECT_EQ(out.discontinuity_sequence, 4);
  EXPECT_EQ(discontinuities(out), (std::vector<bool>{true, false, true}));
  out = c.continued(parsed(hlssink2_playlist(0, 2, 7)), 3);
  EXPECT_EQ(out.media_sequence, 22);
  EXPECT_EQ(out.discontinuity_sequence, 5);
  EXPECT_EQ(discontinuities(out), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(render_hls_playlist(out),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:22\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:5\n#EXT-X-TARGETDURATION:2\n\n"
            "#EXTINF:2,\nsegment00006.ts\n#EXT-X-DISCONTINUITY\n"
            "#EXTINF:2.0000000000000000,\nsegment00007.ts\n"
            "#EXTINF:2.0000000000000000,\nsegment00008.ts\n");
}

TEST(PlaylistContinuation, AnUnlimitedWindowKeepsEverySegment) {
  const PlaylistContinuation c(parsed(hlssink2_playlist(0, 30, 0, true)), 30, {});
  const HlsPlaylist out = c.continued(parsed(hlssink2_playlist(0, 40, 30)), 0);
  EXPECT_EQ(out.media_sequence, 0);
  EXPECT_EQ(out.segments.size(), 70u);
  EXPECT_TRUE(out.segments[30].discontinuity);
}

TEST(PlaylistContinuation, TheTargetDurationCoversEveryListedSegment) {
  const std::string previous =
      "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:5\n"
      "#EXTINF:4.6,\nsegment00000.ts\n#EXTINF:2,\nsegment00001.ts\n";
  const PlaylistContinuation c(parsed(previous), 2, {});
  EXPECT_EQ(c.continued(parsed(hlssink2_playlist(0, 1, 2)), 6).target_duration, 5);
  EXPECT_EQ(c.continued(parsed(hlssink2_playlist(0, 2, 2)), 3).target_duration, 2);
}

TEST(PlaylistContinuation, AnEmptyPreviousPlaylistOnlyGivesItsNumbering) {
  const PlaylistContinuation c(parsed("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:12\n#EXT-X-ENDLIST\n"), 3,
                               {});
  const HlsPlaylist out = c.continued(parsed(hlssink2_playlist(0, 1, 3)), 6);
  EXPECT_EQ(out.media_sequence, 12);
  EXPECT_EQ(discontinuities(out), std::vector<bool>{false});
}

TEST(PlaylistContinuation, AnEndWithoutNewSegmentsEndsThePreviousList) {
  const PlaylistContinuation c(parsed(hlssink2_playlist(3, 6, 3, true)), 9, {});
  const HlsPlaylist out = c.continued(parsed(hlssink2_playlist(0, 0, 0, true)), 6);
  EXPECT_EQ(out.media_sequence, 3);
  EXPECT_EQ(out.segments.size(), 6u);
  EXPECT_TRUE(out.ended);
}

TEST(PlaylistContinuation, DeletesThePreviousFilesOnceScrolledOutAndOverMaxFiles) {
  // The previous run left files 1..4 (max-files 4), listing 3 and 4 (playlist-length 2).
  std::vector<std::string> files;
  for (int i = 1; i <= 4; i++) files.push_back("/run/segment0000" + std::to_string(i) + ".ts");
  PlaylistContinuation c(parsed(hlssink2_playlist(3, 2, 3, true)), 5, files);

  HlsPlaylist rendered = parsed(hlssink2_playlist(0, 1, 5));
  HlsPlaylist written = c.continued(rendered, 2);
  EXPECT_EQ(uris(written), (std::vector<std::string>{"segment00004.ts", "segment00005.ts"}));
  // One own file: three of the previous may stay, and 3 is no longer listed.
  EXPECT_EQ(c.files_to_delete(rendered, written, 4), std::vector<std::string>{files[0]});

  rendered = parsed(hlssink2_playlist(0, 2, 5));
  written = c.continued(rendered, 2);
  EXPECT_EQ(c.files_to_delete(rendered, written, 4), std::vector<std::string>{files[1]});

  rendered = parsed(hlssink2_playlist(1, 2, 6));
  written = c.continued(rendered, 2);
  EXPECT_EQ(c.files_to_delete(rendered, written, 4), std::vector<std::string>{files[2]});

  // Up to max-files own files: no room is left for the previous run's.
  rendered = parsed(hlssink2_playlist(3, 2, 8));
  written = c.continued(rendered, 2);
  EXPECT_EQ(c.files_to_delete(rendered, written, 4), std::vector<std::string>{files[3]});
  EXPECT_TRUE(c.files_to_delete(rendered, written, 4).empty());
}

TEST(PlaylistContinuation, NeverDeletesListedFilesNorWithoutMaxFiles) {
  const std::vector<std::string> files{"/run/segment00003.ts", "/run/segment00004.ts"};
  PlaylistContinuation c(parsed(hlssink2_playlist(3, 2, 3)), 5, files);
  const HlsPlaylist rendered = parsed(hlssink2_playlist(0, 1, 5));
  const HlsPlaylist written = c.continued(rendered, 6);
  EXPECT_TRUE(c.files_to_delete(rendered, written, 0).empty());
  EXPECT_TRUE(c.files_to_delete(rendered, written, 1).empty());
  EXPECT_EQ(uris(written).size(), 3u);
}

TEST(PlaylistContinuation, WithoutAPreviousPlaylistTheOldFilesGoFirst) {
  const std::vector<std::string> files{"/run/segment00000.ts", "/run/segment00001.ts"};
  PlaylistContinuation c(std::nullopt, 2, files);
  const HlsPlaylist rendered = parsed(hlssink2_playlist(0, 1, 2));
  EXPECT_EQ(c.files_to_delete(rendered, c.continued(rendered, 2), 2),
            std::vector<std::string>{files[0]});
}

}  // namespace
