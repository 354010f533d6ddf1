#include "snapshots.h"

#include <glib/gstdio.h>
#include <jpeglib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "core/scene_index.h"
#include "onair/gst_ptr.h"

namespace onair::scene {

namespace {

using Warn = std::function<void(const std::string &)>;

// Baseline JPEG cannot describe a larger picture.
constexpr int kMaxJpegSide = 65500;

struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_jpeg_error(j_common_ptr jpeg) {
  auto *error = reinterpret_cast<JpegError *>(jpeg->err);
  (*jpeg->err->format_message)(jpeg, error->message);
  std::longjmp(error->jump, 1);
}

void write_rows(jpeg_compress_struct *jpeg, const guint8 *pixels, int stride) {
  while (jpeg->next_scanline < jpeg->image_height) {
    auto *row = const_cast<JSAMPROW>(pixels + static_cast<size_t>(jpeg->next_scanline) * stride);
    jpeg_write_scanlines(jpeg, &row, 1);
  }
}

// JPEG bytes (malloc'd by libjpeg into *out) of packed RGB pixels; false with `message` set.
// libjpeg reports errors by longjmp, so nothing here has a destructor.
bool compress_rgb(const guint8 *pixels, int stride, int width, int height, int quality,
                  unsigned char **out, unsigned long *size, char (&message)[JMSG_LENGTH_MAX]) {
  jpeg_compress_struct jpeg;
  JpegError error;
  jpeg.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = on_jpeg_error;
  if (setjmp(error.jump)) {
    jpeg_destroy_compress(&jpeg);
    std::memcpy(message, error.message, sizeof message);
    return false;
  }
  jpeg_create_compress(&jpeg);
  jpeg_mem_dest(&jpeg, out, size);
  jpeg.image_width = static_cast<JDIMENSION>(width);
  jpeg.image_height = static_cast<JDIMENSION>(height);
  jpeg.input_components = 3;
  jpeg.in_color_space = JCS_RGB;
  jpeg_set_defaults(&jpeg);
  jpeg_set_quality(&jpeg, quality, TRUE);
  jpeg_start_compress(&jpeg, TRUE);
  write_rows(&jpeg, pixels, stride);
  jpeg_finish_compress(&jpeg);
  jpeg_destroy_compress(&jpeg);
  return true;
}

struct VideoFrameUnmap {
  void operator()(GstVideoFrame *frame) const { gst_video_frame_unmap(frame); }
};
using MappedFrame = std::unique_ptr<GstVideoFrame, VideoFrameUnmap>;

// The JPEG of a raw frame in any format GstVideoInfo describes. Throws FileError (the
// snapshot's own trouble, not the element's).
std::string encode_jpeg(GstBuffer *buffer, const GstVideoInfo &info, int quality) {
  GstVideoInfo in = info;
  GstVideoInfo rgb;
  gst_video_info_set_interlaced_format(&rgb, GST_VIDEO_FORMAT_RGB, in.interlace_mode,
                                       static_cast<guint>(in.width), static_cast<guint>(in.height));
  // The converter changes formats only, never the frame rate.
  rgb.fps_n = in.fps_n;
  rgb.fps_d = in.fps_d;
  GstVideoFrame in_frame, rgb_frame;
  if (!gst_video_frame_map(&in_frame, &in, buffer, GST_MAP_READ))
    throw FileError("the frame is smaller than its caps say");
  const MappedFrame in_mapped(&in_frame);
  const BufferPtr rgb_buffer(gst_buffer_new_allocate(nullptr, rgb.size, nullptr));
  if (!rgb_buffer || !gst_video_frame_map(&rgb_frame, &rgb, rgb_buffer.get(), GST_MAP_WRITE))
    throw FileError("out of memory for the picture");
  const MappedFrame rgb_mapped(&rgb_frame);
  GstVideoConverter *converter = gst_video_converter_new(&in, &rgb, nullptr);
  if (!converter) throw FileError("cannot convert the frame's format to RGB");
  gst_video_converter_frame(converter, &in_frame, &rgb_frame);
  gst_video_converter_free(converter);

  unsigned char *bytes = nullptr;
  unsigned long size = 0;
  char message[JMSG_LENGTH_MAX] = {};
  const bool ok =
      compress_rgb(static_cast<const guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&rgb_frame, 0)),
                   GST_VIDEO_FRAME_PLANE_STRIDE(&rgb_frame, 0), in.width, in.height,
                   std::clamp(quality, 1, 100), &bytes, &size, message);
  std::string jpeg = ok ? std::string(reinterpret_cast<const char *>(bytes), size) : std::string();
  std::free(bytes);
  if (!ok) throw FileError(std::string("JPEG encoding failed: ") + message);
  return jpeg;
}

std::string parent_of(const std::string &path) {
  gchar *dir = g_path_get_dirname(path.c_str());
  std::string out = dir;
  g_free(dir);
  return out;
}

// The same directory, however it is spelled ("shots", "./shots/", a link to it).
bool same_directory(const std::string &a, const std::string &b) {
  char *ra = realpath(a.c_str(), nullptr);
  char *rb = realpath(b.c_str(), nullptr);
  const bool same = ra && rb && std::strcmp(ra, rb) == 0;
  std::free(ra);
  std::free(rb);
  return same;
}

