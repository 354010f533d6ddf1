// Snapshots: JPEGs of every raw format that a real decoder reads back, and the index beside
// them.
#include "snapshots.h"

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "core/scene_index.h"
#include "element_test.h"
#include "json_array_file.h"

using namespace onair;
using namespace onair::scene;

namespace {

struct Rgb {
  int r, g, b;
};
// Left half and right half of every test picture.
constexpr Rgb kLeft{220, 40, 40};
constexpr Rgb kRight{40, 70, 220};

// A 25 fps frame of `format` whose left half is kLeft and right half kRight.
BufferPtr make_frame(GstVideoFormat format, int width, int height, GstVideoInfo &info) {
  GstVideoInfo rgb;
  gst_video_info_set_format(&rgb, GST_VIDEO_FORMAT_RGB, width, height);
  gst_video_info_set_format(&info, format, width, height);
  rgb.fps_n = info.fps_n = 25;
  rgb.fps_d = info.fps_d = 1;
  BufferPtr source(gst_buffer_new_allocate(nullptr, rgb.size, nullptr));
  BufferPtr frame(gst_buffer_new_allocate(nullptr, info.size, nullptr));
  GstVideoFrame in, out;
  EXPECT_TRUE(gst_video_frame_map(&in, &rgb, source.get(), GST_MAP_WRITE));
  for (int y = 0; y < height; y++) {
    auto *row = static_cast<guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&in, 0)) +
                y * GST_VIDEO_FRAME_PLANE_STRIDE(&in, 0);
    for (int x = 0; x < width; x++) {
      const Rgb &c = x < width / 2 ? kLeft : kRight;
      row[3 * x] = static_cast<guint8>(c.r);
      row[3 * x + 1] = static_cast<guint8>(c.g);
      row[3 * x + 2] = static_cast<guint8>(c.b);
    }
  }
  EXPECT_TRUE(gst_video_frame_map(&out, &info, frame.get(), GST_MAP_WRITE));
  GstVideoConverter *converter = gst_video_converter_new(&rgb, &info, nullptr);
  gst_video_converter_frame(converter, &in, &out);
  gst_video_converter_free(converter);
  gst_video_frame_unmap(&in);
  gst_video_frame_unmap(&out);
  return frame;
}

struct Decoded {
  int width = 0, height = 0;
  std::vector<guint8> rgb;  // packed, width * 3 a row
  Rgb at(int x, int y) const {
    const size_t i = (static_cast<size_t>(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

// The picture in a JPEG file, as GStreamer's jpegdec reads it; empty if it does not decode.
Decoded decode(const std::string &file) {
  Decoded d;
  gchar *quoted = g_strescape(file.c_str(), nullptr);
  const std::string line = std::string("filesrc location=\"") + quoted +
                           "\" ! jpegdec ! videoconvert ! video/x-raw,format=RGB ! appsink "
                           "name=out sync=false";
  g_free(quoted);
  GError *error = nullptr;
  ElementPtr pipeline(gst_parse_launch(line.c_str(), &error));
  if (error) {
    ADD_FAILURE() << error->message;
    g_error_free(error);
    return d;
  }
  ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "out"));
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  SamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 10 * GST_SECOND));
  if (sample) {
    GstVideoInfo info;
    gst_video_info_from_caps(&info, gst_sample_get_caps(sample.get()));
    GstVideoFrame frame;
    gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample.get()), GST_MAP_READ);
    d.width = info.width;
    d.height = info.height;
    for (int y = 0; y < d.height; y++) {
      const auto *row = static_cast<const guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)) +
                        y * GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
      d.rgb.insert(d.rgb.end(), row, row + 3 * d.width);
    }
    gst_video_frame_unmap(&frame);
  }
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  return d;
}

bool close_to(const Rgb &a, const Rgb &b) {
  // JPEG and chroma subsampling blur colours a little, never by this much.
  return std::abs(a.r - b.r) < 30 && std::abs(a.g - b.g) < 30 && std::abs(a.b - b.b) < 30;
}

std::string read_text(const std::string &path) {
  gchar *text = nullptr;
  if (!g_file_get_contents(path.c_str(), &text, nullptr, nullptr)) return {};
  std::string out = text;
  g_free(text);
  return out;
}

