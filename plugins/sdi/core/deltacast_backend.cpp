#include "deltacast_backend.h"

#include <algorithm>
#include <cstring>

namespace onair::sdi {

namespace {

// Room for one frame's samples per channel: twice the most a frame carries (2002 at 23.98 Hz),
// so a slot with more than its share is still read whole.
constexpr std::size_t kAudioSamplesRoom = 4096;

std::string status_text(vhd::ULONG status) {
  switch (status) {
    case vhd::kFatalError:
      return "VHDERR_FATALERROR";
    case vhd::kOperationFailed:
      return "VHDERR_OPERATIONFAILED";
    case vhd::kNotFound:
      return "VHDERR_NOTFOUND";
    case vhd::kBadArg:
      return "VHDERR_BADARG";
    case vhd::kInvalidHandle:
      return "VHDERR_INVALIDHANDLE";
    case vhd::kStreamUsed:
      return "VHDERR_STREAMUSED";
    case vhd::kTimeout:
      return "VHDERR_TIMEOUT";
    case vhd::kBadConfig:
      return "VHDERR_BADCONFIG";
    default:
      return "status " + std::to_string(status);
  }
}

std::string failure(const std::string &call, vhd::ULONG status) {
  return call + " failed: " + status_text(status);
}

std::string board_text(unsigned board) {
  return "board " + std::to_string(board);
}

std::string port_text(unsigned board, unsigned port) {
  return board_text(board) + " RX" + std::to_string(port);
}

// The signal on one RX port, from the board properties; nullopt with `error` set on failure.
std::optional<DeltacastPortStatus> read_port_status(const VideoMasterFunctions &api,
                                                    vhd::HANDLE board, unsigned board_index,
                                                    unsigned port, DeltacastError &error) {
  DeltacastPortStatus status;
  status.port = port;
  vhd::ULONG rx_status = 0;
  vhd::ULONG result = api.get_board_property(board, vhd::kBoardPropertyRxStatus[port], &rx_status);
  if (result != vhd::kNoError) {
    error = {DeltacastErrorKind::gone, failure("VHD_GetBoardProperty(RX" + std::to_string(port) +
                                                   "_STATUS) on " + board_text(board_index),
                                               result)};
    return std::nullopt;
  }
  status.locked = !(rx_status & vhd::kRxStatusUnlocked);
  if (!status.locked) return status;

  vhd::ULONG clock_divisor = 0;
  result = api.get_board_property(board, vhd::kBoardPropertyRxStandard[port], &status.raw_standard);
  if (result == vhd::kNoError)
    result = api.get_board_property(board, vhd::kBoardPropertyRxClockDivisor[port], &clock_divisor);
  if (result != vhd::kNoError) {
    error = {DeltacastErrorKind::gone, failure("VHD_GetBoardProperty(RX" + std::to_string(port) +
                                                   " standard) on " + board_text(board_index),
                                               result)};
    return std::nullopt;
  }
  status.mode = find_deltacast_mode(status.raw_standard, clock_divisor);
  return status;
}

struct BoardCount {
  vhd::ULONG count = 0;
  std::optional<DeltacastError> error;
};

BoardCount count_boards(const VideoMasterFunctions &api) {
  vhd::ULONG version = 0, count = 0;
  const vhd::ULONG result = api.get_api_info(&version, &count);
  if (result != vhd::kNoError)
    return {0, DeltacastError{DeltacastErrorKind::other, failure("VHD_GetApiInfo", result)}};
  return {count, std::nullopt};
}

std::optional<DeltacastError> read_rx_count(const VideoMasterFunctions &api, vhd::HANDLE board,
                                            unsigned board_index, unsigned &rx_count) {
  vhd::ULONG count = 0;
  const vhd::ULONG result = api.get_board_property(board, vhd::kBoardPropertyNbRxChannels, &count);
  if (result != vhd::kNoError)
    return DeltacastError{
        DeltacastErrorKind::gone,
        failure("VHD_GetBoardProperty(NB_RXCHANNELS) on " + board_text(board_index), result)};
  // Ports past RX7 have board properties we have not checked; they are left out.
  rx_count = std::min<unsigned>(count, vhd::kMaxRxPorts);
  return std::nullopt;
}

}  // namespace

const char *to_string(DeltacastErrorKind kind) {
  switch (kind) {
    case DeltacastErrorKind::library_missing:
      return "library-missing";
    case DeltacastErrorKind::no_device:
      return "no-device";
    case DeltacastErrorKind::busy:
      return "busy";
    case DeltacastErrorKind::gone:
      return "gone";
    case DeltacastErrorKind::unsupported:
      return "unsupported";
    case DeltacastErrorKind::other:
      break;
  }
  return "other";
}

DeltacastError to_deltacast_error(const VideoMasterLoadError &error) {
  return {DeltacastErrorKind::library_missing, error.message};
}

const char *deltacast_pixel_format(DeltacastSampleDepth depth) {
  return depth == DeltacastSampleDepth::bits10 ? "v210" : "UYVY";
}

DeltacastBoardsResult list_deltacast_boards(const VideoMasterLibrary &library) {
  const auto &api = library.api();
  const BoardCount boards = count_boards(api);
  if (boards.error) return *boards.error;

  std::vector<DeltacastBoard> listed;
  for (unsigned index = 0; index < boards.count; ++index) {
    DeltacastBoard entry;
    entry.index = index;
    const char *model = api.get_board_model(index);
    entry.model = model ? model : "DELTACAST " + board_text(index);

    vhd::HANDLE board = nullptr;
    const vhd::ULONG result = api.open_board_handle(index, &board, nullptr, 0);
    if (result != vhd::kNoError) {
      entry.error = {DeltacastErrorKind::gone,
                     failure("VHD_OpenBoardHandle(" + board_text(index) + ")", result)};
      listed.push_back(std::move(entry));
      continue;
    }
    unsigned rx_count = 0;
    entry.error = read_rx_count(api, board, index, rx_count);
    for (unsigned port = 0; port < rx_count && !entry.error; ++port) {
      DeltacastError error;
      if (auto status = read_port_status(api, board, index, port, error))
        entry.ports.push_back(*status);
      else
        entry.error = error;
    }
    api.close_board_handle(board);  // nothing to do about a failure to let go
    listed.push_back(std::move(entry));
  }
  return listed;
}

DeltacastCapture::DeltacastCapture(std::shared_ptr<const VideoMasterLibrary> library,
                                   const DeltacastCaptureConfig &config)
    : library_(std::move(library)), config_(config) {}

DeltacastCapture::OpenResult DeltacastCapture::open(
    std::shared_ptr<const VideoMasterLibrary> library, const DeltacastCaptureConfig &config) {
  const auto &api = library->api();
  const BoardCount boards = count_boards(api);
  if (boards.error) return *boards.error;
  if (config.board >= boards.count)
    return DeltacastError{DeltacastErrorKind::no_device,
                          "no DELTACAST " + board_text(config.board) + " (" +
                              std::to_string(boards.count) + " found)"};

  std::unique_ptr<DeltacastCapture> capture(new DeltacastCapture(std::move(library), config));
  vhd::ULONG result = api.open_board_handle(config.board, &capture->board_, nullptr, 0);
  if (result != vhd::kNoError) {
    capture->board_ = nullptr;
    return DeltacastError{DeltacastErrorKind::gone,
                          failure("VHD_OpenBoardHandle(" + board_text(config.board) + ")", result)};
  }
  unsigned rx_count = 0;
  if (auto error = read_rx_count(api, capture->board_, config.board, rx_count)) return *error;
  if (config.port >= rx_count)
    return DeltacastError{DeltacastErrorKind::no_device,
                          board_text(config.board) + " has no RX" + std::to_string(config.port) +
                              " (" + std::to_string(rx_count) + " RX ports)"};

  const std::string where = port_text(config.board, config.port);
  if (config.audio_channels > vhd::kAudioChannels)
    return DeltacastError{DeltacastErrorKind::other,
                          std::to_string(config.audio_channels) +
                              " audio channels asked for; SDI carries at most " +
                              std::to_string(vhd::kAudioChannels)};
  // Embedded audio travels in the ANC, which only a joined stream delivers.
  const bool with_audio = config.audio_channels > 0 && api.slot_extract_audio;
  vhd::BOOL32 setup_lock = 0;
  result = api.open_stream_handle(
      capture->board_, vhd::kStreamTypeRx[config.port],
      with_audio ? vhd::kSdiProcessingJoined : vhd::kSdiProcessingDisjoinedVideo, &setup_lock,
      &capture->stream_, nullptr);
  if (result != vhd::kNoError) {
    capture->stream_ = nullptr;
    const auto kind =
        result == vhd::kStreamUsed ? DeltacastErrorKind::busy : DeltacastErrorKind::gone;
    return DeltacastError{kind, failure("VHD_OpenStreamHandle(" + where + ")", result)};
  }

  const struct {
    const char *name;
    vhd::ULONG property;
    vhd::ULONG value;
  } settings[] = {
      {"TRANSFER_SCHEME", vhd::kStreamPropertyTransferScheme, vhd::kTransferSlaved},
      {"IO_TIMEOUT", vhd::kStreamPropertyIoTimeout,
       static_cast<vhd::ULONG>(config.io_timeout.count())},
      {"BUFFER_PACKING", vhd::kStreamPropertyBufferPacking,
       config.depth == DeltacastSampleDepth::bits10 ? vhd::kBufferPackingYuv422_10
                                                    : vhd::kBufferPackingYuv422_8},
  };
  for (const auto &setting : settings) {
    result = api.set_stream_property(capture->stream_, setting.property, setting.value);
    if (result != vhd::kNoError)
      return DeltacastError{
          DeltacastErrorKind::other,
          failure(std::string("VHD_SetStreamProperty(") + setting.name + ") on " + where, result)};
  }
  return capture;
}

DeltacastCapture::~DeltacastCapture() {
  stop();
  const auto &api = library_->api();
  // Failures while letting go leave nothing to recover.
  if (stream_) api.close_stream_handle(stream_);
  if (board_) api.close_board_handle(board_);
}

void DeltacastCapture::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  sequence_ = 0;
  audio_reported_ = false;
  thread_ = std::thread([this] { run(); });
}

