/**
 * SECTION:element-feedsrc
 * @title: feedsrc
 *
 * A live source for raw frames or raw sound that another party writes: a bot process
 * writing to standard input, a named pipe or a Unix socket, or an embedding program calling
 * the #GstFeedSrc::push-buffer action signal. However unevenly the writer writes, the output
 * is a steady live stream on the pipeline clock.
 *
 * Timing (the arrival-clock rule): the element outputs one buffer per slot of a fixed grid
 * of running time, starting at 0 when it first plays: video slot k has PTS k/framerate and
 * lasts one frame; audio comes in 20 ms chunks with sample-exact offsets. A slot's content
 * is chosen when the slot ends, so a frame that arrived during it still makes it out.
 * Frames keep their arrival order and each falls into the next free slot (so a burst plays
 * one frame a slot); a slot without a new frame repeats the last one (sharing its memory),
 * or shows black before the first. Sound waits in a buffer: after a gap it starts once
 * #GstFeedSrc:latency of it is buffered or its first byte has waited that long, and a slot
 * that finds too little is padded with silence, so a writer that sends sound only while it
 * speaks gives continuous sound without growing latency. Timestamps on pushed buffers are
 * ignored: the grid sets them.
 *
 * Wire format (#GstFeedSrc:framing=header, the default for video): each message is the 4
 * bytes `OAF1`, the payload length as uint32 little-endian, then the payload: one whole
 * frame (video) or any whole number of sample frames (audio). A message of the wrong size
 * is read, dropped and reported (`feedsrc-refused`); the stream stays aligned. A header
 * without the magic (or a length over 256 MiB) means the writer lost alignment: a warning,
 * then the element scans forward for the next `OAF1` (it keeps the connection).
 * framing=raw takes bare bytes as ffmpeg's `-f rawvideo` does.
 *
 * Element messages: `feedsrc-connected` (peer: stdin, pipe, socket, fd),
 * `feedsrc-disconnected` (partial-bytes, reason), `feedsrc-refused` (bytes, expected,
 * refused), `feedsrc-stalled` and `feedsrc-resumed` (stalled-for). See
 * docs/elements/feedsrc.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 feedsrc location=unix:/tmp/bot.sock
 *   caps="video/x-raw,format=BGRA,width=854,height=480,framerate=30/1" !
 *   videoconvert ! autovideosink
 * ]|
 */
#include "gstfeedsrc.h"

#include <fcntl.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/audio_buffer.h"
#include "core/frame_parser.h"
#include "core/location.h"
#include "core/video_slots.h"
#include "feedsrc_messages.h"
#include "onair/gst_ptr.h"
#include "onair/guard.h"
#include "onair/running_time.h"

GST_DEBUG_CATEGORY_STATIC(feed_src_debug);
#define GST_CAT_DEFAULT feed_src_debug

namespace feed = onair::feed;
namespace msg = onair::feedsrc_messages;
using onair::BufferPtr;

namespace {

enum FramingChoice { kFramingAuto, kFramingHeader, kFramingRaw };

constexpr guint kDefaultMaxQueued = 2;
constexpr guint64 kDefaultMaxBuffered = 30 * GST_SECOND;
constexpr guint64 kDefaultLatency = 40 * GST_MSECOND;
constexpr guint64 kDefaultStallTimeout = GST_SECOND;

struct Settings {
  std::shared_ptr<GstCaps> caps;
  std::string location;
  FramingChoice framing = kFramingAuto;
  guint max_queued = kDefaultMaxQueued;
  guint64 max_buffered = kDefaultMaxBuffered;
  guint64 latency = kDefaultLatency;
  guint64 stall_timeout = kDefaultStallTimeout;
  bool end_on_close = false;
};

// The stream the caps describe, checked in start().
struct Media {
  bool video = true;
  GstVideoInfo video_info;
  gint rate = 0;
  gint channels = 0;
  uint64_t frame_size = 0;         // video
  uint64_t sample_frame_size = 0;  // audio
  std::string description;         // "854x480 BGRA" / "S16LE 2 channels 48000 Hz"
};

struct Counters {
  guint64 received = 0;
  guint64 repeated = 0;
  guint64 refused = 0;
  guint64 bytes = 0;
  guint64 silence_samples = 0;
  gint rate = 0;  // for silence_samples in ns
  bool connected = false;
  bool stalled = false;
};

// Runtime state: built in start(), dropped in stop(); under Priv::lock.
struct State {
  Media media;
  guint64 latency = 0;
  std::optional<feed::VideoSlots> video;
  std::optional<feed::AudioBuffer> audio;
  std::deque<BufferPtr> frames;  // video frames waiting for their slot, oldest first
  BufferPtr last_frame;          // what a slot without a new frame shows (black at first)
  guint64 slot = 0;              // the next slot's index
  bool first_slot = true;
  bool ending = false;  // EOS once what is queued has played
  bool flushing = false;
  GstClockID clock_wait = nullptr;  // create()'s wait, for unlock()
  std::vector<uint8_t> push_carry;  // audio: an incomplete sample frame pushed last
  feed::WarningLimiter refusal_warnings;
  bool warned_alignment = false;
};

struct Reader;

struct Priv {
  std::mutex settings_lock;
  Settings settings;

  std::mutex lock;               // guards everything below
  std::condition_variable room;  // signalled when queued data left, and on stop
  std::optional<State> state;
  Counters counters;

  std::unique_ptr<Reader> reader;  // only start()/stop() touch it
};

enum {
  PROP_0,
  PROP_CAPS,
  PROP_LOCATION,
  PROP_FRAMING,
  PROP_MAX_QUEUED,
  PROP_MAX_BUFFERED,
  PROP_LATENCY,
  PROP_STALL_TIMEOUT,
  PROP_END_ON_CLOSE,
  PROP_FRAMES_RECEIVED,
  PROP_FRAMES_REPEATED,
  PROP_FRAMES_REFUSED,
  PROP_BYTES_RECEIVED,
  PROP_SILENCE_INSERTED,
  PROP_CONNECTED,
  PROP_STATS,
};

GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw; audio/x-raw, format=S16LE, layout=interleaved"));

GType framing_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {kFramingAuto, "header for video, raw for audio", "auto"},
        {kFramingHeader, "every message: OAF1, uint32 LE payload length, payload", "header"},
        {kFramingRaw, "bare bytes: video cut every frame size, audio as it comes", "raw"},
        {0, nullptr, nullptr}};
    g_once_init_leave(&type, g_enum_register_static("GstFeedSrcFraming", values));
  }
  return type;
}

}  // namespace

