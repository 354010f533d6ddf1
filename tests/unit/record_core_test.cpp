#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "core/chunk_files.h"
#include "core/quiet_cutter.h"

namespace record = onair::record;
namespace fs = std::filesystem;

namespace {

// Sound as S16LE bytes: `frames` frames of `channels` samples from `sample(frame, channel)`.
template <typename Sample>
std::vector<uint8_t> sound(uint64_t frames, int channels, Sample sample) {
  std::vector<uint8_t> out;
  out.reserve(frames * static_cast<uint64_t>(channels) * 2);
  for (uint64_t f = 0; f < frames; f++)
    for (int c = 0; c < channels; c++) {
      const auto s = static_cast<uint16_t>(static_cast<int16_t>(sample(f, c)));
      out.push_back(static_cast<uint8_t>(s));
      out.push_back(static_cast<uint8_t>(s >> 8));
    }
  return out;
}

// Loud noise everywhere except the frames in [quiet_begin, quiet_end).
std::vector<uint8_t> noise_with_pause(uint64_t frames, int channels, uint64_t quiet_begin,
                                      uint64_t quiet_end, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> loud(-20000, 20000);
  return sound(frames, channels, [&](uint64_t f, int) {
    const int s = loud(rng);
    return f >= quiet_begin && f < quiet_end ? 0 : s;
  });
}

// Keeps what a cutter gives: the bytes of each chunk and how each ended.
struct Recorder final : record::ChunkOutput {
  explicit Recorder(size_t frame_bytes_) : frame_bytes(frame_bytes_) {}
  void append(const uint8_t *data, size_t bytes) override {
    EXPECT_EQ(bytes % frame_bytes, 0u) << "a frame was split";
    current.insert(current.end(), data, data + bytes);
    appended += bytes;
  }
  void end_chunk(const record::ChunkEnd &end) override {
    EXPECT_EQ(end.frames * frame_bytes, current.size());
    chunks.push_back(std::move(current));
    current.clear();
    ends.push_back(end);
  }
  std::vector<uint8_t> joined() const {
    std::vector<uint8_t> all;
    for (const auto &c : chunks) all.insert(all.end(), c.begin(), c.end());
    return all;
  }

  size_t frame_bytes;
  uint64_t appended = 0;
  std::vector<uint8_t> current;
  std::vector<std::vector<uint8_t>> chunks;
  std::vector<record::ChunkEnd> ends;
};

record::CutterConfig config(int channels, int64_t chunk, int64_t window, int64_t level = 20) {
  record::CutterConfig c;
  c.channels = channels;
  c.chunk_frames = chunk;
  c.window_frames = window;
  c.level_frames = level;
  return c;
}

// Pushes `bytes` in pieces of the given sizes, cycling through them.
void push_in_pieces(record::QuietCutter &cutter, const std::vector<uint8_t> &bytes,
                    const std::vector<size_t> &pieces, record::ChunkOutput &out) {
  size_t at = 0;
  for (size_t i = 0; at < bytes.size(); i++) {
    const size_t n = std::min(pieces[i % pieces.size()], bytes.size() - at);
    cutter.push(bytes.data() + at, n, out);
    at += n;
  }
}

}  // namespace

TEST(QuietCutter, CutsInThePauseNearTheNominalEnd) {
  // Chunks of 1000 frames, cut within 200 of the end; a pause at 1060..1160, off centre.
  record::QuietCutter cutter(config(1, 1000, 200));
  Recorder out(2);
  const auto input = noise_with_pause(1500, 1, 1060, 1160);
  cutter.push(input.data(), input.size(), out);
  ASSERT_EQ(out.ends.size(), 1u);
  const uint64_t cut = out.ends[0].frames;
  // In the pause, with the compared stretch (20 frames) inside it: the middle of the pause.
  EXPECT_GE(cut, 1060u + 10);
  EXPECT_LE(cut, 1160u - 10);
  EXPECT_NEAR(static_cast<double>(cut), 1110.0, 1.0);
  ASSERT_TRUE(out.ends[0].cut_rms.has_value());
  EXPECT_EQ(*out.ends[0].cut_rms, 0.0);
}

TEST(QuietCutter, PrefersThePauseNearestTheNominalEnd) {
  // Two equally silent pauses; the one nearer the nominal end (1000) wins.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> loud(-20000, 20000);
  const auto input = sound(1500, 1, [&](uint64_t f, int) {
    const int s = loud(rng);
    return (f >= 820 && f < 880) || (f >= 1020 && f < 1080) ? 0 : s;
  });
  record::QuietCutter cutter(config(1, 1000, 200));
  Recorder out(2);
  cutter.push(input.data(), input.size(), out);
  ASSERT_EQ(out.ends.size(), 1u);
  EXPECT_GE(out.ends[0].frames, 1030u);
  EXPECT_LE(out.ends[0].frames, 1070u);
}

