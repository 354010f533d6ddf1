#include <gio/gio.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
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

#include "element_test.h"
#include "wavchunksink_messages.h"

namespace {

namespace fs = std::filesystem;
namespace msg = onair::wavchunksink_messages;
using onair::StructurePtr;

uint32_t u32(const std::vector<uint8_t> &b, size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}
uint16_t u16(const std::vector<uint8_t> &b, size_t at) {
  return static_cast<uint16_t>(b[at] | b[at + 1] << 8);
}

// A chunk file read back: its format and its sound, after checking every header field.
struct Wav {
  bool valid = false;
  std::string problem;
  int rate = 0;
  int channels = 0;
  std::vector<uint8_t> data;
};

Wav read_wav(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> b{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
  Wav w;
  const auto tag = [&](size_t at) { return std::string(b.begin() + at, b.begin() + at + 4); };
  if (b.size() < 44) return w.problem = "shorter than a header", w;
  if (tag(0) != "RIFF" || tag(8) != "WAVE" || tag(12) != "fmt " || tag(36) != "data")
    return w.problem = "not a canonical WAV header", w;
  if (u32(b, 4) != b.size() - 8) return w.problem = "RIFF size does not match the file", w;
  if (u32(b, 16) != 16 || u16(b, 20) != 1 || u16(b, 34) != 16)
    return w.problem = "not 16-bit PCM", w;
  w.channels = u16(b, 22);
  w.rate = static_cast<int>(u32(b, 24));
  if (u16(b, 32) != 2 * w.channels || u32(b, 28) != static_cast<uint32_t>(w.rate) * 2u * w.channels)
    return w.problem = "block align or byte rate wrong", w;
  if (u32(b, 40) != b.size() - 44) return w.problem = "data size does not match the file", w;
  if ((b.size() - 44) % (2 * w.channels) != 0) return w.problem = "a frame is cut", w;
  w.data.assign(b.begin() + 44, b.end());
  w.valid = true;
  return w;
}

std::vector<std::string> file_names(const fs::path &dir) {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto &e : fs::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> chunk_names(const fs::path &dir) {
  std::vector<std::string> out;
  for (const std::string &n : file_names(dir))
    if (n.rfind("chunk_", 0) == 0) out.push_back(n);
  return out;
}

// Loud noise, silent in [quiet_begin, quiet_end) (frames), as S16LE bytes.
std::vector<uint8_t> noise(uint64_t frames, int channels, uint64_t quiet_begin = 0,
                           uint64_t quiet_end = 0, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> loud(-20000, 20000);
  std::vector<uint8_t> out;
  for (uint64_t f = 0; f < frames; f++)
    for (int c = 0; c < channels; c++) {
      const int s = loud(rng);
      const auto v = static_cast<uint16_t>(f >= quiet_begin && f < quiet_end ? 0 : s);
      out.push_back(static_cast<uint8_t>(v));
      out.push_back(static_cast<uint8_t>(v >> 8));
    }
  return out;
}

guint64 uint64_field(const GstStructure *s, const char *name) {
  guint64 v = 0;
  EXPECT_TRUE(gst_structure_get_uint64(s, name, &v)) << name;
  return v;
}

class WavChunkSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wavchunksink-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ / "audio";
    bus_ = gst_bus_new();
  }
  void TearDown() override {
    if (h_) gst_harness_teardown(h_);
    gst_object_unref(bus_);
    fs::remove_all(root_);
  }

  // The element on `location`, 1 s chunks cut within 0.2 s, fed `caps`.
  void start(const std::string &location, const char *caps, int start_index = -1) {
    GstElement *e = gst_element_factory_make("wavchunksink", nullptr);
    ASSERT_NE(e, nullptr);
    g_object_set(e, "location", location.c_str(), "chunk-duration", GST_SECOND, "search-window",
                 GST_SECOND / 5, "start-index", start_index, nullptr);
    gst_element_set_bus(e, bus_);
    h_ = gst_harness_new_with_element(e, "sink", nullptr);
    gst_object_unref(e);
    gst_harness_set_src_caps_str(h_, caps);
  }

  // Pushes `bytes` as buffers of `piece` bytes, timestamped from `first_frame` at `rate`.
  void push(const std::vector<uint8_t> &bytes, size_t piece, int rate, int frame_bytes,
            uint64_t first_frame = 0) {
    for (size_t at = 0; at < bytes.size(); at += piece) {
      const size_t n = std::min(piece, bytes.size() - at);
      GstBuffer *b = gst_buffer_new_memdup(bytes.data() + at, n);
      GST_BUFFER_PTS(b) = gst_util_uint64_scale(first_frame + at / frame_bytes, GST_SECOND,
                                                static_cast<guint64>(rate));
      ASSERT_EQ(gst_harness_push(h_, b), GST_FLOW_OK);
    }
  }

  void end_of_stream() { ASSERT_TRUE(gst_harness_push_event(h_, gst_event_new_eos())); }

  std::vector<StructurePtr> chunk_messages() {
    return onair::element_test::take_element_messages(bus_, msg::kChunk);
  }

  // The sound of every chunk in `dir_`, in order, each file checked.
  std::vector<uint8_t> joined_chunks(int rate, int channels) {
    std::vector<uint8_t> all;
    for (const std::string &n : chunk_names(dir_)) {
      const Wav w = read_wav(dir_ / n);
      EXPECT_TRUE(w.valid) << n << ": " << w.problem;
      EXPECT_EQ(w.rate, rate) << n;
      EXPECT_EQ(w.channels, channels) << n;
      all.insert(all.end(), w.data.begin(), w.data.end());
    }
    return all;
  }

  fs::path root_;
  fs::path dir_;
  GstBus *bus_ = nullptr;
  GstHarness *h_ = nullptr;
};

}  // namespace