struct _GstFeedSrc {
  GstPushSrc parent;
  Priv *priv;
};

G_DEFINE_TYPE(GstFeedSrc, gst_feed_src, GST_TYPE_PUSH_SRC)
GST_ELEMENT_REGISTER_DEFINE(feedsrc, "feedsrc", GST_RANK_NONE, GST_TYPE_FEED_SRC)

namespace {

using Self = GstFeedSrc;

GstElement *element_of(Self *self) {
  return GST_ELEMENT_CAST(self);
}

Settings settings_of(Self *self) {
  std::lock_guard lock(self->priv->settings_lock);
  return self->priv->settings;
}

void post(Self *self, GstStructure *s) {
  gst_element_post_message(element_of(self), gst_message_new_element(GST_OBJECT_CAST(self), s));
}

guint64 silence_ns(const Counters &c) {
  return c.rate > 0 ? gst_util_uint64_scale(c.silence_samples, GST_SECOND, c.rate) : 0;
}

// ---- caps ----

// The caps as offered: the user's, with audio's layout filled in when left out.
GstCaps *offered_caps(const Settings &s) {
  if (!s.caps) return nullptr;
  GstCaps *caps = gst_caps_copy(s.caps.get());
  for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
    GstStructure *st = gst_caps_get_structure(caps, i);
    if (gst_structure_has_name(st, "audio/x-raw") && !gst_structure_has_field(st, "layout"))
      gst_structure_set(st, "layout", G_TYPE_STRING, "interleaved", nullptr);
  }
  return caps;
}

// The media the caps describe, or the reason they cannot be used.
std::optional<Media> media_of(GstCaps *caps, std::string &why) {
  if (!caps) {
    why = "set the caps property (fixed video/x-raw or audio/x-raw, format=S16LE)";
    return std::nullopt;
  }
  if (!gst_caps_is_fixed(caps)) {
    why = "the caps must be fixed (one structure, every field one value)";
    return std::nullopt;
  }
  Media m;
  const GstStructure *st = gst_caps_get_structure(caps, 0);
  if (gst_structure_has_name(st, "video/x-raw")) {
    if (!gst_video_info_from_caps(&m.video_info, caps)) {
      why = "the video caps need format, width and height";
      return std::nullopt;
    }
    const GstVideoInfo &vi = m.video_info;
    if (GST_VIDEO_INFO_FPS_N(&vi) <= 0 || GST_VIDEO_INFO_FPS_D(&vi) <= 0) {
      why = "the video caps need a framerate above 0 (feedsrc outputs frames at that rate)";
      return std::nullopt;
    }
    if (GST_VIDEO_INFO_N_PLANES(&vi) != 1 || GST_VIDEO_FORMAT_INFO_IS_COMPLEX(vi.finfo)) {
      why = std::string("video format ") + GST_VIDEO_INFO_NAME(&vi) +
            " is not a packed format; use BGRA, BGRx, RGBA or another single-plane format";
      return std::nullopt;
    }
    m.frame_size = GST_VIDEO_INFO_SIZE(&vi);
    m.description = std::to_string(GST_VIDEO_INFO_WIDTH(&vi)) + "x" +
                    std::to_string(GST_VIDEO_INFO_HEIGHT(&vi)) + " " + GST_VIDEO_INFO_NAME(&vi);
    return m;
  }
  if (gst_structure_has_name(st, "audio/x-raw")) {
    GstAudioInfo ai;
    if (!gst_audio_info_from_caps(&ai, caps)) {
      why = "the audio caps need format, rate and channels";
      return std::nullopt;
    }
    if (GST_AUDIO_INFO_FORMAT(&ai) != GST_AUDIO_FORMAT_S16LE ||
        GST_AUDIO_INFO_LAYOUT(&ai) != GST_AUDIO_LAYOUT_INTERLEAVED) {
      why = "audio must be format=S16LE, layout=interleaved";
      return std::nullopt;
    }
    m.video = false;
    m.rate = GST_AUDIO_INFO_RATE(&ai);
    m.channels = GST_AUDIO_INFO_CHANNELS(&ai);
    m.sample_frame_size = static_cast<uint64_t>(GST_AUDIO_INFO_BPF(&ai));
    m.description =
        "S16LE " + std::to_string(m.channels) + " channels " + std::to_string(m.rate) + " Hz";
    return m;
  }
  why = std::string("caps ") + gst_structure_get_name(st) +
        " are not raw video or raw audio (video/x-raw, audio/x-raw)";
  return std::nullopt;
}

// An opaque black picture: RGB 0 with alpha 255, YUV 16/128 (8-bit components; others 0).
BufferPtr black_frame(const GstVideoInfo &vi) {
  BufferPtr buffer(gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&vi), nullptr));
  GstMapInfo map;
  gst_buffer_map(buffer.get(), &map, GST_MAP_WRITE);
  std::memset(map.data, 0, map.size);
  const GstVideoFormatInfo *f = vi.finfo;
  const bool yuv = GST_VIDEO_FORMAT_INFO_IS_YUV(f);
  for (guint c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS(f); ++c) {
    if (GST_VIDEO_FORMAT_INFO_DEPTH(f, c) != 8 || GST_VIDEO_FORMAT_INFO_SHIFT(f, c) != 0) continue;
    const bool alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(f) && c == GST_VIDEO_COMP_A;
    const guint8 value = alpha ? 255 : !yuv ? 0 : c == GST_VIDEO_COMP_Y ? 16 : 128;
    if (value == 0) continue;
    const gint width = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH(f, c, GST_VIDEO_INFO_WIDTH(&vi));
    const gint pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE(f, c);
    for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT(&vi); ++y) {
      guint8 *row = map.data + GST_VIDEO_INFO_PLANE_OFFSET(&vi, 0) +
                    static_cast<gsize>(y) * GST_VIDEO_INFO_PLANE_STRIDE(&vi, 0) +
                    GST_VIDEO_FORMAT_INFO_POFFSET(f, c);
      for (gint x = 0; x < width; ++x) row[static_cast<gsize>(x) * pstride] = value;
    }
  }
  gst_buffer_unmap(buffer.get(), &map);
  return buffer;
}

// ---- what the reader and push-buffer hand over ----

