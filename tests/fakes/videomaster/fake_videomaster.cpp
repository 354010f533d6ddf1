// A simulated VideoMaster library (libvideomasterhd.so) for tests and demos: the functions
// the DELTACAST backend calls, driven by a scenario instead of a card, so the backend's real
// loading and capture code runs without hardware.
//
// Scenario: $ONAIR_FAKE_VIDEOMASTER, or the file it names after '@'. Settings are KEY=VALUE,
// separated by ';' or new lines; times are seconds since the port's stream first started (or,
// before that, since its board was opened).
//   boards=N          boards present (default 1; 0: no board)
//   ports=N           RX ports per board (default 2, at most 8)
//   signal=MODE       what every port receives: a mode name such as 1080i50, or "none"
//   lost_at=T         the signal disappears at T ...
//   back_at=T         ... and returns at T (absent: it stays away)
//   change_at=T       the incoming mode becomes change_to=MODE at T
//   busy=B.P[,B.P]    those ports are held by another application
//   picture=moving    instead of grey (8-bit only): a textured picture scrolling 8 pixels a
//                     frame, as costly to encode as camera pictures, with the wall-clock time
//                     it was captured drawn as a bar code across its top (see stamp_time)
//   model=TEXT        what VHD_GetBoardModel answers
//   gone_at=T         the boards disappear T seconds after being opened: every call on an open
//                     board or stream fails with VHDERR_OPERATIONFAILED
//   tone=HZ           embedded audio: SDI channel n (1 to 16) carries a sine of n x HZ
//                     (default 1000) at a quarter of full scale, 48 kHz, phase-continuous over
//                     a run of frames; each frame carries exactly its share of samples (1920
//                     at 25 Hz; 1601 or 1602 at 29.97 Hz, 8008 every 5 frames)
// signal, lost_at, back_at, change_at and change_to also take a port suffix, which wins over
// the setting for all ports: "signal.0.1=none" leaves board 0 RX1 without signal.
// The scenario is read when the board count is asked for and when a board is opened.
// Every frame starts with four native 64-bit numbers: when it was due, in nanoseconds since the
// stream first started; its number since then; when the current run of frames began (the
// signal's return, a restart), in the same nanoseconds; and its index in that run, so that
// due = run start + the mode's frame_start(index) exactly. The rest is a grey picture.
// VHD_SlotExtractAudio takes mono 16-bit channels only, on streams opened JOINED. Built
// with ONAIR_FAKE_VIDEOMASTER_WITHOUT_AUDIO it lacks that function, as older libraries do.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/deltacast_standards.h"
#include "core/videomaster_api.h"
#include "scenario.h"

namespace {

using namespace onair::sdi;
using vhd::ULONG;
using Clock = std::chrono::steady_clock;
using PortId = std::pair<unsigned, unsigned>;

constexpr const char *kScenarioEnv = "ONAIR_FAKE_VIDEOMASTER";
constexpr double kNever = -1;
constexpr std::int64_t kSlotsKept = 4;  // VHD_CORE_SP_BUFFERQUEUE_DEPTH's default
constexpr std::int64_t kAudioRate = 48000;
constexpr double kToneAmplitude = 8192;

struct PortScript {
  std::string signal = "1080i50";
  double lost_at = kNever;
  double back_at = kNever;
  double change_at = kNever;
  std::string change_to;
  bool moving_picture = false;

  // What the port receives `seconds` after its stream started; nullptr without signal.
  const SdiMode *mode_at(double seconds) const {
    if (lost_at >= 0 && seconds >= lost_at && (back_at < 0 || seconds < back_at)) return nullptr;
    const bool changed = change_at >= 0 && seconds >= change_at;
    const SdiMode *mode = find_sdi_mode(changed ? change_to : signal);
    return mode && find_deltacast_standard(*mode) ? mode : nullptr;
  }
  // The next moment after `seconds` when what the port receives may change.
  std::optional<double> next_change_after(double seconds) const {
    std::optional<double> next;
    for (double at : {lost_at, back_at, change_at})
      if (at > seconds && (!next || at < *next)) next = at;
    return next;
  }
};

struct Scenario {
  unsigned boards = 1;
  unsigned ports = 2;
  std::string model = "DELTA-3G-elp-d 4c (simulated)";
  double gone_at = kNever;
  double tone = 1000;
  std::set<PortId> busy;
  PortScript all_ports;
  std::map<PortId, std::map<std::string, std::string>> port_settings;