TEST(WavChunkSinkRegistry, LoadsThePluginFromTheBuildTree) {
  GstElementFactory *factory = gst_element_factory_find("wavchunksink");
  ASSERT_NE(factory, nullptr);
  GstPlugin *plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
  ASSERT_NE(plugin, nullptr);
  EXPECT_STREQ(gst_plugin_get_name(plugin), "onairrecord");
  const std::string file = gst_plugin_get_filename(plugin);
  const char *dirs = g_getenv("ONAIR_BUILD_PLUGIN_DIRS");
  ASSERT_NE(dirs, nullptr);
  EXPECT_NE(std::string(dirs).find(file.substr(0, file.rfind('/'))), std::string::npos) << file;
  EXPECT_STREQ(gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS),
               "Sink/Audio/File");
  gst_object_unref(plugin);
  gst_object_unref(factory);
}

TEST_F(WavChunkSinkTest, JoinedChunksAreTheInputSampleForSample) {
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1");
  const auto input = noise(8000 * 7 / 2, 1);
  push(input, 2 * 777, 8000, 2);
  end_of_stream();

  EXPECT_EQ(chunk_names(dir_), (std::vector<std::string>{"chunk_0000.wav", "chunk_0001.wav",
                                                         "chunk_0002.wav", "chunk_0003.wav"}));
  EXPECT_EQ(file_names(dir_), chunk_names(dir_)) << "a temporary file is left";
  EXPECT_EQ(joined_chunks(8000, 1), input);

  const auto messages = chunk_messages();
  ASSERT_EQ(messages.size(), 4u);
  guint64 next = 0;
  for (size_t i = 0; i < messages.size(); i++) {
    const GstStructure *s = messages[i].get();
    const std::string name = chunk_names(dir_)[i];
    EXPECT_EQ(uint64_field(s, msg::kIndex), i);
    EXPECT_STREQ(gst_structure_get_string(s, msg::kFileName), name.c_str());
    EXPECT_EQ(gst_structure_get_string(s, msg::kPath), (dir_ / name).string());
    const guint64 first = uint64_field(s, msg::kFirstSample);
    const guint64 samples = uint64_field(s, msg::kSamples);
    EXPECT_EQ(first, next);
    next += samples;
    EXPECT_EQ(read_wav(dir_ / name).data.size(), 2 * samples);
    // Each chunk ends within the window of its nominal second, except the shorter last one.
    if (i + 1 < messages.size()) {
      EXPECT_GE(samples, 8000u - 1600u);
      EXPECT_LE(samples, 8000u + 1600u);
      EXPECT_TRUE(gst_structure_has_field(s, msg::kCutRms));
    } else {
      EXPECT_FALSE(gst_structure_has_field(s, msg::kCutRms));
    }
    EXPECT_EQ(uint64_field(s, msg::kStartRunningTime),
              gst_util_uint64_scale(first, GST_SECOND, 8000));
    EXPECT_EQ(uint64_field(s, msg::kEndRunningTime),
              gst_util_uint64_scale(first + samples, GST_SECOND, 8000));
    EXPECT_EQ(uint64_field(s, msg::kStartStreamTime), uint64_field(s, msg::kStartRunningTime));
    EXPECT_EQ(uint64_field(s, msg::kDuration), gst_util_uint64_scale(samples, GST_SECOND, 8000));
  }
  EXPECT_EQ(next, input.size() / 2);
}