void warn_refused(Self *self, const Media &media, uint64_t bytes, uint64_t expected) {
  guint64 refused = 0;
  bool warn = false;
  uint64_t held_back = 0;
  {
    std::lock_guard lock(self->priv->lock);
    refused = ++self->priv->counters.refused;
    if (self->priv->state)
      warn =
          self->priv->state->refusal_warnings.should_warn(g_get_monotonic_time() * 1000, held_back);
  }
  if (warn) {
    std::string text =
        media.video
            ? "frame of " + std::to_string(bytes) + " bytes refused: the caps ask for " +
                  media.description + ", " + std::to_string(expected) + " bytes a frame"
            : "sound of " + std::to_string(bytes) + " bytes refused: not a whole number of " +
                  std::to_string(expected) + "-byte sample frames (" + media.description + ")";
    if (held_back > 0) text += " (" + std::to_string(held_back) + " more refused since)";
    GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("%s", text.c_str()),
                        ("%" G_GUINT64_FORMAT " refused in all", refused));
  }
  post(self, gst_structure_new(msg::kRefused, msg::kBytes, G_TYPE_UINT64, bytes, msg::kExpected,
                               G_TYPE_UINT64, expected, msg::kRefusedCount, G_TYPE_UINT64, refused,
                               nullptr));
}

// Queues a whole frame, waiting for room (back-pressure). False when the element stopped.
bool queue_frame(Self *self, BufferPtr frame) {
  Priv *p = self->priv;
  std::unique_lock lock(p->lock);
  p->room.wait(lock, [p] { return !p->state || p->state->video->has_room(); });
  if (!p->state) return false;
  p->state->frames.push_back(std::move(frame));
  p->state->video->on_frame();
  ++p->counters.received;
  return true;
}

// Queues sound (whole sample frames), waiting for room. False when the element stopped.
bool queue_sound(Self *self, const uint8_t *data, size_t n) {
  Priv *p = self->priv;
  const int64_t arrival = onair::clock_running_time(element_of(self));
  std::unique_lock lock(p->lock);
  p->room.wait(lock, [p, n] { return !p->state || p->state->audio->can_take(n); });
  if (!p->state) return false;
  p->state->audio->push(data, n, arrival == onair::kUnknownTime ? 0 : arrival);
  ++p->counters.received;
  return true;
}

// ---- the reader thread: a writer on stdin, a pipe, a socket or a descriptor ----

struct Reader {
  Self *self = nullptr;
  feed::Location location;
  Media media;
  bool end_on_close = false;
  int wake[2] = {-1, -1};
  int listen_fd = -1;
  int fd = -1;             // the data being read
  bool owns_fd = false;    // a pipe or an accepted connection; not stdin or fd:N
  bool exhausted = false;  // no more writers can come (stdin or fd:N at its end; end-on-close)
  bool connected = false;
  std::optional<feed::FrameParser> parser;
  std::vector<feed::ParserEvent> events;
  BufferPtr frame;  // video: the frame being read into, mapped
  GstMapInfo frame_map{};
  std::vector<uint8_t> message;  // audio with headers: the message being read
  std::thread thread;

  ~Reader() {
    release_frame();
    for (int f : {wake[0], wake[1], listen_fd})
      if (f >= 0) close(f);
    if (owns_fd && fd >= 0) close(fd);
    if (listen_fd >= 0) unlink(location.path.c_str());
  }

  const char *peer() const {
    switch (location.kind) {
      case feed::Location::Kind::kStdin:
        return "stdin";
      case feed::Location::Kind::kPipe:
        return "pipe";
      case feed::Location::Kind::kSocket:
        return "socket";
      default:
        return "fd";
    }
  }

  void release_frame() {
    if (frame) gst_buffer_unmap(frame.get(), &frame_map);
    frame.reset();
  }

  void set_connected(bool now) {
    connected = now;
    std::lock_guard lock(self->priv->lock);
    self->priv->counters.connected = now;
  }