  PortScript script(PortId port) const {
    PortScript script = all_ports;
    auto found = port_settings.find(port);
    if (found != port_settings.end())
      for (const auto &[key, value] : found->second) apply(script, key, value);
    return script;
  }

  static bool apply(PortScript &script, const std::string &key, const std::string &value) {
    if (key == "signal")
      script.signal = value;
    else if (key == "lost_at")
      script.lost_at = std::stod(value);
    else if (key == "back_at")
      script.back_at = std::stod(value);
    else if (key == "change_at")
      script.change_at = std::stod(value);
    else if (key == "change_to")
      script.change_to = value;
    else if (key == "picture")
      script.moving_picture = value == "moving";
    else
      return false;
    return true;
  }
};

PortId parse_port(const std::string &text) {
  const auto dot = text.find('.');
  return {static_cast<unsigned>(std::stoul(text.substr(0, dot))),
          static_cast<unsigned>(std::stoul(text.substr(dot + 1)))};
}

Scenario read_scenario() {
  Scenario scenario;
  for (const auto &[key, value] :
       onair::fakes::scenario_settings(onair::fakes::scenario_text(kScenarioEnv))) {
    if (key == "boards") {
      scenario.boards = static_cast<unsigned>(std::stoul(value));
    } else if (key == "ports") {
      scenario.ports =
          std::min<unsigned>(static_cast<unsigned>(std::stoul(value)), vhd::kMaxRxPorts);
    } else if (key == "model") {
      scenario.model = value;
    } else if (key == "gone_at") {
      scenario.gone_at = std::stod(value);
    } else if (key == "tone") {
      scenario.tone = std::stod(value);
    } else if (key == "busy") {
      std::stringstream ports(value);
      std::string port;
      while (std::getline(ports, port, ',')) scenario.busy.insert(parse_port(port));
    } else if (const auto dot = key.find('.'); dot != std::string::npos) {
      scenario.port_settings[parse_port(key.substr(dot + 1))][key.substr(0, dot)] = value;
    } else if (!Scenario::apply(scenario.all_ports, key, value)) {
      std::fprintf(stderr, "fake videomaster: unknown scenario setting %s\n", key.c_str());
    }
  }
  return scenario;
}

struct Board;

struct Stream {
  Stream(Board *board, unsigned port, PortScript script)
      : board(board), port(port), script(std::move(script)) {}

  Board *board;
  unsigned port;
  PortScript script;
  bool joined = false;                // opened with the ANC, so with embedded audio
  ULONG standard = vhd::kStd1080p30;  // VHD_SDI_SP_VIDEO_STANDARD's default
  ULONG packing = vhd::kBufferPackingYuv422_8;
  std::chrono::milliseconds io_timeout{100};
  bool started = false;
  bool slot_locked = false;
  std::optional<Clock::time_point> run_base;  // frame 0 of the current run of frames
  std::int64_t next_in_run = 0;
  std::uint64_t frames = 0;
  std::vector<std::uint8_t> buffer;
  std::vector<std::uint8_t> texture;   // picture=moving: twice the frame's width, UYVY
  const SdiMode *slot_mode = nullptr;  // the locked slot's mode and index in its run
  std::int64_t slot_index_in_run = 0;
  std::mutex mutex;
  std::condition_variable woken;
};

struct Board {
  Board(unsigned index, Scenario scenario) : index(index), scenario(std::move(scenario)) {}