TEST_F(WavChunkSinkTest, OddBuffersAndManyChannelsKeepFramesWhole) {
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=3");
  const auto input = noise(16000 * 5 / 2, 3);
  // 1001 bytes: buffers split samples and frames.
  push(input, 1001, 16000, 6);
  end_of_stream();
  EXPECT_EQ(chunk_names(dir_).size(), 3u);
  EXPECT_EQ(joined_chunks(16000, 3), input);
}

TEST_F(WavChunkSinkTest, CutsInThePause) {
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1");
  // A pause at 0.85..0.95 s, before the nominal end of the first chunk.
  const auto input = noise(8000 * 2, 1, 6800, 7600);
  push(input, 2 * 500, 8000, 2);
  end_of_stream();
  const auto messages = chunk_messages();
  ASSERT_EQ(messages.size(), 2u);
  const guint64 cut = uint64_field(messages[0].get(), msg::kSamples);
  EXPECT_GE(cut, 6800u + 80u);
  EXPECT_LE(cut, 7600u - 80u);
  double rms = -1;
  ASSERT_TRUE(gst_structure_get_double(messages[0].get(), msg::kCutRms, &rms));
  EXPECT_EQ(rms, 0.0);
  const Wav first = read_wav(dir_ / "chunk_0000.wav");
  ASSERT_TRUE(first.valid) << first.problem;
  EXPECT_EQ(first.data.size(), 2 * cut);
}

TEST_F(WavChunkSinkTest, NumberingContinuesAfterTheChunksInTheDirectory) {
  fs::create_directories(dir_);
  for (const char *n : {"chunk_0000.wav", "chunk_0001.wav", "chunk_0004.wav"})
    std::ofstream(dir_ / n) << "earlier";
  std::ofstream(dir_ / ".chunk_0005.wav.partial") << "killed";
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1");
  push(noise(8000 * 3 / 2, 1), 2 * 800, 8000, 2);
  end_of_stream();
  EXPECT_EQ(file_names(dir_),
            (std::vector<std::string>{"chunk_0000.wav", "chunk_0001.wav", "chunk_0004.wav",
                                      "chunk_0005.wav", "chunk_0006.wav"}));
  std::ifstream earlier(dir_ / "chunk_0004.wav");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(earlier), {}), "earlier");
  EXPECT_TRUE(read_wav(dir_ / "chunk_0005.wav").valid);
}

TEST_F(WavChunkSinkTest, StartIndexNumbersFromThere) {
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1", 9999);
  push(noise(8000 * 3 / 2, 1), 2 * 800, 8000, 2);
  end_of_stream();
  EXPECT_EQ(chunk_names(dir_), (std::vector<std::string>{"chunk_10000.wav", "chunk_9999.wav"}));
}