void DeltacastCapture::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (stream_started_) {
    library_->api().stop_stream(stream_);
    stream_started_ = false;
  }
}

std::optional<DeltacastItem> DeltacastCapture::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  queue_changed_.wait_for(lock, timeout, [this] { return flushing_ || !queue_.empty(); });
  if (flushing_ || queue_.empty()) return std::nullopt;
  DeltacastItem item = std::move(queue_.front());
  queue_.pop_front();
  if (std::holds_alternative<DeltacastFrame>(item)) --queued_frames_;
  return item;
}

void DeltacastCapture::set_flushing(bool flushing) {
  {
    std::lock_guard lock(mutex_);
    flushing_ = flushing;
    if (flushing) {
      std::erase_if(queue_, [](const DeltacastItem &item) {
        return std::holds_alternative<DeltacastFrame>(item);
      });
      queued_frames_ = 0;
    }
  }
  queue_changed_.notify_all();
}

std::uint64_t DeltacastCapture::dropped_frames() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void DeltacastCapture::push(DeltacastItem item) {
  {
    std::lock_guard lock(mutex_);
    if (std::holds_alternative<DeltacastFrame>(item)) {
      if (flushing_) return;
      if (queued_frames_ >= config_.queue_frames) {
        auto oldest = std::find_if(queue_.begin(), queue_.end(), [](const DeltacastItem &queued) {
          return std::holds_alternative<DeltacastFrame>(queued);
        });
        queue_.erase(oldest);
        --queued_frames_;
        ++dropped_;
      }
      ++queued_frames_;
    }
    queue_.push_back(std::move(item));
  }
  queue_changed_.notify_all();
}