TEST(QuietCutter, QuieterIsBetterThanNearer) {
  // A soft stretch at the nominal end, true silence further off: silence wins.
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> loud(-20000, 20000);
  std::uniform_int_distribution<int> soft(-300, 300);
  const auto input = sound(1500, 1, [&](uint64_t f, int) {
    if (f >= 980 && f < 1020) return soft(rng);
    if (f >= 1150 && f < 1190) return 0;
    return loud(rng);
  });
  record::QuietCutter cutter(config(1, 1000, 200));
  Recorder out(2);
  cutter.push(input.data(), input.size(), out);
  ASSERT_EQ(out.ends.size(), 1u);
  EXPECT_GE(out.ends[0].frames, 1160u);
  EXPECT_LE(out.ends[0].frames, 1180u);
}

TEST(QuietCutter, ConstantLoudnessStaysWithinTheWindow) {
  record::QuietCutter cutter(config(1, 1000, 200));
  Recorder out(2);
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> loud(-20000, 20000);
  const auto input = sound(20000, 1, [&](uint64_t, int) { return loud(rng); });
  push_in_pieces(cutter, input, {333, 1000, 77}, out);
  cutter.finish(out);
  ASSERT_GE(out.ends.size(), 16u);
  for (size_t i = 0; i + 1 < out.ends.size(); i++) {
    EXPECT_GE(out.ends[i].frames, 800u) << "chunk " << i;
    EXPECT_LE(out.ends[i].frames, 1200u) << "chunk " << i;
  }
  EXPECT_LE(out.ends.back().frames, 1200u);
}

TEST(QuietCutter, EvenLoudnessIsCutAtTheNominalEnd) {
  // Digital silence, or a constant level: every cut is as quiet, so the nominal end wins.
  for (const int level : {0, 1000}) {
    record::QuietCutter cutter(config(1, 1000, 200));
    Recorder out(2);
    const auto input = sound(3100, 1, [&](uint64_t, int) { return level; });
    cutter.push(input.data(), input.size(), out);
    ASSERT_EQ(out.ends.size(), 2u);
    EXPECT_NEAR(static_cast<double>(out.ends[0].frames), 1000.0, 1.0);
    EXPECT_NEAR(static_cast<double>(out.ends[1].frames), 1000.0, 1.0);
  }
}

TEST(QuietCutter, JoinedChunksAreTheInputWithOddPiecesAndManyChannels) {
  for (int channels : {1, 2, 3, 8}) {
    const size_t frame_bytes = 2 * static_cast<size_t>(channels);
    record::QuietCutter cutter(config(channels, 997, 311, 23));
    Recorder out(frame_bytes);
    std::mt19937 rng(static_cast<unsigned>(channels));
    std::uniform_int_distribution<int> any(-32768, 32767);
    const auto input = sound(12345, channels, [&](uint64_t, int) { return any(rng); });
    // Piece sizes that split frames and samples.
    push_in_pieces(cutter, input, {1, 7, 4093, 3, 1000, 13, 2 * frame_bytes + 1}, out);
    cutter.finish(out);
    EXPECT_EQ(out.joined(), input) << channels << " channels";
    uint64_t next = 0;
    for (const auto &end : out.ends) {
      EXPECT_EQ(end.first_frame, next);
      EXPECT_GT(end.frames, 0u);
      next += end.frames;
    }
    EXPECT_EQ(next, 12345u);
    EXPECT_EQ(cutter.frames_received(), 12345u);
  }
}

TEST(QuietCutter, MultiChannelLoudnessCountsEveryChannel) {
  // Only the second channel is loud, except in a pause: the cut still finds the pause.
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> loud(-20000, 20000);
  const auto input = sound(1500, 2, [&](uint64_t f, int c) {
    const int s = loud(rng);
    return c == 1 && !(f >= 900 && f < 950) ? s : 0;
  });
  record::QuietCutter cutter(config(2, 1000, 200));
  Recorder out(4);
  cutter.push(input.data(), input.size(), out);
  ASSERT_EQ(out.ends.size(), 1u);
  EXPECT_GE(out.ends[0].frames, 910u);
  EXPECT_LE(out.ends[0].frames, 940u);
}

TEST(QuietCutter, HoldsBackOnlyTheSearchRegion) {
  record::QuietCutter cutter(config(1, 1000, 100));
  Recorder out(2);
  const auto input = noise_with_pause(10000, 1, 0, 0);
  for (size_t at = 0; at < input.size(); at += 2 * 37) {
    const size_t n = std::min<size_t>(2 * 37, input.size() - at);
    cutter.push(input.data() + at, n, out);
    const uint64_t held = cutter.frames_received() - out.appended / 2;
    EXPECT_LE(held, 200u);
  }
}