  // start(): opens what the location names. False with the reason (and the errno text).
  bool open(std::string &why, std::string &detail) {
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
      why = "could not create a wake-up pipe";
      detail = g_strerror(errno);
      return false;
    }
    switch (location.kind) {
      case feed::Location::Kind::kStdin:
      case feed::Location::Kind::kFd:
        if (fcntl(location.fd, F_GETFL) < 0) {
          why = "descriptor " + std::to_string(location.fd) + " is not open";
          detail = g_strerror(errno);
          return false;
        }
        fd = location.fd;
        return true;
      case feed::Location::Kind::kPipe:
        return open_pipe(why, detail);
      case feed::Location::Kind::kSocket:
        return open_socket(why, detail);
      default:
        return true;
    }
  }

  bool open_pipe(std::string &why, std::string &detail) {
    const char *path = location.path.c_str();
    struct stat st;
    if (lstat(path, &st) != 0) {
      if (errno != ENOENT || mkfifo(path, 0600) != 0) {
        why = "could not create the named pipe " + location.path;
        detail = g_strerror(errno);
        return false;
      }
    } else if (!S_ISFIFO(st.st_mode)) {
      why = location.path +
            " exists and is not a named pipe (location names a pipe to read; "
            "use unix:PATH for a socket, - for standard input)";
      return false;
    }
    // Non-blocking, so opening does not wait for a writer; poll() tells when data comes.
    fd = ::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      why = "could not open the named pipe " + location.path;
      detail = g_strerror(errno);
      return false;
    }
    owns_fd = true;
    return true;
  }

  bool open_socket(std::string &why, std::string &detail) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (location.path.size() >= sizeof address.sun_path) {
      why = "socket path " + location.path + " is too long";
      return false;
    }
    std::memcpy(address.sun_path, location.path.c_str(), location.path.size() + 1);
    const auto *sa = reinterpret_cast<const sockaddr *>(&address);
    struct stat st;
    if (lstat(address.sun_path, &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        why = location.path + " exists and is not a socket";
        return false;
      }
      // A socket file nobody listens on is left over from an earlier run: replace it.
      const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const bool in_use = probe >= 0 && connect(probe, sa, sizeof address) == 0;
      const int probe_errno = errno;
      if (probe >= 0) close(probe);
      if (in_use || probe_errno != ECONNREFUSED) {
        why = location.path + " is in use by another program";
        detail = in_use ? "a program listens on it" : g_strerror(probe_errno);
        return false;
      }
      unlink(address.sun_path);
    }
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd < 0 || bind(listen_fd, sa, sizeof address) != 0) {
      why = "could not create the socket " + location.path;
      detail = g_strerror(errno);
      if (listen_fd >= 0) close(listen_fd);
      listen_fd = -1;
      return false;
    }
    if (chmod(address.sun_path, 0600) != 0 || listen(listen_fd, 4) != 0) {
      why = "could not listen on the socket " + location.path;
      detail = g_strerror(errno);
      return false;
    }
    return true;
  }

  void stop() {
    const char byte = 0;
    if (wake[1] >= 0 && write(wake[1], &byte, 1) < 0) GST_WARNING("wake-up write failed");
    if (thread.joinable()) thread.join();
  }

  void run() {
    while (step()) {
    }
  }

  // One wait and what follows it; false once the element stops.
  bool step() {
    if (const uint64_t want = parser->frame_wanted()) {
      attach(want);
      return handle_events();
    }
    pollfd fds[3] = {{wake[0], POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
    if (fd >= 0 && !exhausted) fds[1].fd = fd;
    if (listen_fd >= 0 && !exhausted) fds[2].fd = listen_fd;
    if (poll(fds, 3, -1) < 0) return errno == EINTR || errno == EAGAIN;
    if (fds[0].revents) return false;
    if (fds[2].revents & POLLIN) accept_writer();
    if (fds[1].fd >= 0 && fds[1].revents) return read_some();
    return true;
  }

  void attach(uint64_t size) {
    if (media.video) {
      frame.reset(gst_buffer_new_allocate(nullptr, size, nullptr));
      gst_buffer_map(frame.get(), &frame_map, GST_MAP_WRITE);
      parser->attach_frame(frame_map.data, events);
    } else {
      message.resize(size);
      parser->attach_frame(message.data(), events);
    }
  }

  void accept_writer() {
    const int conn = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn < 0) return;  // gone again, or EAGAIN
    if (fd >= 0) {
      GST_ELEMENT_WARNING(
          self, RESOURCE, READ,
          ("a new writer connected to %s; the previous one was dropped", location.path.c_str()),
          (nullptr));
      writer_gone("replaced by a new connection");
    }
    fd = conn;
    owns_fd = true;
    announce_connected();
  }

  void announce_connected() {
    set_connected(true);
    GST_INFO_OBJECT(self, "writer connected (%s)", peer());
    post(self, gst_structure_new(msg::kConnected, msg::kPeer, G_TYPE_STRING, peer(), nullptr));
  }

  bool read_some() {
    std::span<uint8_t> target = parser->read_target();
    if (!media.video) {
      // Raw sound is read only as far as the buffer has room: back-pressure on the writer.
      std::unique_lock lock(self->priv->lock);
      Priv *p = self->priv;
      p->room.wait(lock, [p] { return !p->state || p->state->audio->room() > 0; });
      if (!p->state) return false;
      target = target.first(std::min<uint64_t>(target.size(), p->state->audio->room()));
    }
    const ssize_t n = read(fd, target.data(), target.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return true;
      const std::string why = std::string("read error: ") + g_strerror(errno);
      GST_ELEMENT_WARNING(self, RESOURCE, READ, ("could not read from the writer (%s)", peer()),
                          ("%s", why.c_str()));
      writer_gone(why);
      return true;
    }
    if (n == 0) {
      writer_gone("the writer closed");
      return true;
    }
    if (!connected) announce_connected();
    {
      std::lock_guard lock(self->priv->lock);
      self->priv->counters.bytes += static_cast<guint64>(n);
    }
    parser->commit(static_cast<size_t>(n), events);
    return handle_events();
  }

  // False when the element stopped while a frame waited for room.
  bool handle_events() {
    bool running = true;
    for (const feed::ParserEvent &e : events) {
      switch (e.kind) {
        case feed::ParserEvent::Kind::kFrame:
          if (media.video) {
            gst_buffer_unmap(frame.get(), &frame_map);
            BufferPtr done = std::move(frame);
            running = running && queue_frame(self, std::move(done));
          } else {
            running = running && queue_sound(self, message.data(), message.size());
          }
          break;
        case feed::ParserEvent::Kind::kSound:
          running = running && queue_sound(self, e.sound.data(), e.sound.size());
          break;
        case feed::ParserEvent::Kind::kRefused:
          warn_refused(self, media, e.bytes, e.expected);
          break;
        case feed::ParserEvent::Kind::kLostAlignment:
          lost_alignment();
          break;
      }
    }
    events.clear();
    return running;
  }

  void lost_alignment() {
    bool first = false;
    {
      std::lock_guard lock(self->priv->lock);
      if (self->priv->state && !self->priv->state->warned_alignment)
        first = self->priv->state->warned_alignment = true;
    }
    GST_DEBUG_OBJECT(self, "lost frame alignment; scanning for the next OAF1 header");
    if (first)
      GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                          ("lost frame alignment on the %s writer: no OAF1 header where a message "
                           "should start; is the writer sending the 8-byte OAF1 header? "
                           "(framing=raw takes bare frames)",
                           peer()),
                          ("scanning forward for the next OAF1 header"));
  }

  // The writer went away (or was replaced): drop what it left unfinished, tell, and wait for
  // the next writer (a pipe is reopened; stdin and fd:N have no next writer).
  void writer_gone(const std::string &reason) {
    const feed::Partial partial = parser->reset();
    release_frame();
    if (partial.bytes > 0) {
      const char *what = partial.in_header ? "a message header"
                         : media.video     ? "a frame"
                                           : "a sound message";
      GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                          ("the writer went away %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                           " bytes into %s; the partial %s was dropped",
                           partial.bytes, partial.expected, what,
                           partial.in_header ? "header"
                           : media.video     ? "frame"
                                             : "sound"),
                          ("%s", reason.c_str()));
    }
    const bool was_connected = connected;
    if (was_connected) set_connected(false);
    switch (location.kind) {
      case feed::Location::Kind::kPipe: {
        // Open the new end before closing the old one, so a writer that opens in between
        // never finds the pipe without a reader.
        const int next = ::open(location.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (next < 0) {
          GST_ELEMENT_WARNING(
              self, RESOURCE, OPEN_READ,
              ("could not reopen the named pipe %s for the next writer", location.path.c_str()),
              ("%s", g_strerror(errno)));
          exhausted = true;
        }
        close(fd);
        fd = next;
        break;
      }
      case feed::Location::Kind::kSocket:
        close(fd);
        fd = -1;
        break;
      default:
        exhausted = true;
        break;
    }
    if (was_connected || partial.bytes > 0) {
      GST_INFO_OBJECT(self, "writer gone: %s", reason.c_str());
      post(self,
           gst_structure_new(msg::kDisconnected, msg::kPartialBytes, G_TYPE_UINT64, partial.bytes,
                             msg::kReason, G_TYPE_STRING, reason.c_str(), nullptr));
    }
    if (end_on_close && reason != "replaced by a new connection") {
      exhausted = true;
      std::lock_guard lock(self->priv->lock);
      if (self->priv->state) self->priv->state->ending = true;
    }
  }
};