void DeltacastCapture::push_error(DeltacastErrorKind kind, std::string message) {
  push(DeltacastEvent{DeltacastEvent::Type::error, nullptr,
                      DeltacastError{kind, std::move(message)}});
}

bool DeltacastCapture::stop_requested() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool DeltacastCapture::wait_for_stop(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return stop_requested_.wait_for(lock, duration, [this] { return stopping_; });
}

bool DeltacastCapture::restart_stream(const SdiMode &mode) {
  const auto &api = library_->api();
  const std::string where = port_text(config_.board, config_.port);
  if (stream_started_) {
    stream_started_ = false;
    if (const vhd::ULONG result = api.stop_stream(stream_); result != vhd::kNoError) {
      push_error(DeltacastErrorKind::gone, failure("VHD_StopStream(" + where + ")", result));
      return false;
    }
  }
  // Every mode the port status gives has a standard.
  const vhd::ULONG standard = find_deltacast_standard(mode)->standard;
  vhd::ULONG result =
      api.set_stream_property(stream_, vhd::kSdiStreamPropertyVideoStandard, standard);
  if (result != vhd::kNoError) {
    push_error(DeltacastErrorKind::other, failure("VHD_SetStreamProperty(VIDEO_STANDARD " +
                                                      std::string(mode.name) + ") on " + where,
                                                  result));
    return false;
  }
  result = api.start_stream(stream_);
  if (result != vhd::kNoError) {
    push_error(DeltacastErrorKind::gone, failure("VHD_StartStream(" + where + ")", result));
    return false;
  }
  stream_started_ = true;
  return true;
}