TEST(QuietCutter, NoWindowCutsExactly) {
  record::QuietCutter cutter(config(1, 1000, 0));
  Recorder out(2);
  const auto input = noise_with_pause(2500, 1, 0, 0);
  cutter.push(input.data(), input.size(), out);
  cutter.finish(out);
  ASSERT_EQ(out.ends.size(), 3u);
  EXPECT_EQ(out.ends[0].frames, 1000u);
  EXPECT_EQ(out.ends[1].frames, 1000u);
  EXPECT_EQ(out.ends[2].frames, 500u);
  EXPECT_FALSE(out.ends[0].cut_rms.has_value());
}

TEST(QuietCutter, WindowIsAtMostHalfAChunk) {
  const record::CutterConfig c = record::normalized(config(1, 1000, 5000));
  EXPECT_EQ(c.window_frames, 500);
  record::QuietCutter cutter(config(1, 1000, 5000));
  Recorder out(2);
  const auto input = noise_with_pause(10000, 1, 0, 0);
  cutter.push(input.data(), input.size(), out);
  for (const auto &end : out.ends) {
    EXPECT_GE(end.frames, 500u);
    EXPECT_LE(end.frames, 1500u);
  }
}

TEST(QuietCutter, FinishEndsTheChunkAndNumberingGoesOn) {
  record::QuietCutter cutter(config(1, 1000, 100));
  Recorder out(2);
  cutter.finish(out);
  EXPECT_TRUE(out.ends.empty()) << "an empty chunk is no chunk";
  const auto input = noise_with_pause(300, 1, 0, 0);
  cutter.push(input.data(), input.size(), out);
  const uint8_t half_frame = 1;
  cutter.push(&half_frame, 1, out);
  cutter.finish(out);
  ASSERT_EQ(out.ends.size(), 1u);
  EXPECT_EQ(out.ends[0].frames, 300u);
  EXPECT_FALSE(out.ends[0].cut_rms.has_value());
  cutter.push_silence(50, out);
  cutter.finish(out);
  ASSERT_EQ(out.ends.size(), 2u);
  EXPECT_EQ(out.ends[1].first_frame, 300u);
  EXPECT_EQ(out.chunks[1], std::vector<uint8_t>(100, 0));
}

TEST(QuietCutter, SilenceFillIsCutLikeSound) {
  // Loud sound, then a filled gap around the nominal end: the cut falls in the silence.
  record::QuietCutter cutter(config(1, 1000, 200));
  Recorder out(2);
  const auto loud = noise_with_pause(950, 1, 0, 0);
  cutter.push(loud.data(), loud.size(), out);
  cutter.push_silence(100, out);
  const auto more = noise_with_pause(500, 1, 0, 0, 2);
  cutter.push(more.data(), more.size(), out);
  ASSERT_EQ(out.ends.size(), 1u);
  EXPECT_GE(out.ends[0].frames, 960u);
  EXPECT_LE(out.ends[0].frames, 1040u);
}

TEST(ChunkFiles, NamesHaveFourDigitsAtLeast) {
  EXPECT_EQ(record::chunk_file_name(0), "chunk_0000.wav");
  EXPECT_EQ(record::chunk_file_name(42), "chunk_0042.wav");
  EXPECT_EQ(record::chunk_file_name(10000), "chunk_10000.wav");
  EXPECT_EQ(record::partial_file_name(3), ".chunk_0003.wav.partial");
  EXPECT_EQ(record::chunk_index_of("chunk_0042.wav"), 42u);
  EXPECT_EQ(record::chunk_index_of("chunk_12345.wav"), 12345u);
  EXPECT_FALSE(record::chunk_index_of("chunk_042.wav"));
  EXPECT_FALSE(record::chunk_index_of("chunk_00a2.wav"));
  EXPECT_FALSE(record::chunk_index_of(".chunk_0042.wav.partial"));
  EXPECT_FALSE(record::chunk_index_of("chunk_0042.wav.bak"));
}

class ChunkDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/record-core-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void touch(const std::string &name) { std::ofstream(dir_ / name) << "x"; }

  std::vector<uint8_t> read(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto &e : fs::directory_iterator(dir_)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
};

TEST_F(ChunkDirectory, NextIndexFollowsTheHighestChunk) {
  EXPECT_EQ(record::next_free_index(dir_), 0u);
  EXPECT_EQ(record::next_free_index(dir_ / "missing"), 0u);
  touch("chunk_0000.wav");
  touch("chunk_0007.wav");
  touch("chunk_9999.wav.bak");
  touch(".chunk_0020.wav.partial");
  EXPECT_EQ(record::next_free_index(dir_), 8u);
  touch("chunk_10001.wav");
  EXPECT_EQ(record::next_free_index(dir_), 10002u);
}