// ---- output timing ----

// Running time (ns) at which slot k starts.
GstClockTime slot_start(const Media &m, guint64 k) {
  if (m.video)
    return gst_util_uint64_scale(k, GST_SECOND * GST_VIDEO_INFO_FPS_D(&m.video_info),
                                 GST_VIDEO_INFO_FPS_N(&m.video_info));
  return gst_util_uint64_scale(feed::chunk_start(k, m.rate), GST_SECOND, m.rate);
}

// The slot that contains running time t.
guint64 slot_at(const Media &m, GstClockTime t) {
  if (m.video)
    return gst_util_uint64_scale(t, GST_VIDEO_INFO_FPS_N(&m.video_info),
                                 GST_SECOND * GST_VIDEO_INFO_FPS_D(&m.video_info));
  guint64 k = gst_util_uint64_scale(t, feed::kChunksPerSecond, GST_SECOND);
  while (k > 0 && slot_start(m, k) > t) --k;
  return k;
}

GstClockTime slot_length(const Media &m) {
  return m.video ? slot_start(m, 1) : GST_SECOND / feed::kChunksPerSecond;
}

}  // namespace

// ---- GstBaseSrc ----

static GstCaps *gst_feed_src_get_caps(GstBaseSrc *src, GstCaps *filter) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded(element_of(self), static_cast<GstCaps *>(nullptr), [&] {
    GstCaps *caps = offered_caps(settings_of(self));
    if (!caps) caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(src));
    if (filter) {
      GstCaps *both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref(caps);
      caps = both;
    }
    return caps;
  });
}

static gboolean gst_feed_src_start(GstBaseSrc *src) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded(element_of(self), FALSE, [&]() -> gboolean {
    const Settings settings = settings_of(self);
    GstCaps *caps = offered_caps(settings);
    std::string why;
    std::optional<Media> media = media_of(caps, why);
    if (caps) gst_caps_unref(caps);
    if (!media) {
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("feedsrc cannot use its caps: %s", why.c_str()),
                        (nullptr));
      return FALSE;
    }
    const feed::Location location = feed::parse_location(settings.location);
    if (location.kind == feed::Location::Kind::kInvalid) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("location '%s' is not usable: write -, stdin, fd:N, unix:PATH or a pipe "
                         "path",
                         settings.location.c_str()),
                        (nullptr));
      return FALSE;
    }

    auto reader = std::make_unique<Reader>();
    reader->self = self;
    reader->location = location;
    reader->media = *media;
    reader->end_on_close = settings.end_on_close;
    const bool header =
        settings.framing == kFramingHeader || (settings.framing == kFramingAuto && media->video);
    reader->parser.emplace(feed::ParserConfig{header ? feed::Framing::kHeader : feed::Framing::kRaw,
                                              media->video, media->frame_size,
                                              media->video ? 1 : media->sample_frame_size});
    if (location.kind != feed::Location::Kind::kNone) {
      std::string detail;
      if (!reader->open(why, detail)) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s", why.c_str()),
                          ("%s", detail.empty() ? "" : detail.c_str()));
        return FALSE;
      }
    }

    State state;
    state.media = *media;
    state.latency = settings.latency;
    if (media->video) {
      state.video.emplace(
          feed::VideoConfig{settings.max_queued, static_cast<int64_t>(settings.stall_timeout)});
      state.last_frame = black_frame(media->video_info);
    } else {
      state.audio.emplace(feed::AudioConfig{
          static_cast<uint64_t>(media->rate), media->sample_frame_size,
          static_cast<int64_t>(settings.latency), static_cast<int64_t>(settings.max_buffered)});
    }
    {
      std::lock_guard lock(self->priv->lock);
      self->priv->state.emplace(std::move(state));
      self->priv->counters = {};
      self->priv->counters.rate = media->rate;
    }
    GST_INFO_OBJECT(self, "%s from %s", media->description.c_str(),
                    settings.location.empty() ? "push-buffer" : settings.location.c_str());
    if (location.kind != feed::Location::Kind::kNone) {
      Reader *r = reader.get();
      r->thread = std::thread([r] { onair::guarded(element_of(r->self), [r] { r->run(); }); });
    }
    self->priv->reader = std::move(reader);
    return TRUE;
  });
}

static gboolean gst_feed_src_stop(GstBaseSrc *src) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded_teardown(element_of(self), FALSE, [&]() -> gboolean {
    Priv *p = self->priv;
    std::optional<State> ending;
    {
      std::lock_guard lock(p->lock);
      ending.swap(p->state);  // waiting readers and pushers see no state and give up
      p->counters.connected = false;
    }
    p->room.notify_all();
    if (p->reader) p->reader->stop();
    p->reader.reset();  // closes what it opened, removes the socket file
    return TRUE;
  });
}

static gboolean gst_feed_src_unlock(GstBaseSrc *src) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded_teardown(element_of(self), FALSE, [&]() -> gboolean {
    std::lock_guard lock(self->priv->lock);
    if (self->priv->state) {
      self->priv->state->flushing = true;
      if (self->priv->state->clock_wait) gst_clock_id_unschedule(self->priv->state->clock_wait);
    }
    return TRUE;
  });
}

static gboolean gst_feed_src_unlock_stop(GstBaseSrc *src) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded_teardown(element_of(self), FALSE, [&]() -> gboolean {
    std::lock_guard lock(self->priv->lock);
    if (self->priv->state) self->priv->state->flushing = false;
    return TRUE;
  });
}

static gboolean gst_feed_src_query(GstBaseSrc *src, GstQuery *query) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded(element_of(self), FALSE, [&]() -> gboolean {
    if (GST_QUERY_TYPE(query) != GST_QUERY_LATENCY)
      return GST_BASE_SRC_CLASS(gst_feed_src_parent_class)->query(src, query);
    std::lock_guard lock(self->priv->lock);
    if (!self->priv->state) return FALSE;
    // A slot's content is chosen when it ends: one slot late, plus the sound's jitter buffer.
    const State &st = *self->priv->state;
    const GstClockTime min = slot_length(st.media) + (st.media.video ? 0 : st.latency);
    gst_query_set_latency(query, TRUE, min, GST_CLOCK_TIME_NONE);
    return TRUE;
  });
}