void DeltacastCapture::report_audio_unavailable(std::string message) {
  if (audio_reported_) return;
  audio_reported_ = true;
  push(DeltacastEvent{DeltacastEvent::Type::audio_unavailable, nullptr,
                      DeltacastError{DeltacastErrorKind::other, std::move(message)}});
}

std::optional<std::string> DeltacastCapture::extract_audio(vhd::HANDLE slot,
                                                           DeltacastFrame &frame) {
  const unsigned channels = config_.audio_channels;
  audio_room_.resize(channels * kAudioSamplesRoom);
  audio_info_ = {};
  // Mono 16-bit buffers, one per channel: the output's sample format, so no conversion.
  for (unsigned channel = 0; channel < channels; ++channel) {
    auto &slot_channel = audio_info_.groups[channel / vhd::kAudioChannelsPerGroup]
                             .channels[channel % vhd::kAudioChannelsPerGroup];
    slot_channel.mode = vhd::kAudioModeMono;
    slot_channel.buffer_format = vhd::kAudioFormat16;
    slot_channel.data_size = static_cast<vhd::ULONG>(kAudioSamplesRoom * sizeof(std::int16_t));
    slot_channel.data = reinterpret_cast<vhd::BYTE *>(&audio_room_[channel * kAudioSamplesRoom]);
  }
  const vhd::ULONG result = library_->api().slot_extract_audio(slot, &audio_info_);
  if (result != vhd::kNoError)
    return failure("VHD_SlotExtractAudio(" + port_text(config_.board, config_.port) + ")", result);

  // Channels absent from the signal come back shorter (or empty): they are padded with silence.
  const auto samples_of = [&](unsigned channel) {
    const auto &slot_channel = audio_info_.groups[channel / vhd::kAudioChannelsPerGroup]
                                   .channels[channel % vhd::kAudioChannelsPerGroup];
    return std::min<std::size_t>(slot_channel.data_size / sizeof(std::int16_t), kAudioSamplesRoom);
  };
  std::size_t samples = 0;
  for (unsigned channel = 0; channel < channels; ++channel)
    samples = std::max(samples, samples_of(channel));
  frame.audio.assign(samples * channels, 0);
  frame.audio_channels = channels;
  for (unsigned channel = 0; channel < channels; ++channel) {
    const std::int16_t *from = &audio_room_[channel * kAudioSamplesRoom];
    for (std::size_t sample = 0, count = samples_of(channel); sample < count; ++sample)
      frame.audio[sample * channels + channel] = from[sample];
  }
  return std::nullopt;
}