bool exists(const std::string &path) {
  return g_file_test(path.c_str(), G_FILE_TEST_EXISTS);
}

using Index = onair::test::JsonArrayFile;

void remove_tree(const std::string &path) {
  if (GDir *d = g_dir_open(path.c_str(), 0, nullptr)) {
    while (const gchar *name = g_dir_read_name(d)) remove_tree(path + "/" + name);
    g_dir_close(d);
    g_rmdir(path.c_str());
  } else {
    g_remove(path.c_str());
  }
}

class SnapshotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gchar *dir = g_dir_make_tmp("snapshots-XXXXXX", nullptr);
    ASSERT_NE(dir, nullptr);
    root_ = dir;
    g_free(dir);
    dir_ = root_ + "/shots";
  }
  void TearDown() override { remove_tree(root_); }

  SnapshotSettings settings() const {
    SnapshotSettings s;
    s.directory = dir_;
    return s;
  }
  std::function<void(const std::string &)> collect() {
    return [this](const std::string &text) {
      std::lock_guard<std::mutex> lock(mutex_);
      warnings_.push_back(text);
    };
  }
  std::vector<std::string> warnings() {
    std::lock_guard<std::mutex> lock(mutex_);
    return warnings_;
  }
  // Takes one snapshot of a small frame; its reference, or nullopt.
  std::optional<SnapshotRef> take_one(Snapshots &snapshots, SnapshotKind kind = SnapshotKind::kCut,
                                      int width = 64, int height = 36) {
    GstVideoInfo info;
    const BufferPtr frame = make_frame(GST_VIDEO_FORMAT_I420, width, height, info);
    SnapshotFacts facts;
    facts.kind = kind;
    facts.timestamp = 1.5;
    facts.running_time = 1500 * GST_MSECOND;
    facts.score = 0.9;
    return snapshots.take(frame.get(), info, facts);
  }

  std::string root_, dir_;
  std::mutex mutex_;
  std::vector<std::string> warnings_;
};

}  // namespace

class SnapshotFormats : public SnapshotsTest,
                        public ::testing::WithParamInterface<GstVideoFormat> {};

TEST_P(SnapshotFormats, EveryFormatGivesAJpegThatDecodesWithItsSizeAndColours) {
  for (const auto &[width, height] : {std::pair{64, 36}, std::pair{33, 17}, std::pair{1, 1}}) {
    SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
    std::optional<SnapshotRef> ref;
    {
      Snapshots snapshots(settings(), collect());
      ASSERT_TRUE(snapshots.enabled());
      GstVideoInfo info;
      const BufferPtr frame = make_frame(GetParam(), width, height, info);
      ref = snapshots.take(frame.get(), info, SnapshotFacts{});
      ASSERT_TRUE(ref);
    }
    const Decoded d = decode(ref->file);
    EXPECT_EQ(d.width, width);
    EXPECT_EQ(d.height, height);
    if (d.width != width || d.height != height) continue;
    if (width >= 32) {
      const Rgb left = d.at(width / 4, height / 2), right = d.at(width * 3 / 4, height / 2);
      EXPECT_TRUE(close_to(left, kLeft)) << left.r << "," << left.g << "," << left.b;
      EXPECT_TRUE(close_to(right, kRight)) << right.r << "," << right.g << "," << right.b;
    }
  }
  EXPECT_TRUE(warnings().empty());
}

INSTANTIATE_TEST_SUITE_P(Formats, SnapshotFormats,
                         ::testing::Values(GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12,
                                           GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_UYVY,
                                           GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_RGBx,
                                           GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_RGBA,
                                           GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGB),
                         [](const auto &info) {
                           return std::string(gst_video_format_to_string(info.param));
                         });

