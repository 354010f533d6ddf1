// DELTACAST SDI capture through VideoMaster: the cards and RX ports found, their signal, and
// a capture thread running VideoMaster's lock-slot / get-buffer / unlock-slot loop into a
// small queue that a consumer drains. Plain C++; the GStreamer element sits on top.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "deltacast_standards.h"
#include "videomaster_library.h"

namespace onair::sdi {

enum class DeltacastErrorKind {
  library_missing,  // no libvideomasterhd.so, or one lacking a function we call
  no_device,        // no such board or RX port
  busy,             // the port's RX stream is held by another application
  gone,             // a call on an open board or stream failed: the card went away
  unsupported,      // an incoming standard we have no mode for
  other,
};
const char *to_string(DeltacastErrorKind kind);

struct DeltacastError {
  DeltacastErrorKind kind;
  std::string message;  // names the VideoMaster call, its arguments and the status it returned
};

DeltacastError to_deltacast_error(const VideoMasterLoadError &error);

struct DeltacastPortStatus {
  unsigned port = 0;
  bool locked = false;            // a valid signal is present
  const SdiMode *mode = nullptr;  // nullptr when unlocked or a standard without a mode
  vhd::ULONG raw_standard = 0;    // VHD_VIDEOSTANDARD as read, for messages
};

struct DeltacastBoard {
  unsigned index = 0;
  std::string model;
  std::vector<DeltacastPortStatus> ports;  // RX ports only
  std::optional<DeltacastError> error;     // the board is listed but could not be read
};

using DeltacastBoardsResult = std::variant<std::vector<DeltacastBoard>, DeltacastError>;
DeltacastBoardsResult list_deltacast_boards(const VideoMasterLibrary &library);

enum class DeltacastSampleDepth { bits8, bits10 };
// GStreamer video format name for the card's 4:2:2 packing: "UYVY" or "v210".
const char *deltacast_pixel_format(DeltacastSampleDepth depth);

struct DeltacastFrame {
  std::vector<std::uint8_t> data;
  const SdiMode *mode = nullptr;
  const char *pixel_format = nullptr;
  std::uint32_t stride = 0;    // bytes per line as the card delivered them
  std::uint64_t sequence = 0;  // counts frames since start(); a gap means frames were dropped
  std::chrono::steady_clock::time_point captured;  // when the slot was locked
  // The slot's embedded audio: 48 kHz interleaved 16-bit native-endian samples of
  // `audio_channels` channels, as many as the slot carried (its count varies per frame at
  // 29.97 Hz). Empty when no audio was asked for or its extraction failed.
  std::vector<std::int16_t> audio;
  unsigned audio_channels = 0;
};

struct DeltacastEvent {
  // audio_unavailable: the audio asked for cannot be had (no extraction function, or it
  // failed); told once per start(), the capture goes on with frames without audio.
  enum class Type { signal_locked, signal_lost, format_changed, error, audio_unavailable };
  Type type;
  const SdiMode *mode = nullptr;        // locked/changed: the new mode; lost: the last one
  std::optional<DeltacastError> error;  // error (the capture thread has ended), audio_unavailable
};

using DeltacastItem = std::variant<DeltacastFrame, DeltacastEvent>;

struct DeltacastCaptureConfig {
  unsigned board = 0;
  unsigned port = 0;
  DeltacastSampleDepth depth = DeltacastSampleDepth::bits8;
  std::size_t queue_frames = 4;  // older frames are dropped when the consumer falls behind
  // How long a slot lock waits before the signal is looked at again; also the signal poll
  // period while there is none.
  std::chrono::milliseconds io_timeout{100};
  // Embedded audio channels to extract with each frame, 0 to 16: channel n of the output is
  // SDI group n / 4, channel n % 4. 0 opens the stream video-only.
  unsigned audio_channels = 0;
};

class DeltacastCapture {
 public:
  using OpenResult = std::variant<std::unique_ptr<DeltacastCapture>, DeltacastError>;

  // Opens the board and the port's RX stream (so a busy port fails here, not later).
  static OpenResult open(std::shared_ptr<const VideoMasterLibrary> library,
                         const DeltacastCaptureConfig &config);
  ~DeltacastCapture();
  DeltacastCapture(const DeltacastCapture &) = delete;
  DeltacastCapture &operator=(const DeltacastCapture &) = delete;

  void start();  // the capture thread; it reports the signal state first
  void stop();   // joins the thread and stops the stream; start() may follow

  // The next frame or event, or nothing after `timeout` or while flushing.
  std::optional<DeltacastItem> pop(std::chrono::milliseconds timeout);
  // Flushing wakes pop() at once and discards queued frames (events are kept).
  void set_flushing(bool flushing);
  std::uint64_t dropped_frames() const;

 private:
  DeltacastCapture(std::shared_ptr<const VideoMasterLibrary> library,
                   const DeltacastCaptureConfig &config);
  void run();
  // Locks slots until one times out (the signal must be looked at again) or stop; false when
  // the stream failed (the error is queued).
  bool capture_slots(const SdiMode &mode);
  bool restart_stream(const SdiMode &mode);
  // Fills frame.audio from the locked slot; the failure's text otherwise.
  std::optional<std::string> extract_audio(vhd::HANDLE slot, DeltacastFrame &frame);
  void report_audio_unavailable(std::string message);
  void push(DeltacastItem item);
  void push_error(DeltacastErrorKind kind, std::string message);
  bool stop_requested() const;
  bool wait_for_stop(std::chrono::milliseconds duration);  // true when stop was asked for

  std::shared_ptr<const VideoMasterLibrary> library_;
  DeltacastCaptureConfig config_;
  vhd::HANDLE board_ = nullptr;
  vhd::HANDLE stream_ = nullptr;
  bool stream_started_ = false;  // capture thread only (or after join)
  std::uint64_t sequence_ = 0;
  bool audio_reported_ = false;           // capture thread: audio_unavailable was told this start()
  vhd::AudioInfo audio_info_{};           // capture thread: VHD_SlotExtractAudio's argument
  std::vector<std::int16_t> audio_room_;  // capture thread: one block per channel

  mutable std::mutex mutex_;
  std::condition_variable queue_changed_;
  std::condition_variable stop_requested_;
  std::deque<DeltacastItem> queue_;
  std::size_t queued_frames_ = 0;
  std::uint64_t dropped_ = 0;
  bool flushing_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace onair::sdi