namespace {

// Waits until the slot's end on the pipeline clock. False when unlocked (flushing).
bool wait_for_slot_end(Self *self, std::unique_lock<std::mutex> &lock, GstClockTime end) {
  State &st = *self->priv->state;
  onair::ClockPtr clock(gst_element_get_clock(element_of(self)));
  if (!clock) return !st.flushing;
  const GstClockTime base = gst_element_get_base_time(element_of(self));
  GstClockID id = gst_clock_new_single_shot_id(clock.get(), base + end);
  st.clock_wait = id;
  GstClockReturn ret = GST_CLOCK_UNSCHEDULED;
  if (!st.flushing) {
    lock.unlock();
    ret = gst_clock_id_wait(id, nullptr);
    lock.lock();
  }
  if (self->priv->state) self->priv->state->clock_wait = nullptr;
  gst_clock_id_unref(id);
  return self->priv->state && !self->priv->state->flushing && ret != GST_CLOCK_UNSCHEDULED;
}

}  // namespace

static GstFlowReturn gst_feed_src_create(GstPushSrc *src, GstBuffer **out) noexcept {
  auto *self = GST_FEED_SRC(src);
  return onair::guarded(element_of(self), GST_FLOW_ERROR, [&] {
    Priv *p = self->priv;
    std::unique_lock lock(p->lock);
    if (!p->state || p->state->flushing) return GST_FLOW_FLUSHING;
    {
      State &st = *p->state;
      if (st.first_slot) {
        // Joining a pipeline that runs already: start at the slot of the clock's now, rather
        // than racing through every slot since running time 0.
        onair::ClockPtr clock(gst_element_get_clock(element_of(self)));
        const GstClockTime base = gst_element_get_base_time(element_of(self));
        const GstClockTime now = clock ? gst_clock_get_time(clock.get()) : GST_CLOCK_TIME_NONE;
        if (GST_CLOCK_TIME_IS_VALID(now) && GST_CLOCK_TIME_IS_VALID(base) && now > base)
          st.slot = slot_at(st.media, now - base);
      }
      const bool drained = st.media.video ? st.frames.empty() : st.audio->queued() == 0;
      if (st.ending && drained) return GST_FLOW_EOS;
    }
    const guint64 k = p->state->slot;
    const GstClockTime start = slot_start(p->state->media, k);
    const GstClockTime end = slot_start(p->state->media, k + 1);
    if (!wait_for_slot_end(self, lock, end)) return GST_FLOW_FLUSHING;

    State &st = *p->state;
    BufferPtr buffer;
    feed::VideoSlots::Slot slot;
    if (st.media.video) {
      slot = st.video->on_slot_end(static_cast<int64_t>(end));
      if (slot.picture == feed::VideoSlots::Picture::kNew) {
        st.last_frame = std::move(st.frames.front());
        st.frames.pop_front();
      } else {
        ++p->counters.repeated;
      }
      if (slot.stalled) p->counters.stalled = true;
      if (slot.resumed) p->counters.stalled = false;
      // A shallow copy: new timestamps, the same pixel memory.
      buffer.reset(gst_buffer_copy(st.last_frame.get()));
      GST_BUFFER_OFFSET(buffer.get()) = k;
      GST_BUFFER_OFFSET_END(buffer.get()) = k + 1;
    } else {
      const guint64 first = feed::chunk_start(k, st.media.rate);
      const guint64 samples = feed::chunk_start(k + 1, st.media.rate) - first;
      buffer.reset(gst_buffer_new_allocate(nullptr, samples * st.media.sample_frame_size, nullptr));
      GstMapInfo map;
      gst_buffer_map(buffer.get(), &map, GST_MAP_WRITE);
      // Once ending, what is left plays at once.
      const int64_t now =
          st.ending ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(end);
      const feed::AudioBuffer::Taken taken = st.audio->take(map.data, map.size, now);
      gst_buffer_unmap(buffer.get(), &map);
      p->counters.silence_samples += taken.silence / st.media.sample_frame_size;
      GST_BUFFER_OFFSET(buffer.get()) = first;
      GST_BUFFER_OFFSET_END(buffer.get()) = first + samples;
    }
    GST_BUFFER_PTS(buffer.get()) = start;
    GST_BUFFER_DTS(buffer.get()) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buffer.get()) = end - start;
    if (st.first_slot) GST_BUFFER_FLAG_SET(buffer.get(), GST_BUFFER_FLAG_DISCONT);
    st.first_slot = false;
    st.slot = k + 1;
    lock.unlock();
    p->room.notify_all();

    if (slot.stalled) {
      GST_INFO_OBJECT(self, "no new frame for %" GST_TIME_FORMAT,
                      GST_TIME_ARGS(settings_of(self).stall_timeout));
      post(self, gst_structure_new_empty(msg::kStalled));
    }
    if (slot.resumed)
      post(self, gst_structure_new(msg::kResumed, msg::kStalledFor, G_TYPE_UINT64,
                                   static_cast<guint64>(slot.stalled_for), nullptr));
    *out = buffer.release();
    return GST_FLOW_OK;
  });
}

// ---- action signals ----

static GstFlowReturn gst_feed_src_push_buffer(GstFeedSrc *self, GstBuffer *buffer) noexcept {
  return onair::guarded(element_of(self), GST_FLOW_ERROR, [&] {
    Priv *p = self->priv;
    Media media;
    {
      std::lock_guard lock(p->lock);
      if (!p->state) return GST_FLOW_FLUSHING;
      media = p->state->media;
      p->counters.bytes += gst_buffer_get_size(buffer);
    }
    const gsize size = gst_buffer_get_size(buffer);
    if (media.video) {
      if (size != media.frame_size) {
        warn_refused(self, media, size, media.frame_size);
        return GST_FLOW_OK;
      }
      return queue_frame(self, BufferPtr(gst_buffer_ref(buffer))) ? GST_FLOW_OK : GST_FLOW_FLUSHING;
    }
    // Sound in any amount: an incomplete sample frame at the end waits for the next push.
    std::vector<uint8_t> sound;
    {
      std::lock_guard lock(p->lock);
      if (!p->state) return GST_FLOW_FLUSHING;
      sound.swap(p->state->push_carry);
    }
    const size_t carried = sound.size();
    sound.resize(carried + size);
    gst_buffer_extract(buffer, 0, sound.data() + carried, size);
    const size_t whole = sound.size() - sound.size() % media.sample_frame_size;
    {
      std::lock_guard lock(p->lock);
      if (!p->state) return GST_FLOW_FLUSHING;
      p->state->push_carry.assign(sound.begin() + static_cast<std::ptrdiff_t>(whole), sound.end());
    }
    return whole == 0 || queue_sound(self, sound.data(), whole) ? GST_FLOW_OK : GST_FLOW_FLUSHING;
  });
}