// The highest N of the F<N>.jpg files in `dir`: ids at or below it would replace them.
uint64_t highest_snapshot_file(const std::string &dir) {
  uint64_t highest = 0;
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d) return 0;
  while (const gchar *name = g_dir_read_name(d)) {
    const std::string_view n(name);
    if (n.size() > 4 && n.substr(n.size() - 4) == ".jpg")
      highest = std::max(highest, snapshot_number(n.substr(0, n.size() - 4)).value_or(0));
  }
  g_dir_close(d);
  return highest;
}

void make_directory(const std::string &dir, const char *what) {
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0)
    throw FileError(std::string("cannot create the ") + what + " '" + dir +
                    "': " + g_strerror(errno));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw FileError(std::string("cannot write into the ") + what + " '" + dir +
                    "': " + g_strerror(errno));
}

std::optional<double> seconds(GstClockTime t) {
  if (!GST_CLOCK_TIME_IS_VALID(t)) return std::nullopt;
  return static_cast<double>(t) / GST_SECOND;
}

}  // namespace

const char *kind_name(SnapshotKind kind) {
  switch (kind) {
    case SnapshotKind::kGradual:
      return "gradual";
    case SnapshotKind::kManual:
      return "manual";
    case SnapshotKind::kCut:
      break;
  }
  return "cut";
}

class Snapshots::Worker {
 public:
  Worker(const SnapshotSettings &settings, Warn warn)
      : warn_(std::move(warn)),
        directory_(settings.directory),
        quality_(settings.jpeg_quality),
        index_(
            settings.index_location.empty() ? directory_ + "/index.json" : settings.index_location,
            warn_) {
    make_directory(directory_, "snapshot directory");
    make_directory(parent_of(index_.path()), "index directory");
    index_.load();
    index_.continue_after(highest_snapshot_file(directory_));
    // Paths in the index are relative to the index, as an agent reading it expects.
    if (!same_directory(parent_of(index_.path()), directory_)) {
      char *full = realpath(directory_.c_str(), nullptr);
      path_prefix_ = std::string(full ? full : directory_.c_str()) + "/";
      std::free(full);
    }
    thread_ = std::thread([this] { run(); });
  }

  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  std::optional<SnapshotRef> take(GstBuffer *frame, const GstVideoInfo &info,
                                  const SnapshotFacts &facts) {
    if (info.width <= 0 || info.height <= 0 || info.width > kMaxJpegSide ||
        info.height > kMaxJpegSide) {
      warn_once(size_warned_, "no snapshot of a " + std::to_string(info.width) + "x" +
                                  std::to_string(info.height) + " picture (JPEG needs 1 to " +
                                  std::to_string(kMaxJpegSide) + " pixels a side)");
      return std::nullopt;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      const bool first = !dropping_;
      dropping_ = true;
      lock.unlock();
      if (first)
        warn_(
            "snapshots are written more slowly than scenes change; frames are dropped "
            "without a snapshot until the writer catches up");
      return std::nullopt;
    }
    const std::string id = index_.reserve_id();
    Job job{BufferPtr(gst_buffer_ref(frame)), info, facts,
            SnapshotRef{id, path_prefix_ + id + ".jpg", directory_ + "/" + id + ".jpg"}};
    SnapshotRef ref = job.ref;
    queue_.push_back(std::move(job));
    lock.unlock();
    wake_.notify_one();
    return ref;
  }

 private:
  struct Job {
    BufferPtr frame;
    GstVideoInfo info;
    SnapshotFacts facts;
    SnapshotRef ref;
  };

  void warn_once(std::atomic<bool> &warned, const std::string &text) {
    if (!warned.exchange(true)) warn_(text);
  }

  void run() {
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      Job job = std::move(queue_.front());
      queue_.pop_front();
      if (queue_.empty()) dropping_ = false;
      lock.unlock();
      save(job);
    }
  }

  void save(Job &job) {
    try {
      write_file_atomically(job.ref.file, encode_jpeg(job.frame.get(), job.info, quality_));
    } catch (const std::exception &e) {
      warn_("snapshot " + job.ref.id + " not saved: " + e.what() + "; the next one is tried");
      return;
    }
    job.frame.reset();  // upstream may be waiting for its buffer
    IndexEntry entry;
    entry.id = job.ref.id;
    entry.timestamp = job.facts.timestamp;
    entry.path = job.ref.path;
    entry.kind = kind_name(job.facts.kind);
    entry.score = job.facts.score;
    entry.running_time = seconds(job.facts.running_time);
    entry.stream_time = seconds(job.facts.stream_time);
    try {
      index_.add(std::move(entry));
    } catch (const std::exception &e) {
      warn_(std::string("the index was not updated: ") + e.what() + "; snapshot " + job.ref.id +
            " goes in with the next one");
    }
  }

  Warn warn_;
  std::string directory_;
  int quality_;
  SceneIndex index_;
  std::string path_prefix_;  // empty when the index is in the snapshot directory
  std::atomic<bool> size_warned_{false};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  bool dropping_ = false;
  std::thread thread_;
};

Snapshots::Snapshots(const SnapshotSettings &settings,
                     std::function<void(const std::string &)> warn) {
  if (settings.directory.empty()) return;
  try {
    worker_ = std::make_unique<Worker>(settings, warn);
  } catch (const FileError &e) {
    warn(std::string(e.what()) + "; no snapshots are taken");
  }
}

Snapshots::~Snapshots() = default;

bool Snapshots::enabled() const {
  return worker_ != nullptr;
}

std::optional<SnapshotRef> Snapshots::take(GstBuffer *frame, const GstVideoInfo &info,
                                           const SnapshotFacts &facts) {
  if (!worker_) return std::nullopt;
  return worker_->take(frame, info, facts);
}

}  // namespace onair::scene