  unsigned index;
  Scenario scenario;
  Clock::time_point opened = Clock::now();
  std::map<unsigned, Clock::time_point> stream_epoch;  // first start of each port's stream

  std::optional<Clock::time_point> gone_time() const {
    if (scenario.gone_at < 0) return std::nullopt;
    return opened + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(scenario.gone_at));
  }
  bool gone(Clock::time_point now = Clock::now()) const {
    const auto at = gone_time();
    return at && now >= *at;
  }

  double seconds_on(unsigned port, Clock::time_point now) const {
    auto epoch = stream_epoch.find(port);
    const auto since = epoch != stream_epoch.end() ? epoch->second : opened;
    return std::chrono::duration<double>(now - since).count();
  }
};

std::mutex g_mutex;  // guards the sets below and every board's state
std::set<PortId> g_open_streams;

std::optional<unsigned> rx_port_of(ULONG stream_type) {
  for (unsigned port = 0; port < vhd::kMaxRxPorts; ++port)
    if (vhd::kStreamTypeRx[port] == stream_type) return port;
  return std::nullopt;
}

template <std::size_t N>
std::optional<unsigned> index_in(const ULONG (&properties)[N], ULONG property) {
  for (unsigned index = 0; index < N; ++index)
    if (properties[index] == property) return index;
  return std::nullopt;
}

Clock::duration frame_offset(const SdiMode &mode, std::int64_t frame) {
  return std::chrono::nanoseconds(mode.frame_start(frame));
}

// A UYVY texture twice as wide as the picture: a diagonal ramp with fine noise and slow colour
// bands, so that an encoder works about as hard as on camera pictures.
std::vector<std::uint8_t> make_texture(int width, int height) {
  const int texture_width = 2 * width;
  std::vector<std::uint8_t> texture(static_cast<std::size_t>(texture_width) * 2 * height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < texture_width; x += 2) {
      std::uint8_t *p = texture.data() + (static_cast<std::size_t>(y) * texture_width + x) * 2;
      const auto noise = [&](int px) {
        std::uint32_t h = static_cast<std::uint32_t>(px) * 2654435761u ^
                          static_cast<std::uint32_t>(y) * 2246822519u;
        return static_cast<int>((h ^ (h >> 15)) & 15);
      };
      const auto luma = [&](int px) {
        return static_cast<std::uint8_t>(16 + (px + 2 * y) % 200 + noise(px));
      };
      p[0] = static_cast<std::uint8_t>(96 + (x / 16) % 64);
      p[1] = luma(x);
      p[2] = static_cast<std::uint8_t>(96 + (y / 16) % 64);
      p[3] = luma(x + 1);
    }
  return texture;
}

// The wall-clock time in milliseconds (its low 32 bits) as 34 square blocks across the top of
// a UYVY picture, a block 1/40 of its width (32 pixels in a 1280-wide preview): a white block,
// the 32 bits from the lowest, a black block. A player reading them back knows when the frame
// was captured.
void stamp_time(std::uint8_t *frame, std::size_t stride, int width) {
  const auto now_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  const int block = width / 40;
  for (int i = 0; i < 34; ++i) {
    const bool white = i == 0 || (i <= 32 && ((now_ms >> (i - 1)) & 1));
    for (int y = block; y < 2 * block; ++y) {
      std::uint8_t *row = frame + static_cast<std::size_t>(y) * stride;
      for (int x = block * (i + 1); x < block * (i + 2); x += 2) {
        std::uint8_t *p = row + static_cast<std::size_t>(x) * 2;
        p[0] = p[2] = 128;
        p[1] = p[3] = white ? 235 : 16;
      }
    }
  }
}