static GstFlowReturn gst_feed_src_end_of_stream(GstFeedSrc *self) noexcept {
  return onair::guarded(element_of(self), GST_FLOW_ERROR, [&] {
    std::lock_guard lock(self->priv->lock);
    if (!self->priv->state) return GST_FLOW_FLUSHING;
    self->priv->state->ending = true;
    return GST_FLOW_OK;
  });
}

// ---- GObject ----

static void gst_feed_src_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec) noexcept {
  auto *self = GST_FEED_SRC(object);
  onair::guarded(element_of(self), [&] {
    std::lock_guard lock(self->priv->settings_lock);
    Settings &s = self->priv->settings;
    switch (prop_id) {
      case PROP_CAPS: {
        const GstCaps *caps = gst_value_get_caps(value);
        s.caps = caps ? std::shared_ptr<GstCaps>(gst_caps_copy(caps), gst_caps_unref) : nullptr;
        break;
      }
      case PROP_LOCATION: {
        const char *location = g_value_get_string(value);
        s.location = location ? location : "";
        break;
      }
      case PROP_FRAMING:
        s.framing = static_cast<FramingChoice>(g_value_get_enum(value));
        break;
      case PROP_MAX_QUEUED:
        s.max_queued = g_value_get_uint(value);
        break;
      case PROP_MAX_BUFFERED:
        s.max_buffered = g_value_get_uint64(value);
        break;
      case PROP_LATENCY:
        s.latency = g_value_get_uint64(value);
        break;
      case PROP_STALL_TIMEOUT:
        s.stall_timeout = g_value_get_uint64(value);
        break;
      case PROP_END_ON_CLOSE:
        s.end_on_close = g_value_get_boolean(value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

namespace {

GstStructure *stats_structure(const Counters &c) {
  return gst_structure_new(msg::kStats, msg::kFramesReceived, G_TYPE_UINT64, c.received,
                           msg::kFramesRepeated, G_TYPE_UINT64, c.repeated, msg::kFramesRefused,
                           G_TYPE_UINT64, c.refused, msg::kBytesReceived, G_TYPE_UINT64, c.bytes,
                           msg::kSilenceInserted, G_TYPE_UINT64, silence_ns(c),
                           msg::kConnectedField, G_TYPE_BOOLEAN, c.connected, msg::kStalledField,
                           G_TYPE_BOOLEAN, c.stalled, nullptr);
}

}  // namespace

static void gst_feed_src_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec) noexcept {
  auto *self = GST_FEED_SRC(object);
  onair::guarded(element_of(self), [&] {
    if (prop_id >= PROP_FRAMES_RECEIVED) {
      Counters c;
      {
        std::lock_guard lock(self->priv->lock);
        c = self->priv->counters;
      }
      switch (prop_id) {
        case PROP_FRAMES_RECEIVED:
          g_value_set_uint64(value, c.received);
          break;
        case PROP_FRAMES_REPEATED:
          g_value_set_uint64(value, c.repeated);
          break;
        case PROP_FRAMES_REFUSED:
          g_value_set_uint64(value, c.refused);
          break;
        case PROP_BYTES_RECEIVED:
          g_value_set_uint64(value, c.bytes);
          break;
        case PROP_SILENCE_INSERTED:
          g_value_set_uint64(value, silence_ns(c));
          break;
        case PROP_CONNECTED:
          g_value_set_boolean(value, c.connected);
          break;
        case PROP_STATS:
          g_value_take_boxed(value, stats_structure(c));
          break;
        default:
          G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
          break;
      }
      return;
    }
    const Settings s = settings_of(self);
    switch (prop_id) {
      case PROP_CAPS:
        gst_value_set_caps(value, s.caps.get());
        break;
      case PROP_LOCATION:
        g_value_set_string(value, s.location.empty() ? nullptr : s.location.c_str());
        break;
      case PROP_FRAMING:
        g_value_set_enum(value, s.framing);
        break;
      case PROP_MAX_QUEUED:
        g_value_set_uint(value, s.max_queued);
        break;
      case PROP_MAX_BUFFERED:
        g_value_set_uint64(value, s.max_buffered);
        break;
      case PROP_LATENCY:
        g_value_set_uint64(value, s.latency);
        break;
      case PROP_STALL_TIMEOUT:
        g_value_set_uint64(value, s.stall_timeout);
        break;
      case PROP_END_ON_CLOSE:
        g_value_set_boolean(value, s.end_on_close);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
  });
}

static void gst_feed_src_finalize(GObject *object) noexcept {
  auto *self = GST_FEED_SRC(object);
  onair::guarded_teardown(element_of(self), [&] { delete self->priv; });
  G_OBJECT_CLASS(gst_feed_src_parent_class)->finalize(object);
}

static void gst_feed_src_init(GstFeedSrc *self) {
  self->priv = new Priv();
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp(GST_BASE_SRC(self), FALSE);
}

static void gst_feed_src_class_init(GstFeedSrcClass *klass) {
  auto *gobject_class = G_OBJECT_CLASS(klass);
  auto *element_class = GST_ELEMENT_CLASS(klass);
  auto *basesrc_class = GST_BASE_SRC_CLASS(klass);
  auto *pushsrc_class = GST_PUSH_SRC_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(feed_src_debug, "feedsrc", 0, "Frames and sound from another process");

  gobject_class->set_property = gst_feed_src_set_property;
  gobject_class->get_property = gst_feed_src_get_property;
  gobject_class->finalize = gst_feed_src_finalize;

  // Read at start: changing them takes effect at the next start.
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                           GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_CAPS,
      g_param_spec_boxed("caps", "Caps",
                         "What the writer sends, required: fixed video/x-raw (format BGRA, BGRx, "
                         "RGBA or another packed format; width, height, framerate > 0) or "
                         "audio/x-raw (format S16LE, layout interleaved, rate, channels). The "
                         "source pad offers exactly these caps",
                         GST_TYPE_CAPS, rw));
  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string(
          "location", "Location",
          "Where the writer writes: '-' or 'stdin' (standard input), 'unix:PATH' (a Unix stream "
          "socket feedsrc listens on, mode 0600, removed at stop; a new connection replaces the "
          "current one), 'fd:N' (an inherited descriptor), any other text a named pipe (made "
          "with mode 0600 if missing; reopened for the next writer when one closes). Unset: "
          "data only through the push-buffer signal",
          nullptr, rw));
  g_object_class_install_property(
      gobject_class, PROP_FRAMING,
      g_param_spec_enum("framing", "Framing",
                        "How messages are delimited: header (each message 'OAF1', payload length "
                        "uint32 little-endian, payload), raw (bare bytes, as ffmpeg -f rawvideo "
                        "reads), auto (header for video, raw for audio)",
                        framing_get_type(), kFramingAuto, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_QUEUED,
      g_param_spec_uint("max-queued", "Maximum queued frames",
                        "Video: frames waiting for their slot; when full the reader stops "
                        "reading and push-buffer blocks (back-pressure)",
                        1, 1000, kDefaultMaxQueued, rw));
  g_object_class_install_property(
      gobject_class, PROP_MAX_BUFFERED,
      g_param_spec_uint64("max-buffered", "Maximum buffered sound",
                          "Audio: ns of sound waiting to play; when full the reader stops "
                          "reading and push-buffer blocks (back-pressure)",
                          0, G_MAXINT64, kDefaultMaxBuffered, rw));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY,
      g_param_spec_uint64("latency", "Latency",
                          "Audio jitter buffer (ns): after a gap, sound starts once this much is "
                          "buffered or its first byte has waited this long",
                          0, 10 * GST_SECOND, kDefaultLatency, rw));
  g_object_class_install_property(
      gobject_class, PROP_STALL_TIMEOUT,
      g_param_spec_uint64("stall-timeout", "Stall timeout",
                          "Video: after this many ns without a new frame post feedsrc-stalled "
                          "(once), and feedsrc-resumed when frames come back (0 = never)",
                          0, G_MAXINT64, kDefaultStallTimeout, rw));
  g_object_class_install_property(
      gobject_class, PROP_END_ON_CLOSE,
      g_param_spec_boolean("end-on-close", "End on close",
                           "When the writer closes, end the stream (EOS once what is queued has "
                           "played) instead of waiting for the next writer",
                           FALSE, rw));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_RECEIVED,
      g_param_spec_uint64("frames-received", "Frames received",
                          "Complete frames (audio: pieces of sound) accepted", 0, G_MAXUINT64, 0,
                          ro));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_REPEATED,
      g_param_spec_uint64("frames-repeated", "Frames repeated",
                          "Video slots that repeated the previous frame or showed the opening "
                          "black frame",
                          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_FRAMES_REFUSED,
      g_param_spec_uint64("frames-refused", "Frames refused",
                          "Frames or sound messages of the wrong size, dropped", 0, G_MAXUINT64, 0,
                          ro));
  g_object_class_install_property(
      gobject_class, PROP_BYTES_RECEIVED,
      g_param_spec_uint64("bytes-received", "Bytes received",
                          "Bytes read from the writer or pushed", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_SILENCE_INSERTED,
      g_param_spec_uint64("silence-inserted", "Silence inserted",
                          "Audio: ns of silence feedsrc put in where no sound was", 0, G_MAXUINT64,
                          0, ro));
  g_object_class_install_property(
      gobject_class, PROP_CONNECTED,
      g_param_spec_boolean("connected", "Connected",
                           "A writer is connected (a pipe has a writer that sent data)", FALSE,
                           ro));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "feedsrc-stats: frames-received, frames-repeated, frames-refused, "
                         "bytes-received, silence-inserted, connected, stalled",
                         GST_TYPE_STRUCTURE, ro));

  /**
   * GstFeedSrc::push-buffer:
   * @feedsrc: the element
   * @buffer: one whole frame (video) or sound in any amount (audio)
   *
   * Queues data as a writer would, for programs that embed the element (same signature as
   * appsrc's). The buffer is not taken: feedsrc keeps its own reference. Its timestamps are
   * ignored (the output grid sets them). A frame of the wrong size is refused (counted,
   * warned, feedsrc-refused) and GST_FLOW_OK returned; an incomplete sample frame at the end
   * of pushed sound waits for the next push. Blocks while max-queued frames
   * (max-buffered sound) wait; GST_FLOW_FLUSHING when the element is not started or stops.
   */
  g_signal_new_class_handler("push-buffer", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(gst_feed_src_push_buffer), nullptr, nullptr, nullptr,
                             GST_TYPE_FLOW_RETURN, 1, GST_TYPE_BUFFER | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * GstFeedSrc::end-of-stream:
   * @feedsrc: the element
   *
   * What is queued plays, then the stream ends (EOS).
   */
  g_signal_new_class_handler("end-of-stream", G_TYPE_FROM_CLASS(klass),
                             static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
                             G_CALLBACK(gst_feed_src_end_of_stream), nullptr, nullptr, nullptr,
                             GST_TYPE_FLOW_RETURN, 0);

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Feed source", "Source/Video;Source/Audio",
      "Raw frames or sound that another process writes (stdin, a named pipe, a Unix socket, "
      "an inherited fd) or a program pushes (push-buffer), as a steady live stream: one buffer "
      "a slot on the pipeline clock (video k/framerate, audio 20 ms), the last frame repeated "
      "when the writer stalls, silence when no sound comes. Wire format (framing=header): "
      "'OAF1', payload length uint32 LE, payload. Element messages: 'feedsrc-connected' "
      "(peer), 'feedsrc-disconnected' (partial-bytes, reason), 'feedsrc-refused' (bytes, "
      "expected, refused), 'feedsrc-stalled', 'feedsrc-resumed' (stalled-for). Example: "
      "gst-launch-1.0 feedsrc location=unix:/tmp/bot.sock "
      "caps=\"video/x-raw,format=BGRA,width=854,height=480,framerate=30/1\" ! videoconvert ! "
      "autovideosink",
      "onair developers");

  basesrc_class->get_caps = gst_feed_src_get_caps;
  basesrc_class->start = gst_feed_src_start;
  basesrc_class->stop = gst_feed_src_stop;
  basesrc_class->unlock = gst_feed_src_unlock;
  basesrc_class->unlock_stop = gst_feed_src_unlock_stop;
  basesrc_class->query = gst_feed_src_query;
  pushsrc_class->create = gst_feed_src_create;
}