TEST_F(ChunkDirectory, RemovesOnlyPartialChunks) {
  touch("chunk_0000.wav");
  touch(".chunk_0001.wav.partial");
  touch(".other.partial");
  EXPECT_EQ(record::remove_partial_files(dir_),
            std::vector<std::string>{".chunk_0001.wav.partial"});
  EXPECT_EQ(names(), (std::vector<std::string>{".other.partial", "chunk_0000.wav"}));
}

TEST_F(ChunkDirectory, WriterRenamesCompleteFilesWithTheirHeader) {
  record::ChunkWriter writer(dir_, 5, {16000, 2});
  const auto frames =
      sound(100, 2, [](uint64_t f, int c) { return static_cast<int>(f) * (c + 1); });
  writer.append(frames.data(), 40);
  EXPECT_EQ(names(), std::vector<std::string>{".chunk_0005.wav.partial"});
  writer.append(frames.data() + 40, frames.size() - 40);
  writer.end_chunk({0, 100, {}});
  EXPECT_EQ(names(), std::vector<std::string>{"chunk_0005.wav"});

  const auto file = read(dir_ / "chunk_0005.wav");
  std::vector<uint8_t> expected = record::wav_header(16000, 2, 400);
  expected.insert(expected.end(), frames.begin(), frames.end());
  EXPECT_EQ(file, expected);
  const auto reports = writer.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].written);
  EXPECT_EQ(reports[0].index, 5u);
  EXPECT_EQ(reports[0].path, (dir_ / "chunk_0005.wav").string());
  EXPECT_EQ(writer.next_index(), 6u);
}

TEST(ChunkFiles, LongestChunkFitsTheHeader) {
  EXPECT_EQ(record::max_wav_frames(1), (0xFFFFFFFFull - 36) / 2);
  EXPECT_EQ(record::max_wav_frames(8), (0xFFFFFFFFull - 36) / 16);
}

TEST_F(ChunkDirectory, HeaderDescribesPcm) {
  const auto h = record::wav_header(48000, 2, 1000);
  ASSERT_EQ(h.size(), 44u);
  EXPECT_EQ(std::string(h.begin(), h.begin() + 4), "RIFF");
  EXPECT_EQ(h[4] | h[5] << 8, 1036);
  EXPECT_EQ(std::string(h.begin() + 8, h.begin() + 16), "WAVEfmt ");
  EXPECT_EQ(h[20], 1);  // PCM
  EXPECT_EQ(h[22], 2);  // channels
  EXPECT_EQ(h[24] | h[25] << 8 | h[26] << 16, 48000);
  EXPECT_EQ(h[32], 4);   // block align
  EXPECT_EQ(h[34], 16);  // bits
  EXPECT_EQ(std::string(h.begin() + 36, h.begin() + 40), "data");
}

TEST_F(ChunkDirectory, FailedChunkLeavesNothingAndTheNextOneIsWritten) {
  const fs::path sub = dir_ / "audio";
  record::ChunkWriter writer(sub, 0, {8000, 1});
  const auto frames = sound(10, 1, [](uint64_t f, int) { return static_cast<int>(f); });
  writer.append(frames.data(), frames.size());
  writer.end_chunk({0, 10, {}});

  // The directory goes away and a file takes its place: chunk 1 cannot be written.
  fs::remove_all(sub);
  touch("audio");
  writer.append(frames.data(), frames.size());
  writer.append(frames.data(), frames.size());
  writer.end_chunk({10, 10, {}});
  auto reports = writer.take_reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports[0].written);
  EXPECT_FALSE(reports[1].written);
  EXPECT_EQ(reports[1].path, (sub / "chunk_0001.wav").string());
  EXPECT_FALSE(reports[1].error.empty());

  // Back: chunk 2 is written; the failed number is not reused.
  fs::remove(dir_ / "audio");
  writer.append(frames.data(), frames.size());
  writer.end_chunk({20, 10, {}});
  reports = writer.take_reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].written);
  EXPECT_EQ(reports[0].index, 2u);
  EXPECT_TRUE(fs::exists(sub / "chunk_0002.wav"));
  EXPECT_FALSE(fs::exists(sub / ".chunk_0001.wav.partial"));
}

TEST_F(ChunkDirectory, UnfinishedChunkIsRemovedWithTheWriter) {
  {
    record::ChunkWriter writer(dir_, 0, {8000, 1});
    const std::vector<uint8_t> frames(20, 1);
    writer.append(frames.data(), frames.size());
    EXPECT_EQ(names(), std::vector<std::string>{".chunk_0000.wav.partial"});
  }
  EXPECT_TRUE(names().empty());
}