void fill_frame(Stream &stream, const SdiMode &mode, std::int64_t index_in_run) {
  const bool ten_bit = stream.packing == vhd::kBufferPackingYuv422_10;
  const std::size_t size = std::size_t{deltacast_line_bytes(mode.width, ten_bit)} *
                           static_cast<std::size_t>(mode.height);
  if (stream.buffer.size() != size) stream.buffer.assign(size, 0x80);
  if (stream.script.moving_picture && !ten_bit) {
    const std::size_t line = deltacast_line_bytes(mode.width, false);
    const std::size_t texture_line = static_cast<std::size_t>(mode.width) * 4;
    if (stream.texture.size() != texture_line * static_cast<std::size_t>(mode.height))
      stream.texture = make_texture(mode.width, mode.height);
    // 8 pixels further each frame, in bytes.
    const std::size_t offset = (stream.frames * 8) % static_cast<std::size_t>(mode.width) * 2;
    for (int y = 0; y < mode.height; ++y)
      std::memcpy(stream.buffer.data() + static_cast<std::size_t>(y) * line,
                  stream.texture.data() + static_cast<std::size_t>(y) * texture_line + offset,
                  static_cast<std::size_t>(mode.width) * 2);
    stamp_time(stream.buffer.data(), line, mode.width);
  }
  const auto since_epoch = [&](Clock::time_point time) {
    return static_cast<std::uint64_t>(
        std::chrono::nanoseconds(time - stream.board->stream_epoch[stream.port]).count());
  };
  const std::uint64_t header[4] = {since_epoch(*stream.run_base + frame_offset(mode, index_in_run)),
                                   stream.frames++, since_epoch(*stream.run_base),
                                   static_cast<std::uint64_t>(index_in_run)};
  std::memcpy(stream.buffer.data(), header, sizeof header);
  stream.slot_mode = &mode;
  stream.slot_index_in_run = index_in_run;
}

// The first audio sample of frame `index` of a run: 48 kHz against the mode's exact rate.
[[maybe_unused]] std::int64_t first_sample(const SdiMode &mode, std::int64_t index) {
  return index * kAudioRate * mode.fps_d / mode.fps_n;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) ULONG VHD_GetApiInfo(ULONG *api_version,
                                                            ULONG *board_count) {
  if (api_version) *api_version = 0x06000000;
  if (board_count) *board_count = read_scenario().boards;
  return vhd::kNoError;
}

__attribute__((visibility("default"))) const char *VHD_GetBoardModel(ULONG board_index) {
  static std::string model;
  std::lock_guard lock(g_mutex);
  const Scenario scenario = read_scenario();
  if (board_index >= scenario.boards) return nullptr;
  model = scenario.model;
  return model.c_str();
}

__attribute__((visibility("default"))) ULONG VHD_OpenBoardHandle(ULONG board_index,
                                                                 vhd::HANDLE *board, vhd::HANDLE,
                                                                 ULONG) {
  Scenario scenario = read_scenario();
  if (!board || board_index >= scenario.boards) return vhd::kBadArg;
  *board = new Board(board_index, std::move(scenario));
  return vhd::kNoError;
}

__attribute__((visibility("default"))) ULONG VHD_CloseBoardHandle(vhd::HANDLE board) {
  delete static_cast<Board *>(board);
  return vhd::kNoError;
}

__attribute__((visibility("default"))) ULONG VHD_GetBoardProperty(vhd::HANDLE handle,
                                                                  ULONG property, ULONG *value) {
  auto *board = static_cast<Board *>(handle);
  if (!board || !value) return vhd::kBadArg;
  if (board->gone()) return vhd::kOperationFailed;
  std::lock_guard lock(g_mutex);
  const Scenario &scenario = board->scenario;
  if (property == vhd::kBoardPropertyNbRxChannels) {
    *value = scenario.ports;
    return vhd::kNoError;
  }
  std::optional<unsigned> port = index_in(vhd::kBoardPropertyRxStatus, property);
  if (!port) port = index_in(vhd::kBoardPropertyRxStandard, property);
  if (!port) port = index_in(vhd::kBoardPropertyRxClockDivisor, property);
  if (!port || *port >= scenario.ports) return vhd::kBadArg;

  const auto *mode =
      scenario.script({board->index, *port}).mode_at(board->seconds_on(*port, Clock::now()));
  if (property == vhd::kBoardPropertyRxStatus[*port])
    *value = mode ? 0 : vhd::kRxStatusUnlocked;
  else if (property == vhd::kBoardPropertyRxStandard[*port])
    *value = mode ? find_deltacast_standard(*mode)->standard : 0;
  else
    *value = mode ? find_deltacast_standard(*mode)->clock_divisor : 0;
  return vhd::kNoError;
}