void DeltacastCapture::run() {
  const auto &api = library_->api();
  if (config_.audio_channels > 0 && !api.slot_extract_audio)
    report_audio_unavailable(library_->audio_missing());
  enum class Signal { unknown, lost, locked };
  Signal reported = Signal::unknown;   // what the consumer was last told
  const SdiMode *streaming = nullptr;  // the mode the stream was started with
  const SdiMode *last_seen = nullptr;
  // The unsupported standard last reported, so it is reported once; none is a valid value.
  constexpr vhd::ULONG kNoneReported = ~vhd::ULONG{0};
  vhd::ULONG reported_unsupported = kNoneReported;

  while (!stop_requested()) {
    DeltacastError error;
    const auto status = read_port_status(api, board_, config_.board, config_.port, error);
    if (!status) {
      push_error(error.kind, std::move(error.message));
      return;
    }
    if (!status->locked || !status->mode) {
      if (reported != Signal::lost)
        push(DeltacastEvent{DeltacastEvent::Type::signal_lost, last_seen, std::nullopt});
      reported = Signal::lost;
      if (status->locked && reported_unsupported != status->raw_standard) {
        reported_unsupported = status->raw_standard;
        push(DeltacastEvent{
            DeltacastEvent::Type::error, nullptr,
            DeltacastError{DeltacastErrorKind::unsupported,
                           port_text(config_.board, config_.port) + " receives VHD_VIDEOSTANDARD " +
                               std::to_string(status->raw_standard) + ", which has no mode here"}});
      }
      if (wait_for_stop(config_.io_timeout)) return;
      continue;
    }
    reported_unsupported = kNoneReported;

    const SdiMode &mode = *status->mode;
    if (streaming != &mode) {
      if (!restart_stream(mode)) return;
      streaming = &mode;
    }
    if (reported != Signal::locked || last_seen != &mode) {
      const bool changed = reported == Signal::locked;
      push(DeltacastEvent{
          changed ? DeltacastEvent::Type::format_changed : DeltacastEvent::Type::signal_locked,
          &mode, std::nullopt});
      reported = Signal::locked;
      last_seen = &mode;
    }
    if (!capture_slots(mode)) return;
  }
}

bool DeltacastCapture::capture_slots(const SdiMode &mode) {
  const auto &api = library_->api();
  const std::string where = port_text(config_.board, config_.port);
  const bool ten_bit = config_.depth == DeltacastSampleDepth::bits10;
  const std::size_t expected = std::size_t{deltacast_line_bytes(mode.width, ten_bit)} *
                               static_cast<std::uint32_t>(mode.height);

  while (!stop_requested()) {
    vhd::HANDLE slot = nullptr;
    vhd::ULONG result = api.lock_slot_handle(stream_, &slot);
    if (result == vhd::kTimeout) return true;  // no frame: look at the signal again
    if (result != vhd::kNoError) {
      push_error(DeltacastErrorKind::gone, failure("VHD_LockSlotHandle(" + where + ")", result));
      return false;
    }
    DeltacastFrame frame;
    frame.captured = std::chrono::steady_clock::now();
    vhd::BYTE *buffer = nullptr;
    vhd::ULONG size = 0;
    result = api.get_slot_buffer(slot, vhd::kSdiBufferVideo, &buffer, &size);
    const bool usable = result == vhd::kNoError && buffer && size >= expected;
    if (usable) frame.data.assign(buffer, buffer + size);
    // Audio failures cost the frame its sound, not the capture: it goes on with silence.
    if (usable && config_.audio_channels > 0 && api.slot_extract_audio)
      if (auto audio_failure = extract_audio(slot, frame))
        report_audio_unavailable(std::move(*audio_failure));
    const vhd::ULONG unlocked = api.unlock_slot_handle(slot);

    if (result != vhd::kNoError) {
      push_error(DeltacastErrorKind::gone, failure("VHD_GetSlotBuffer(" + where + ")", result));
      return false;
    }
    if (!usable) {
      push_error(DeltacastErrorKind::other,
                 "VHD_GetSlotBuffer(" + where + ") gave " + std::to_string(size) + " bytes, a " +
                     std::string(mode.name) + " " + deltacast_pixel_format(config_.depth) +
                     " frame needs " + std::to_string(expected));
      return false;
    }
    if (unlocked != vhd::kNoError) {
      push_error(DeltacastErrorKind::gone,
                 failure("VHD_UnlockSlotHandle(" + where + ")", unlocked));
      return false;
    }
    frame.mode = &mode;
    frame.pixel_format = deltacast_pixel_format(config_.depth);
    frame.stride = static_cast<std::uint32_t>(size / static_cast<std::uint32_t>(mode.height));
    frame.sequence = sequence_++;
    push(std::move(frame));
  }
  return true;
}

}  // namespace onair::sdi