TEST_F(WavChunkSinkTest, StoppingFinishesTheLastChunk) {
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1");
  const auto input = noise(8000 / 2, 1);
  push(input, 2 * 800, 8000, 2);
  EXPECT_EQ(file_names(dir_), std::vector<std::string>{".chunk_0000.wav.partial"});
  ASSERT_EQ(gst_element_set_state(h_->element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  EXPECT_EQ(file_names(dir_), std::vector<std::string>{"chunk_0000.wav"});
  EXPECT_EQ(joined_chunks(8000, 1), input);
  EXPECT_EQ(chunk_messages().size(), 1u);
}

TEST_F(WavChunkSinkTest, NewFormatStartsANewChunk) {
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1");
  const auto mono = noise(4000, 1);
  push(mono, 2 * 500, 8000, 2);
  gst_harness_set_src_caps_str(h_,
                               "audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=2,"
                               "channel-mask=(bitmask)0x3");
  const auto stereo = noise(8000, 2, 0, 0, 2);
  push(stereo, 4 * 500, 16000, 4, 8000);
  end_of_stream();
  const Wav first = read_wav(dir_ / "chunk_0000.wav");
  const Wav second = read_wav(dir_ / "chunk_0001.wav");
  ASSERT_TRUE(first.valid) << first.problem;
  ASSERT_TRUE(second.valid) << second.problem;
  EXPECT_EQ(first.rate, 8000);
  EXPECT_EQ(first.data, mono);
  EXPECT_EQ(second.rate, 16000);
  EXPECT_EQ(second.channels, 2);
  EXPECT_EQ(second.data, stereo);
  const auto messages = chunk_messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(uint64_field(messages[1].get(), msg::kFirstSample), 4000u);
  EXPECT_EQ(uint64_field(messages[1].get(), msg::kStartRunningTime), GST_SECOND / 2);
}

TEST_F(WavChunkSinkTest, GapInTimestampsIsFilledWithSilence) {
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1");
  const auto before = noise(2000, 1, 0, 0, 1);
  const auto after = noise(2000, 1, 0, 0, 2);
  push(before, 2 * 500, 8000, 2);
  // Half a second missing: the next buffer says 0.75 s where 0.25 s was due.
  push(after, 2 * 500, 8000, 2, 6000);
  end_of_stream();
  std::vector<uint8_t> expected = before;
  expected.resize(expected.size() + 2 * 4000, 0);
  expected.insert(expected.end(), after.begin(), after.end());
  EXPECT_EQ(joined_chunks(8000, 1), expected);
  const auto messages = chunk_messages();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(uint64_field(messages.back().get(), msg::kEndRunningTime), GST_SECOND);
}

TEST_F(WavChunkSinkTest, UnwritableDirectoryWarnsAndTheStreamGoesOn) {
  // A file where the directory should be: nothing can be created under it.
  std::ofstream(root_ / "blocked") << "a file";
  dir_ = root_ / "blocked" / "audio";
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1");
  push(noise(8000 * 3 / 2, 1), 2 * 800, 8000, 2);

  std::string warnings;
  while (onair::MessagePtr m{gst_bus_pop_filtered(bus_, GST_MESSAGE_WARNING)}) {
    GError *error = nullptr;
    gst_message_parse_warning(m.get(), &error, nullptr);
    warnings += std::string(error->message) + "\n";
    g_error_free(error);
  }
  EXPECT_NE(warnings.find((dir_ / "chunk_0000.wav").string()), std::string::npos) << warnings;
  EXPECT_TRUE(chunk_messages().empty());

  // The directory becomes possible: later chunks are written, the failed number is skipped.
  fs::remove(root_ / "blocked");
  push(noise(8000 * 3 / 2, 1), 2 * 800, 8000, 2, 8000 * 3 / 2);
  end_of_stream();
  EXPECT_EQ(onair::element_test::take_error_text(bus_), "");
  EXPECT_EQ(file_names(dir_), (std::vector<std::string>{"chunk_0002.wav"}));
  EXPECT_TRUE(read_wav(dir_ / "chunk_0002.wav").valid);
}

TEST_F(WavChunkSinkTest, DirectoryGoneMidChunkWarnsAndLaterChunksAreWritten) {
  start(dir_, "audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1");
  push(noise(8000 * 3 / 2, 1), 2 * 800, 8000, 2);
  ASSERT_EQ(chunk_names(dir_).size(), 1u);
  // Chunk 1 is being written when its directory goes and a file takes its place.
  fs::remove_all(dir_);
  std::ofstream(dir_) << "in the way";
  push(noise(8000, 1, 0, 0, 2), 2 * 800, 8000, 2, 8000 * 3 / 2);
  onair::MessagePtr warning{gst_bus_pop_filtered(bus_, GST_MESSAGE_WARNING)};
  ASSERT_NE(warning, nullptr);
  GError *error = nullptr;
  gst_message_parse_warning(warning.get(), &error, nullptr);
  EXPECT_NE(std::string(error->message).find((dir_ / "chunk_0001.wav").string()), std::string::npos)
      << error->message;
  g_error_free(error);

  fs::remove(dir_);
  push(noise(8000 * 2, 1, 0, 0, 3), 2 * 800, 8000, 2, 8000 * 5 / 2);
  end_of_stream();
  EXPECT_EQ(onair::element_test::take_error_text(bus_), "");
  // Chunk 2 began while the file was still in the way: it failed too. Numbers are not reused.
  const auto later = file_names(dir_);
  ASSERT_FALSE(later.empty());
  EXPECT_EQ(later, chunk_names(dir_)) << "a temporary file is left";
  EXPECT_EQ(later.front(), "chunk_0003.wav");
  for (const std::string &n : later) EXPECT_TRUE(read_wav(dir_ / n).valid) << n;
}

// gst-launch-1.0 with the element, killed with SIGKILL once two chunks are announced: every
// chunk on disk is complete, and a second run goes on numbering after them.
TEST_F(WavChunkSinkTest, KilledProcessLeavesOnlyCompleteChunks) {
  const std::string location = "location=" + dir_.string();
  const char *argv[] = {"gst-launch-1.0",
                        "-m",
                        "audiotestsrc",
                        "is-live=true",
                        "samplesperbuffer=320",
                        "!",
                        "audio/x-raw,format=S16LE,rate=16000,channels=1",
                        "!",
                        "wavchunksink",
                        location.c_str(),
                        "chunk-duration=300000000",
                        "search-window=50000000",
                        nullptr};
  GError *error = nullptr;
  GSubprocess *launch = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  ASSERT_NE(launch, nullptr) << error->message;
  GDataInputStream *out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(launch));
  int announced = 0;
  while (announced < 2) {
    char *line = g_data_input_stream_read_line(out, nullptr, nullptr, nullptr);
    if (!line) break;  // the process ended
    if (std::string(line).find(msg::kChunk) != std::string::npos) announced++;
    g_free(line);
  }
  g_subprocess_force_exit(launch);
  ASSERT_TRUE(g_subprocess_wait(launch, nullptr, nullptr));
  EXPECT_TRUE(g_subprocess_get_if_signaled(launch));
  g_object_unref(out);
  g_object_unref(launch);
  ASSERT_EQ(announced, 2);

  const auto chunks = chunk_names(dir_);
  ASSERT_GE(chunks.size(), 2u);
  for (const std::string &n : chunks) {
    const Wav w = read_wav(dir_ / n);
    EXPECT_TRUE(w.valid) << n << ": " << w.problem;
    EXPECT_GT(w.data.size(), 0u) << n;
  }

  // The chunks joined are the start of the source's sound: the same sine, made again in one
  // chunk by a run that ends normally.
  const std::vector<uint8_t> joined = joined_chunks(16000, 1);
  const fs::path reference = root_ / "reference";
  const std::string reference_location = "location=" + reference.string();
  const std::string buffers = "num-buffers=" + std::to_string(joined.size() / 640 + 1);
  const char *make_reference[] = {"gst-launch-1.0",
                                  "audiotestsrc",
                                  buffers.c_str(),
                                  "samplesperbuffer=320",
                                  "!",
                                  "audio/x-raw,format=S16LE,rate=16000,channels=1",
                                  "!",
                                  "wavchunksink",
                                  reference_location.c_str(),
                                  "chunk-duration=3600000000000",
                                  nullptr};
  GSubprocess *reference_run =
      g_subprocess_newv(make_reference, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  ASSERT_NE(reference_run, nullptr) << error->message;
  ASSERT_TRUE(g_subprocess_wait_check(reference_run, nullptr, nullptr));
  g_object_unref(reference_run);
  const Wav whole = read_wav(reference / "chunk_0000.wav");
  ASSERT_TRUE(whole.valid) << whole.problem;
  ASSERT_GE(whole.data.size(), joined.size());
  EXPECT_TRUE(std::equal(joined.begin(), joined.end(), whole.data.begin()));

  // Resume: numbering goes on after the highest chunk; the killed run's leftovers are gone.
  const std::string next = "chunk_" + std::string(4 - std::to_string(chunks.size()).size(), '0') +
                           std::to_string(chunks.size()) + ".wav";
  const char *again[] = {"gst-launch-1.0",
                         "audiotestsrc",
                         "num-buffers=10",
                         "samplesperbuffer=1600",
                         "!",
                         "audio/x-raw,format=S16LE,rate=16000,channels=1",
                         "!",
                         "wavchunksink",
                         location.c_str(),
                         "chunk-duration=300000000",
                         "search-window=50000000",
                         nullptr};
  GSubprocess *resumed = g_subprocess_newv(again, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  ASSERT_NE(resumed, nullptr) << error->message;
  ASSERT_TRUE(g_subprocess_wait_check(resumed, nullptr, nullptr));
  g_object_unref(resumed);
  const auto all = file_names(dir_);
  EXPECT_EQ(all, chunk_names(dir_)) << "a temporary file is left";
  EXPECT_NE(std::find(all.begin(), all.end(), next), all.end()) << next;
  for (const std::string &n : all) EXPECT_TRUE(read_wav(dir_ / n).valid) << n;
}