__attribute__((visibility("default"))) ULONG VHD_OpenStreamHandle(
    vhd::HANDLE handle, ULONG stream_type, ULONG processing_mode, vhd::BOOL32 *,
    vhd::HANDLE *stream, vhd::HANDLE) {
  auto *board = static_cast<Board *>(handle);
  const auto port = rx_port_of(stream_type);
  if (!board || !stream || !port || *port >= board->scenario.ports ||
      (processing_mode != vhd::kSdiProcessingDisjoinedVideo &&
       processing_mode != vhd::kSdiProcessingJoined))
    return vhd::kBadArg;
  if (board->gone()) return vhd::kOperationFailed;
  const PortId id{board->index, *port};
  std::lock_guard lock(g_mutex);
  if (board->scenario.busy.count(id) || g_open_streams.count(id)) return vhd::kStreamUsed;
  g_open_streams.insert(id);
  auto *opened = new Stream(board, *port, board->scenario.script(id));
  opened->joined = processing_mode == vhd::kSdiProcessingJoined;
  *stream = opened;
  return vhd::kNoError;
}

__attribute__((visibility("default"))) ULONG VHD_CloseStreamHandle(vhd::HANDLE handle) {
  auto *stream = static_cast<Stream *>(handle);
  if (!stream) return vhd::kBadArg;
  {
    std::lock_guard lock(g_mutex);
    g_open_streams.erase({stream->board->index, stream->port});
  }
  delete stream;
  return vhd::kNoError;
}

__attribute__((visibility("default"))) ULONG VHD_SetStreamProperty(vhd::HANDLE handle,
                                                                   ULONG property, ULONG value) {
  auto *stream = static_cast<Stream *>(handle);
  if (!stream) return vhd::kBadArg;
  if (stream->board->gone()) return vhd::kOperationFailed;
  std::lock_guard lock(stream->mutex);
  if (property == vhd::kSdiStreamPropertyVideoStandard) {
    if (stream->started) return vhd::kBadConfig;  // the standard is set on a stopped stream
    stream->standard = value;
  } else if (property == vhd::kStreamPropertyBufferPacking) {
    if (value != vhd::kBufferPackingYuv422_8 && value != vhd::kBufferPackingYuv422_10)
      return vhd::kBadArg;
    stream->packing = value;
  } else if (property == vhd::kStreamPropertyIoTimeout) {
    stream->io_timeout = std::chrono::milliseconds(value);
  } else if (property != vhd::kStreamPropertyTransferScheme &&
             property != vhd::kStreamPropertyBufferQueueDepth) {
    return vhd::kBadArg;
  }
  return vhd::kNoError;
}

__attribute__((visibility("default"))) ULONG VHD_StartStream(vhd::HANDLE handle) {
  auto *stream = static_cast<Stream *>(handle);
  if (!stream) return vhd::kBadArg;
  if (stream->board->gone()) return vhd::kOperationFailed;
  {
    std::lock_guard lock(g_mutex);
    stream->board->stream_epoch.try_emplace(stream->port, Clock::now());
  }
  std::lock_guard lock(stream->mutex);
  if (stream->started) return vhd::kBadConfig;
  stream->started = true;
  stream->run_base.reset();
  return vhd::kNoError;
}