TEST_F(SnapshotsTest, TheIndexListsEachSnapshotAndGoesOnInTheNextRun) {
  {
    Snapshots snapshots(settings(), collect());
    const auto first = take_one(snapshots);
    const auto second = take_one(snapshots, SnapshotKind::kGradual);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->id, "F0001");
    EXPECT_EQ(first->path, "F0001.jpg");
    EXPECT_EQ(first->file, dir_ + "/F0001.jpg");
    EXPECT_EQ(second->id, "F0002");
  }
  {
    Snapshots snapshots(settings(), collect());
    const auto third = take_one(snapshots, SnapshotKind::kManual);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->id, "F0003");
  }
  const Index index(dir_ + "/index.json");
  ASSERT_EQ(index.size(), 3u);
  const char *kinds[] = {"cut", "gradual", "manual"};
  for (guint i = 0; i < 3; i++) {
    EXPECT_EQ(index.field(i, "id"), "F000" + std::to_string(i + 1));
    EXPECT_EQ(index.field(i, "kind"), kinds[i]);
    EXPECT_TRUE(exists(dir_ + "/" + index.field(i, "path")));
    JsonObject *o = json_array_get_object_element(index.array, i);
    EXPECT_DOUBLE_EQ(json_object_get_double_member(o, "timestamp"), 1.5);
    EXPECT_DOUBLE_EQ(json_object_get_double_member(o, "running_time"), 1.5);
    EXPECT_TRUE(json_object_get_null_member(o, "stream_time"));
    EXPECT_DOUBLE_EQ(json_object_get_double_member(o, "score"), 0.9);
    EXPECT_FALSE(json_object_get_boolean_member(o, "sent_to_agent"));
  }
  EXPECT_TRUE(warnings().empty());
}

TEST_F(SnapshotsTest, DestructionWritesEverythingQueued) {
  std::vector<std::string> files;
  {
    Snapshots snapshots(settings(), collect());
    for (size_t i = 0; i < Snapshots::kMaxQueued; i++) {
      const auto ref = take_one(snapshots, SnapshotKind::kCut, 640, 360);
      ASSERT_TRUE(ref);
      files.push_back(ref->file);
    }
  }
  for (const std::string &file : files) EXPECT_EQ(decode(file).width, 640) << file;
  EXPECT_EQ(Index(dir_ + "/index.json").size(), Snapshots::kMaxQueued);
  EXPECT_TRUE(warnings().empty());
}

TEST_F(SnapshotsTest, ACorruptIndexIsMovedAsideAndANewOneStarts) {
  ASSERT_EQ(g_mkdir(dir_.c_str(), 0755), 0);
  ASSERT_TRUE(g_file_set_contents((dir_ + "/index.json").c_str(), "[{\"id\": ", -1, nullptr));
  {
    Snapshots snapshots(settings(), collect());
    EXPECT_TRUE(snapshots.enabled());
    ASSERT_TRUE(take_one(snapshots));
  }
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_NE(warnings()[0].find("index.json.corrupt-1"), std::string::npos) << warnings()[0];
  EXPECT_EQ(read_text(dir_ + "/index.json.corrupt-1"), "[{\"id\": ");
  EXPECT_EQ(Index(dir_ + "/index.json").size(), 1u);
}

TEST_F(SnapshotsTest, SnapshotFilesAlreadyThereAreNeverReplaced) {
  ASSERT_EQ(g_mkdir(dir_.c_str(), 0755), 0);
  ASSERT_TRUE(g_file_set_contents((dir_ + "/F0041.jpg").c_str(), "older", -1, nullptr));
  {
    Snapshots snapshots(settings(), collect());
    const auto ref = take_one(snapshots);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->id, "F0042");
  }
  EXPECT_EQ(read_text(dir_ + "/F0041.jpg"), "older");
}

TEST_F(SnapshotsTest, AnIndexElsewhereNamesTheFilesByTheirFullPath) {
  SnapshotSettings s = settings();
  s.index_location = root_ + "/agent/list.json";
  {
    Snapshots snapshots(s, collect());
    ASSERT_TRUE(take_one(snapshots));
  }
  const Index index(s.index_location);
  ASSERT_EQ(index.size(), 1u);
  const std::string path = index.field(0, "path");
  EXPECT_TRUE(g_path_is_absolute(path.c_str())) << path;
  EXPECT_TRUE(exists(path)) << path;
  EXPECT_FALSE(exists(dir_ + "/index.json"));
}