__attribute__((visibility("default"))) ULONG VHD_StopStream(vhd::HANDLE handle) {
  auto *stream = static_cast<Stream *>(handle);
  if (!stream) return vhd::kBadArg;
  if (stream->board->gone()) return vhd::kOperationFailed;
  {
    std::lock_guard lock(stream->mutex);
    if (!stream->started) return vhd::kBadConfig;
    stream->started = false;
  }
  stream->woken.notify_all();
  return vhd::kNoError;
}

// Waits for the next frame of the stream's standard, as a card would: slots only come while
// the port receives the standard the stream was started with.
__attribute__((visibility("default"))) ULONG VHD_LockSlotHandle(vhd::HANDLE handle,
                                                                vhd::HANDLE *slot) {
  auto *stream = static_cast<Stream *>(handle);
  if (!stream || !slot) return vhd::kBadArg;
  std::unique_lock lock(stream->mutex);
  if (!stream->started || stream->slot_locked) return vhd::kBadConfig;
  Clock::time_point epoch;
  {
    std::lock_guard boards(g_mutex);
    epoch = stream->board->stream_epoch[stream->port];
  }
  const auto deadline = Clock::now() + stream->io_timeout;
  const auto gone_time = stream->board->gone_time();
  while (stream->started) {
    const auto now = Clock::now();
    if (stream->board->gone(now)) return vhd::kOperationFailed;
    const double seconds = std::chrono::duration<double>(now - epoch).count();
    const SdiMode *mode = stream->script.mode_at(seconds);
    const bool receiving = mode && find_deltacast_standard(*mode)->standard == stream->standard;
    auto wake = deadline;
    if (receiving) {
      if (!stream->run_base) {
        stream->run_base = now;
        stream->next_in_run = 1;
      }
      // A consumer far behind finds only the newest slots, as with a card's slot queue.
      const auto behind = (now - *stream->run_base) / frame_offset(*mode, 1);
      stream->next_in_run = std::max<std::int64_t>(stream->next_in_run, behind - kSlotsKept);
      const auto due = *stream->run_base + frame_offset(*mode, stream->next_in_run);
      if (due <= now) {
        {
          std::lock_guard boards(g_mutex);
          fill_frame(*stream, *mode, stream->next_in_run);
        }
        ++stream->next_in_run;
        stream->slot_locked = true;
        *slot = stream;
        return vhd::kNoError;
      }
      wake = std::min(wake, due);
    } else {
      stream->run_base.reset();
    }
    if (now >= deadline) return vhd::kTimeout;
    if (gone_time) wake = std::min(wake, *gone_time);
    if (auto change = stream->script.next_change_after(seconds))
      wake = std::min(wake, epoch + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(*change)));
    stream->woken.wait_until(lock, wake);
  }
  return vhd::kTimeout;
}

__attribute__((visibility("default"))) ULONG VHD_UnlockSlotHandle(vhd::HANDLE slot) {
  auto *stream = static_cast<Stream *>(slot);
  if (!stream) return vhd::kBadArg;
  std::lock_guard lock(stream->mutex);
  if (!stream->slot_locked) return vhd::kBadArg;
  stream->slot_locked = false;
  return vhd::kNoError;
}

__attribute__((visibility("default"))) ULONG VHD_GetSlotBuffer(vhd::HANDLE slot, ULONG buffer_type,
                                                               vhd::BYTE **buffer, ULONG *size) {
  auto *stream = static_cast<Stream *>(slot);
  if (!stream || !buffer || !size || buffer_type != vhd::kSdiBufferVideo) return vhd::kBadArg;
  if (stream->board->gone()) return vhd::kOperationFailed;
  std::lock_guard lock(stream->mutex);
  if (!stream->slot_locked) return vhd::kBadArg;
  *buffer = stream->buffer.data();
  *size = static_cast<ULONG>(stream->buffer.size());
  return vhd::kNoError;
}