TEST_F(SnapshotsTest, AnUnusableDirectoryWarnsOnceAndTakesNothing) {
  const std::string file = root_ + "/a-file";
  ASSERT_TRUE(g_file_set_contents(file.c_str(), "", -1, nullptr));
  SnapshotSettings s;
  s.directory = file + "/shots";
  {
    Snapshots snapshots(s, collect());
    EXPECT_FALSE(snapshots.enabled());
    EXPECT_FALSE(take_one(snapshots));
    EXPECT_FALSE(take_one(snapshots));
  }
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_NE(warnings()[0].find(s.directory), std::string::npos) << warnings()[0];
  EXPECT_NE(warnings()[0].find("no snapshots"), std::string::npos) << warnings()[0];
}

TEST_F(SnapshotsTest, NoDirectoryMeansOffWithoutAWarning) {
  Snapshots snapshots(SnapshotSettings{}, collect());
  EXPECT_FALSE(snapshots.enabled());
  EXPECT_FALSE(take_one(snapshots));
  EXPECT_TRUE(warnings().empty());
}

TEST_F(SnapshotsTest, AFailedWriteWarnsAndTheNextSnapshotIsTried) {
  {
    Snapshots snapshots(settings(), collect());
    // A directory in the way of the first JPEG, made after the start: its rename fails.
    ASSERT_EQ(g_mkdir_with_parents((dir_ + "/F0001.jpg/x").c_str(), 0755), 0);
    const auto first = take_one(snapshots);
    const auto second = take_one(snapshots);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->id, "F0001");
    EXPECT_EQ(second->id, "F0002");
  }
  ASSERT_EQ(warnings().size(), 1u);
  EXPECT_NE(warnings()[0].find("snapshot F0001 not saved"), std::string::npos) << warnings()[0];
  const Index index(dir_ + "/index.json");
  ASSERT_EQ(index.size(), 1u);
  EXPECT_EQ(index.field(0, "id"), "F0002");
  EXPECT_EQ(decode(dir_ + "/F0002.jpg").width, 64);
}

TEST_F(SnapshotsTest, AWorkerFarBehindDropsFramesWithOneWarningInsteadOfHoldingThem) {
  // The worker is held inside the warning about the first snapshot (its file cannot be
  // written) until the queue behind it has been filled.
  std::mutex mutex;
  std::condition_variable changed;
  bool worker_held = false, released = false;
  std::vector<std::string> seen;
  auto warn = [&](const std::string &text) {
    std::unique_lock<std::mutex> lock(mutex);
    seen.push_back(text);
    if (text.find("F0001 not saved") == std::string::npos) return;
    worker_held = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
  };
  {
    Snapshots snapshots(settings(), warn);
    ASSERT_EQ(g_mkdir_with_parents((dir_ + "/F0001.jpg/x").c_str(), 0755), 0);
    ASSERT_TRUE(take_one(snapshots));
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return worker_held; });
    }
    for (size_t i = 0; i < Snapshots::kMaxQueued; i++) ASSERT_TRUE(take_one(snapshots)) << i;
    EXPECT_FALSE(take_one(snapshots));
    EXPECT_FALSE(take_one(snapshots));
    {
      std::lock_guard<std::mutex> lock(mutex);
      released = true;
    }
    changed.notify_all();
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NE(seen[1].find("dropped"), std::string::npos) << seen[1];
  // The queued frames were all written; a dropped frame takes no id.
  const Index index(dir_ + "/index.json");
  ASSERT_EQ(index.size(), Snapshots::kMaxQueued);
  EXPECT_EQ(index.field(0, "id"), "F0002");
  EXPECT_EQ(index.field(Snapshots::kMaxQueued - 1, "id"), snapshot_id(Snapshots::kMaxQueued + 1));
}

TEST_F(SnapshotsTest, AZeroSizedPictureGivesNoSnapshotAndOneWarning) {
  Snapshots snapshots(settings(), collect());
  GstVideoInfo info;
  gst_video_info_init(&info);
  BufferPtr frame(gst_buffer_new());
  EXPECT_FALSE(snapshots.take(frame.get(), info, SnapshotFacts{}));
  EXPECT_FALSE(snapshots.take(frame.get(), info, SnapshotFacts{}));
  EXPECT_EQ(warnings().size(), 1u);
  EXPECT_TRUE(take_one(snapshots));  // the stream goes on and so do snapshots
}