#ifndef ONAIR_FAKE_VIDEOMASTER_WITHOUT_AUDIO
__attribute__((visibility("default"))) ULONG VHD_SlotExtractAudio(vhd::HANDLE slot,
                                                                  vhd::AudioInfo *audio) {
  auto *stream = static_cast<Stream *>(slot);
  if (!stream || !audio) return vhd::kBadArg;
  if (stream->board->gone()) return vhd::kOperationFailed;
  std::lock_guard lock(stream->mutex);
  if (!stream->slot_locked || !stream->slot_mode) return vhd::kBadArg;
  if (!stream->joined) return vhd::kBadConfig;  // a video-only stream has no ANC
  const SdiMode &mode = *stream->slot_mode;
  const std::int64_t first = first_sample(mode, stream->slot_index_in_run);
  const std::int64_t count = first_sample(mode, stream->slot_index_in_run + 1) - first;
  const double tone = stream->board->scenario.tone;
  for (unsigned index = 0; index < vhd::kAudioChannels; ++index) {
    auto &channel = audio->groups[index / vhd::kAudioChannelsPerGroup]
                        .channels[index % vhd::kAudioChannelsPerGroup];
    if (channel.mode == vhd::kAudioModeOff) continue;
    if (channel.mode != vhd::kAudioModeMono || channel.buffer_format != vhd::kAudioFormat16)
      return vhd::kBadArg;
    const auto needed = static_cast<ULONG>(count * sizeof(std::int16_t));
    if (!channel.data || channel.data_size < needed) {
      channel.data_size = needed;  // as VideoMaster does: the size it needs, nothing extracted
      return vhd::kBadArg;
    }
    const double step = 2 * M_PI * tone * (index + 1) / kAudioRate;
    for (std::int64_t sample = 0; sample < count; ++sample) {
      const auto value = static_cast<std::int16_t>(
          std::lround(kToneAmplitude * std::sin(step * static_cast<double>(first + sample))));
      std::memcpy(channel.data + sample * sizeof value, &value, sizeof value);
    }
    channel.data_size = needed;
  }
  return vhd::kNoError;
}
#endif

}  // extern "C"

// The fake must keep the signatures the loader casts its symbols to.
static_assert(std::is_same_v<decltype(&VHD_GetApiInfo), vhd::GetApiInfoFn>);
static_assert(std::is_same_v<decltype(&VHD_GetBoardModel), vhd::GetBoardModelFn>);
static_assert(std::is_same_v<decltype(&VHD_OpenBoardHandle), vhd::OpenBoardHandleFn>);
static_assert(std::is_same_v<decltype(&VHD_CloseBoardHandle), vhd::CloseBoardHandleFn>);
static_assert(std::is_same_v<decltype(&VHD_GetBoardProperty), vhd::GetBoardPropertyFn>);
static_assert(std::is_same_v<decltype(&VHD_OpenStreamHandle), vhd::OpenStreamHandleFn>);
static_assert(std::is_same_v<decltype(&VHD_CloseStreamHandle), vhd::CloseStreamHandleFn>);
static_assert(std::is_same_v<decltype(&VHD_SetStreamProperty), vhd::SetStreamPropertyFn>);
static_assert(std::is_same_v<decltype(&VHD_StartStream), vhd::StartStreamFn>);
static_assert(std::is_same_v<decltype(&VHD_StopStream), vhd::StopStreamFn>);
static_assert(std::is_same_v<decltype(&VHD_LockSlotHandle), vhd::LockSlotHandleFn>);
static_assert(std::is_same_v<decltype(&VHD_UnlockSlotHandle), vhd::UnlockSlotHandleFn>);
static_assert(std::is_same_v<decltype(&VHD_GetSlotBuffer), vhd::GetSlotBufferFn>);
#ifndef ONAIR_FAKE_VIDEOMASTER_WITHOUT_AUDIO
static_assert(std::is_same_v<decltype(&VHD_SlotExtractAudio), vhd::SlotExtractAudioFn>);
#endif
