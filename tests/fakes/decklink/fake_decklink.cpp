// A simulated Blackmagic DeckLink driver (libDeckLinkAPI.so) for tests and demos: the entry
// points GStreamer's decklink plugin looks up with dlsym (its DeckLinkAPIDispatch.cpp) and the
// interfaces decklinkvideosrc/decklinkaudiosrc call (decklink_api.h), driven by a scenario
// instead of a card, so GStreamer's own elements run unchanged on it.
//
// Like a card, each input delivers a frame (and, with audio enabled, an audio packet) per
// frame period of the enabled mode, from its own thread, through the registered
// IDeckLinkInputCallback, stamped on the steady clock (the hardware reference clock here):
// - without signal, or with a signal the enabled mode cannot lock on and format detection
//   off, frames of the enabled mode come flagged bmdFrameHasNoInputSource, black, with silence;
// - with format detection on, an incoming mode other than the enabled one is announced through
//   VideoInputFormatChanged (the application re-enables the input in the new mode);
// - an input held by another application refuses EnableVideoInput with E_ACCESSDENIED;
// - a device that went away (unplugged, driver reset) leaves the iterator, refuses
//   EnableVideoInput with E_FAIL and delivers nothing more: GStreamer 1.22's decklink plugin has
//   no removal notification, its elements just stop receiving frames.
//
// Scenario: $ONAIR_FAKE_DECKLINK, or the file it names after '@'. Settings are KEY=VALUE,
// separated by ';' or new lines; times are seconds since the input's streams were started
// (StartStreams on stopped streams; the restart of a format change keeps counting).
//   devices=N       DeckLink devices (inputs) present (default 1; 0: none)
//   signal=MODE     what every input receives: an sdisrc mode name such as 1080i50, or "none"
//   lost_at=T       the signal disappears at T ...
//   back_at=T       ... and returns at T (absent: it stays away)
//   change_at=T     the incoming mode becomes change_to=MODE at T
//   depth=8|10      bit depth the input reports to format detection (default 10, as SDI)
//   busy=I[,I]      those inputs are held by another application
//   busy_until=T    the input is held by another application until T (device time, below)
//   gone_at=T       the device goes away at T (device time) ...
//   gone_back_at=T  ... and comes back at T (absent: it stays away)
//   model=TEXT      what IDeckLink::GetModelName answers
//   tone=HZ         embedded audio: a sine at HZ on every channel, -20 dBFS (default 1000;
//                   0: silence); silence anyway while there is no signal
// signal, lost_at, back_at, change_at, change_to, tone, busy_until, gone_at and gone_back_at
// also take an input suffix, which wins over the setting for all inputs: "signal.1=none" leaves
// device 1 without signal.
// Device time counts seconds since the input was first listed or enabled under this scenario's
// text (a device outlives the streams an application starts and stops on it); the same text
// again later keeps that clock, so scenarios that need it from 0 differ in their text.
// The devices are listed once per process (GStreamer enumerates them once); the rest of the
// scenario is read again whenever an input is enabled.
// Every frame with signal starts with three native 64-bit numbers: its stream time in ns, its
// number since the input was first started in this process, and its index in the current run
// of frames (since the last start or format change). The rest is a grey picture.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <numbers>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/sdi_modes.h"
#include "decklink_api.h"
#include "scenario.h"

namespace {

using namespace decklink;
using onair::sdi::find_sdi_mode;
using onair::sdi::SdiMode;
using Clock = std::chrono::steady_clock;

constexpr const char *kScenarioEnv = "ONAIR_FAKE_DECKLINK";
constexpr double kNever = -1;
constexpr int64_t kNanosecond = 1'000'000'000;
constexpr int kAudioRate = 48000;
constexpr int64_t kMaxAudioChannels = 16;

// The display modes the fake cards offer, with their codes (SDK reference, BMDDisplayMode).
struct ModeCode {
  const char *name;  // sdisrc's mode name (core/sdi_modes.h)
  BMDDisplayMode code;
  const char *display_name;
};
constexpr ModeCode kModeCodes[] = {
    {"486i59.94", fourcc("ntsc"), "NTSC"},        {"576i50", fourcc("pal "), "PAL"},
    {"720p50", fourcc("hp50"), "720p50"},         {"720p59.94", fourcc("hp59"), "720p59.94"},
    {"720p60", fourcc("hp60"), "720p60"},         {"1080i50", fourcc("Hi50"), "1080i50"},
    {"1080i59.94", fourcc("Hi59"), "1080i59.94"}, {"1080i60", fourcc("Hi60"), "1080i60"},
    {"1080p23.98", fourcc("23ps"), "1080p23.98"}, {"1080p24", fourcc("24ps"), "1080p24"},
    {"1080p25", fourcc("Hp25"), "1080p25"},       {"1080p29.97", fourcc("Hp29"), "1080p29.97"},
    {"1080p30", fourcc("Hp30"), "1080p30"},       {"1080p50", fourcc("Hp50"), "1080p50"},
    {"1080p59.94", fourcc("Hp59"), "1080p59.94"}, {"1080p60", fourcc("Hp60"), "1080p60"},
    {"2160p23.98", fourcc("4k23"), "2160p23.98"}, {"2160p24", fourcc("4k24"), "2160p24"},
    {"2160p25", fourcc("4k25"), "2160p25"},       {"2160p29.97", fourcc("4k29"), "2160p29.97"},
    {"2160p30", fourcc("4k30"), "2160p30"},       {"2160p50", fourcc("4k50"), "2160p50"},
    {"2160p59.94", fourcc("4k59"), "2160p59.94"}, {"2160p60", fourcc("4k60"), "2160p60"},
};

const ModeCode *code_of(const SdiMode &mode) {
  for (const ModeCode &code : kModeCodes)
    if (find_sdi_mode(code.name) == &mode) return &code;
  return nullptr;
}
const ModeCode *code_of(BMDDisplayMode display_mode) {
  for (const ModeCode &code : kModeCodes)
    if (code.code == display_mode) return &code;
  return nullptr;
}

// A COM object's reference count; the object deletes itself on the last Release.
template <typename Interface>
class RefCounted : public Interface {
 public:
  HRESULT QueryInterface(REFIID, void **out) override {
    if (out) *out = nullptr;
    return E_NOINTERFACE;
  }
  ULONG AddRef() override { return ++refs_; }
  ULONG Release() override {
    const ULONG left = --refs_;
    if (left == 0) delete this;
    return left;
  }

 protected:
  ~RefCounted() override = default;

 private:
  std::atomic<ULONG> refs_{1};
};

// What one input receives over time.
struct InputScript {
  std::string signal = "1080i50";
  double lost_at = kNever;
  double back_at = kNever;
  double change_at = kNever;
  std::string change_to;
  double tone = 1000;
  double busy_until = kNever;
  double gone_at = kNever;
  double gone_back_at = kNever;

  bool busy_at(double device_seconds) const { return device_seconds < busy_until; }
  bool gone_at_time(double device_seconds) const {
    return gone_at >= 0 && device_seconds >= gone_at &&
           (gone_back_at < 0 || device_seconds < gone_back_at);
  }

  const SdiMode *mode_at(double seconds) const {
    if (lost_at >= 0 && seconds >= lost_at && (back_at < 0 || seconds < back_at)) return nullptr;
    const SdiMode *mode =
        find_sdi_mode(change_at >= 0 && seconds >= change_at ? change_to : signal);
    return mode && code_of(*mode) ? mode : nullptr;
  }

  bool apply(const std::string &key, const std::string &value) {
    if (key == "signal")
      signal = value;
    else if (key == "lost_at")
      lost_at = std::stod(value);
    else if (key == "back_at")
      back_at = std::stod(value);
    else if (key == "change_at")
      change_at = std::stod(value);
    else if (key == "change_to")
      change_to = value;
    else if (key == "tone")
      tone = std::stod(value);
    else if (key == "busy_until")
      busy_until = std::stod(value);
    else if (key == "gone_at")
      gone_at = std::stod(value);
    else if (key == "gone_back_at")
      gone_back_at = std::stod(value);
    else
      return false;
    return true;
  }
};

struct Scenario {
  std::string text;  // as given: the key of the device clocks
  unsigned devices = 1;
  std::string model = "DeckLink Duo 2 (simulated)";
  int depth = 10;
  std::set<unsigned> busy;
  InputScript all_inputs;
  std::map<unsigned, std::map<std::string, std::string>> input_settings;

  InputScript script(unsigned input) const {
    InputScript script = all_inputs;
    if (auto found = input_settings.find(input); found != input_settings.end())
      for (const auto &[key, value] : found->second) script.apply(key, value);
    return script;
  }
};

Scenario read_scenario() {
  Scenario scenario;
  scenario.text = onair::fakes::scenario_text(kScenarioEnv);
  for (const auto &[key, value] : onair::fakes::scenario_settings(scenario.text)) {
    if (key == "devices") {
      scenario.devices = static_cast<unsigned>(std::stoul(value));
    } else if (key == "model") {
      scenario.model = value;
    } else if (key == "depth") {
      scenario.depth = std::stoi(value);
    } else if (key == "busy") {
      std::stringstream inputs(value);
      std::string input;
      while (std::getline(inputs, input, ',')) scenario.busy.insert(std::stoul(input));
    } else if (const auto dot = key.find('.'); dot != std::string::npos) {
      scenario.input_settings[std::stoul(key.substr(dot + 1))][key.substr(0, dot)] = value;
    } else if (!scenario.all_inputs.apply(key, value)) {
      std::fprintf(stderr, "fake decklink: unknown scenario setting %s\n", key.c_str());
    }
  }
  return scenario;
}

// When input `index` was first listed or enabled under `scenario`: its device time's origin.
Clock::time_point device_epoch(const Scenario &scenario, unsigned index) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, unsigned>, Clock::time_point> epochs;
  std::lock_guard lock(mutex);
  return epochs.try_emplace({scenario.text, index}, Clock::now()).first->second;
}

double seconds_since(Clock::time_point origin) {
  return std::chrono::duration<double>(Clock::now() - origin).count();
}

int64_t to_scale(int64_t nanoseconds, BMDTimeScale scale) {
  // Split like SdiMode::frame_start so long runs cannot overflow.
  return nanoseconds / kNanosecond * scale + nanoseconds % kNanosecond * scale / kNanosecond;
}

int64_t steady_ns(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

class DisplayMode final : public RefCounted<IDeckLinkDisplayMode> {
 public:
  explicit DisplayMode(const ModeCode &code) : code_(code), mode_(*find_sdi_mode(code.name)) {}
  HRESULT GetName(const char **name) override {
    if (!name) return E_POINTER;
    *name = strdup(code_.display_name);  // the caller frees it (SDK: strings on Linux)
    return S_OK;
  }
  BMDDisplayMode GetDisplayMode() override { return code_.code; }
  long GetWidth() override { return mode_.width; }
  long GetHeight() override { return mode_.height; }
  HRESULT GetFrameRate(BMDTimeValue *duration, BMDTimeScale *scale) override {
    if (duration) *duration = mode_.fps_d;
    if (scale) *scale = mode_.fps_n;
    return S_OK;
  }
  BMDFieldDominance GetFieldDominance() override {
    if (!mode_.interlaced) return kProgressiveFrame;
    return mode_.height == 486 ? kLowerFieldFirst : kUpperFieldFirst;
  }
  BMDDisplayModeFlags GetFlags() override {
    return mode_.height < 720 ? kDisplayModeColorspaceRec601 : kDisplayModeColorspaceRec709;
  }

 private:
  const ModeCode &code_;
  const SdiMode &mode_;
};

class DisplayModeIterator final : public RefCounted<IDeckLinkDisplayModeIterator> {
 public:
  HRESULT Next(IDeckLinkDisplayMode **mode) override {
    if (!mode) return E_POINTER;
    if (next_ == std::size(kModeCodes)) {
      *mode = nullptr;
      return S_FALSE;
    }
    *mode = new DisplayMode(kModeCodes[next_++]);
    return S_OK;
  }

 private:
  std::size_t next_ = 0;
};

// Frame memory comes from the application's allocator when it registered one, as on a card.
class VideoFrame final : public RefCounted<IDeckLinkVideoInputFrame> {
 public:
  struct Timing {
    int64_t stream_ns;
    int64_t duration_ns;
    int64_t hardware_ns;
  };
  VideoFrame(const SdiMode &mode, BMDPixelFormat format, BMDFrameFlags flags, Timing timing,
             IDeckLinkMemoryAllocator *allocator)
      : mode_(mode), format_(format), flags_(flags), timing_(timing), allocator_(allocator) {
    const std::size_t size = static_cast<std::size_t>(GetRowBytes()) * mode.height;
    if (allocator_) {
      allocator_->AddRef();
      if (allocator_->AllocateBuffer(static_cast<uint32_t>(size), &bytes_) != S_OK)
        bytes_ = nullptr;
    }
    if (!bytes_) {
      owned_.resize(size);
      bytes_ = owned_.data();
    }
    size_ = size;
  }
  ~VideoFrame() override {
    if (allocator_) {
      if (owned_.empty()) allocator_->ReleaseBuffer(bytes_);
      allocator_->Release();
    }
  }
  uint8_t *data() { return static_cast<uint8_t *>(bytes_); }
  std::size_t size() const { return size_; }

  long GetWidth() override { return mode_.width; }
  long GetHeight() override { return mode_.height; }
  long GetRowBytes() override {
    // v210 packs 6 pixels in 16 bytes, lines padded to 128 bytes (SDK: bmdFormat10BitYUV).
    return format_ == kFormat10BitYuv ? (mode_.width + 47) / 48 * 128 : mode_.width * 2;
  }
  BMDPixelFormat GetPixelFormat() override { return format_; }
  BMDFrameFlags GetFlags() override { return flags_; }
  HRESULT GetBytes(void **buffer) override {
    if (!buffer) return E_POINTER;
    *buffer = bytes_;
    return S_OK;
  }
  HRESULT GetTimecode(BMDTimecodeFormat, IDeckLinkTimecode **timecode) override {
    if (timecode) *timecode = nullptr;
    return S_FALSE;  // no timecode in the signal (SDK: S_FALSE, timecode null)
  }
  HRESULT GetAncillaryData(IDeckLinkVideoFrameAncillary **ancillary) override {
    if (ancillary) *ancillary = nullptr;
    return E_FAIL;
  }
  HRESULT GetStreamTime(BMDTimeValue *time, BMDTimeValue *duration, BMDTimeScale scale) override {
    if (!time || !duration || scale <= 0) return E_INVALIDARG;
    *time = to_scale(timing_.stream_ns, scale);
    *duration = to_scale(timing_.stream_ns + timing_.duration_ns, scale) - *time;
    return S_OK;
  }
  HRESULT GetHardwareReferenceTimestamp(BMDTimeScale scale, BMDTimeValue *time,
                                        BMDTimeValue *duration) override {
    if (!time || !duration || scale <= 0) return E_INVALIDARG;
    *time = to_scale(timing_.hardware_ns, scale);
    *duration = to_scale(timing_.duration_ns, scale);
    return S_OK;
  }

 private:
  const SdiMode &mode_;
  BMDPixelFormat format_;
  BMDFrameFlags flags_;
  Timing timing_;
  IDeckLinkMemoryAllocator *allocator_;
  void *bytes_ = nullptr;
  std::size_t size_ = 0;
  std::vector<uint8_t> owned_;
};

class AudioPacket final : public RefCounted<IDeckLinkAudioInputPacket> {
 public:
  // `first_sample` counts samples since the input's streams first started.
  AudioPacket(int64_t first_sample, long frames, uint32_t channels, BMDAudioSampleType type,
              double tone_hz)
      : first_sample_(first_sample), frames_(frames) {
    const std::size_t bytes_per_sample = type == kAudioSampleType16bit ? 2 : 4;
    bytes_.assign(static_cast<std::size_t>(frames) * channels * bytes_per_sample, 0);
    if (tone_hz <= 0) return;
    const double amplitude = 0.1;  // -20 dBFS
    for (long i = 0; i < frames; ++i) {
      const double phase =
          2 * std::numbers::pi * tone_hz * static_cast<double>(first_sample + i) / kAudioRate;
      const double value = amplitude * std::sin(phase);
      for (uint32_t c = 0; c < channels; ++c) {
        uint8_t *at =
            bytes_.data() + (static_cast<std::size_t>(i) * channels + c) * bytes_per_sample;
        if (bytes_per_sample == 2) {
          const auto sample = static_cast<int16_t>(std::lround(value * INT16_MAX));
          std::memcpy(at, &sample, sizeof sample);
        } else {
          const auto sample = static_cast<int32_t>(std::lround(value * INT32_MAX));
          std::memcpy(at, &sample, sizeof sample);
        }
      }
    }
  }
  long GetSampleFrameCount() override { return frames_; }
  HRESULT GetBytes(void **buffer) override {
    if (!buffer) return E_POINTER;
    *buffer = bytes_.data();
    return S_OK;
  }
  HRESULT GetPacketTime(BMDTimeValue *time, BMDTimeScale scale) override {
    if (!time || scale <= 0) return E_INVALIDARG;
    *time = first_sample_ * scale / kAudioRate;
    return S_OK;
  }

 private:
  int64_t first_sample_;
  long frames_;
  std::vector<uint8_t> bytes_;
};

class Device;

// One input: its enabled configuration, and the thread that plays the card's part.
class Input final : public IDeckLinkInput {
 public:
  Input(Device &device, unsigned index) : device_(device), index_(index) {}

  HRESULT QueryInterface(REFIID iid, void **out) override;
  ULONG AddRef() override;
  ULONG Release() override;

  HRESULT DoesSupportVideoMode(uint32_t, BMDDisplayMode mode, BMDPixelFormat format, uint32_t,
                               uint32_t, BMDDisplayMode *actual, bool *supported) override {
    const bool known = code_of(mode) && (format == kFormat8BitYuv || format == kFormat10BitYuv);
    if (actual) *actual = known ? mode : 0;
    if (supported) *supported = known;
    return S_OK;
  }
  HRESULT GetDisplayMode(BMDDisplayMode mode, IDeckLinkDisplayMode **result) override {
    if (!result) return E_POINTER;
    const ModeCode *code = code_of(mode);
    *result = code ? new DisplayMode(*code) : nullptr;
    return code ? S_OK : E_INVALIDARG;
  }
  HRESULT GetDisplayModeIterator(IDeckLinkDisplayModeIterator **iterator) override {
    if (!iterator) return E_POINTER;
    *iterator = new DisplayModeIterator;
    return S_OK;
  }
  HRESULT SetScreenPreviewCallback(IDeckLinkScreenPreviewCallback *) override { return S_OK; }

  HRESULT EnableVideoInput(BMDDisplayMode display_mode, BMDPixelFormat format,
                           BMDVideoInputFlags flags) override {
    const ModeCode *code = code_of(display_mode);
    if (!code || (format != kFormat8BitYuv && format != kFormat10BitYuv)) return E_INVALIDARG;
    const Scenario scenario = read_scenario();
    const InputScript script = scenario.script(index_);
    const Clock::time_point device_origin = device_epoch(scenario, index_);
    const double device_seconds = seconds_since(device_origin);
    std::lock_guard lock(mutex_);
    if (scenario.busy.count(index_) || script.busy_at(device_seconds)) return E_ACCESSDENIED;
    if (script.gone_at_time(device_seconds)) return E_FAIL;
    if (running_ && !paused_) return E_ACCESSDENIED;  // only a paused stream changes its mode
    device_origin_ = device_origin;
    mode_ = find_sdi_mode(code->name);
    refused_ = nullptr;
    format_ = format;
    detection_ = flags & kVideoInputEnableFormatDetection;
    script_ = script;
    depth_ = scenario.depth;
    video_enabled_ = true;
    return S_OK;
  }
  HRESULT DisableVideoInput() override {
    std::lock_guard lock(mutex_);
    video_enabled_ = false;
    return S_OK;
  }
  HRESULT GetAvailableVideoFrameCount(uint32_t *count) override {
    if (count) *count = 0;
    return S_OK;
  }
  HRESULT SetVideoInputFrameMemoryAllocator(IDeckLinkMemoryAllocator *allocator) override {
    if (allocator) allocator->AddRef();
    std::lock_guard lock(mutex_);
    if (allocator_) allocator_->Release();
    allocator_ = allocator;
    return S_OK;
  }
  HRESULT EnableAudioInput(BMDAudioSampleRate rate, BMDAudioSampleType type,
                           uint32_t channels) override {
    if (rate != kAudioSampleRate48kHz ||
        (type != kAudioSampleType16bit && type != kAudioSampleType32bit) ||
        (channels != 2 && channels != 8 && channels != 16))
      return E_INVALIDARG;
    std::lock_guard lock(mutex_);
    audio_type_ = type;
    audio_channels_ = channels;
    audio_enabled_ = true;
    return S_OK;
  }
  HRESULT DisableAudioInput() override {
    std::lock_guard lock(mutex_);
    audio_enabled_ = false;
    return S_OK;
  }
  HRESULT GetAvailableAudioSampleFrameCount(uint32_t *count) override {
    if (count) *count = 0;
    return S_OK;
  }

  // Called from the application's threads and, during a format change, from the input's own
  // thread inside VideoInputFormatChanged: never waits for that thread.
  HRESULT StartStreams() override {
    std::thread old;
    {
      std::lock_guard lock(mutex_);
      if (!video_enabled_) return E_FAIL;
      // GStreamer 1.22 may start the streams twice (its state change and its streaming thread
      // both find everything enabled); the card's driver does not fail it.
      if (running_ && !paused_) return S_OK;
      // A restart from inside a format change that a StopStreams overtook stays stopped.
      if (!running_ && std::this_thread::get_id() == delivering_) return E_FAIL;
      const auto now = Clock::now();
      if (!running_) epoch_ = now;  // the scenario's time 0: streams started from stopped
      run_base_ = now;
      run_index_ = 0;
      paused_ = false;
      if (!running_) {
        running_ = true;
        old = std::move(thread_);
        thread_ = std::thread([this] { deliver(); });
        delivering_ = thread_.get_id();
      }
    }
    if (old.joinable()) old.join();  // a thread that had already finished
    woken_.notify_all();
    return S_OK;
  }
  HRESULT StopStreams() override {
    std::thread thread;
    {
      std::lock_guard lock(mutex_);
      // GStreamer stops the streams on every PLAYING to PAUSED, also when they never started
      // (a busy input), and fails the state change on an error: nothing to stop is fine.
      if (!running_) return S_OK;
      running_ = false;
      paused_ = false;
      thread = std::move(thread_);
    }
    woken_.notify_all();
    if (thread.joinable() && thread.get_id() == std::this_thread::get_id())
      thread.detach();  // stopped from inside a callback: the loop ends by itself
    else if (thread.joinable())
      thread.join();
    std::lock_guard lock(mutex_);
    delivering_ = {};  // thread ids are reused once a thread has ended
    return S_OK;
  }
  HRESULT PauseStreams() override {
    std::lock_guard lock(mutex_);
    if (!running_) return E_FAIL;
    paused_ = true;
    return S_OK;
  }
  HRESULT FlushStreams() override { return S_OK; }  // nothing is queued in the fake
  HRESULT SetCallback(IDeckLinkInputCallback *callback) override {
    if (callback) callback->AddRef();
    std::lock_guard lock(mutex_);
    if (callback_) callback_->Release();
    callback_ = callback;
    return S_OK;
  }
  HRESULT GetHardwareReferenceClock(BMDTimeScale scale, BMDTimeValue *hardware_time,
                                    BMDTimeValue *time_in_frame,
                                    BMDTimeValue *ticks_per_frame) override {
    if (scale <= 0) return E_INVALIDARG;
    const int64_t now = steady_ns(Clock::now());
    if (hardware_time) *hardware_time = to_scale(now, scale);
    std::lock_guard lock(mutex_);
    const int64_t frame = mode_ ? mode_->frame_duration() : kNanosecond / 25;
    if (time_in_frame) *time_in_frame = to_scale(now % frame, scale);
    if (ticks_per_frame) *ticks_per_frame = to_scale(frame, scale);
    return S_OK;
  }

 private:
  // The card's part: one frame per period of the enabled mode, delivered without the lock.
  void deliver() {
    std::unique_lock lock(mutex_);
    while (running_) {
      if (paused_ || !mode_) {
        woken_.wait(lock);
        continue;
      }
      const SdiMode &mode = *mode_;
      const auto due = run_base_ + std::chrono::nanoseconds(mode.frame_start(run_index_ + 1));
      if (woken_.wait_until(lock, due, [&] { return !running_ || paused_; })) continue;
      if (&mode != mode_) continue;

      if (script_.gone_at_time(seconds_since(device_origin_))) {
        ++run_index_;  // a device that went away delivers nothing
        continue;
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - *epoch_).count();
      const SdiMode *incoming = script_.mode_at(seconds);
      IDeckLinkInputCallback *callback = callback_;
      if (callback) callback->AddRef();
      if (incoming && incoming != &mode && detection_ && incoming != refused_) {
        // Announce the new format; the application pauses, re-enables and restarts.
        const BMDVideoInputFormatChangedEvents events =
            kVideoInputDisplayModeChanged |
            (incoming->interlaced != mode.interlaced ? kVideoInputFieldDominanceChanged : 0);
        const BMDDetectedVideoInputFormatFlags detected =
            kDetectedYCbCr422 | (depth_ == 8 ? kDetected8BitDepth : kDetected10BitDepth);
        ++run_index_;
        lock.unlock();
        HRESULT answer = S_OK;
        if (callback) {
          auto *display_mode = new DisplayMode(*code_of(*incoming));
          answer = callback->VideoInputFormatChanged(events, display_mode, detected);
          display_mode->Release();
          callback->Release();
        }
        lock.lock();
        // Refused (the application wants another pixel format): stay unlocked in this mode.
        if (answer != S_OK) refused_ = incoming;
        continue;
      }
      const bool locked = incoming == &mode;
      const int64_t start_ns = mode.frame_start(run_index_);
      const int64_t end_ns = mode.frame_start(run_index_ + 1);
      const int64_t stream_ns = std::chrono::nanoseconds(run_base_ - *epoch_).count() + start_ns;
      VideoFrame::Timing timing{stream_ns, end_ns - start_ns,
                                steady_ns(run_base_) + end_ns};  // captured when complete
      auto *frame =
          new VideoFrame(mode, format_, locked ? 0 : kFrameHasNoInputSource, timing, allocator_);
      paint(*frame, locked, stream_ns, run_index_);
      AudioPacket *packet = nullptr;
      if (audio_enabled_) {
        const auto sample_at = [](int64_t ns) {
          return ns / kNanosecond * kAudioRate + ns % kNanosecond * kAudioRate / kNanosecond;
        };
        const int64_t first = sample_at(stream_ns);
        const long count = static_cast<long>(sample_at(stream_ns + end_ns - start_ns) - first);
        packet =
            new AudioPacket(first, count, audio_channels_, audio_type_, locked ? script_.tone : 0);
      }
      ++run_index_;
      ++frames_;
      lock.unlock();
      if (callback) {
        callback->VideoInputFrameArrived(frame, packet);
        callback->Release();
      }
      frame->Release();
      if (packet) packet->Release();
      lock.lock();
    }
  }

  void paint(VideoFrame &frame, bool locked, int64_t stream_ns, int64_t run_index) {
    if (!locked) {
      // Black in UYVY (Cb Y Cr Y = 128 16 128 16); v210 black is the same pattern in 10 bits.
      static const uint8_t kUyvyBlack[4] = {0x80, 0x10, 0x80, 0x10};
      static const uint8_t kV210Black[16] = {0x00, 0x02, 0x01, 0x20, 0x10, 0x00, 0x08, 0x04,
                                             0x00, 0x02, 0x01, 0x20, 0x10, 0x00, 0x08, 0x04};
      const bool v210 = frame.GetPixelFormat() == kFormat10BitYuv;
      const uint8_t *pattern = v210 ? kV210Black : kUyvyBlack;
      const std::size_t length = v210 ? sizeof kV210Black : sizeof kUyvyBlack;
      for (std::size_t at = 0; at + length <= frame.size(); at += length)
        std::memcpy(frame.data() + at, pattern, length);
      return;
    }
    std::memset(frame.data(), 0x80, frame.size());
    const uint64_t stamp[3] = {static_cast<uint64_t>(stream_ns), frames_,
                               static_cast<uint64_t>(run_index)};
    std::memcpy(frame.data(), stamp, std::min(sizeof stamp, frame.size()));
  }

  Device &device_;
  unsigned index_;
  std::mutex mutex_;
  std::condition_variable woken_;
  std::thread thread_;
  std::thread::id delivering_;  // thread_'s id, kept while StopStreams joins it
  IDeckLinkInputCallback *callback_ = nullptr;
  IDeckLinkMemoryAllocator *allocator_ = nullptr;
  const SdiMode *mode_ = nullptr;
  const SdiMode *refused_ = nullptr;  // a detected mode the application declined
  BMDPixelFormat format_ = kFormat8BitYuv;
  bool detection_ = false;
  bool video_enabled_ = false;
  bool audio_enabled_ = false;
  BMDAudioSampleType audio_type_ = kAudioSampleType32bit;
  uint32_t audio_channels_ = 2;
  InputScript script_;
  int depth_ = 10;
  bool running_ = false;
  bool paused_ = false;
  std::optional<Clock::time_point> epoch_;  // the scenario's time 0
  Clock::time_point device_origin_;         // device time 0
  Clock::time_point run_base_;              // start of frame 0 of the current run
  int64_t run_index_ = 0;
  uint64_t frames_ = 0;
};

class Configuration final : public IDeckLinkConfiguration {
 public:
  Configuration(Device &device, unsigned index)
      : device_(device), serial_("FAKE-DL-" + std::to_string(index)) {}
  HRESULT QueryInterface(REFIID iid, void **out) override;
  ULONG AddRef() override;
  ULONG Release() override;
  HRESULT SetFlag(BMDConfigId id, bool value) override {
    std::lock_guard lock(mutex_);
    ints_[id] = value;
    return S_OK;
  }
  HRESULT GetFlag(BMDConfigId id, bool *value) override {
    int64_t stored = 0;
    const HRESULT result = GetInt(id, &stored);
    if (value) *value = stored != 0;
    return result;
  }
  HRESULT SetInt(BMDConfigId id, int64_t value) override {
    std::lock_guard lock(mutex_);
    ints_[id] = value;
    return S_OK;
  }
  HRESULT GetInt(BMDConfigId id, int64_t *value) override {
    if (!value) return E_POINTER;
    std::lock_guard lock(mutex_);
    auto found = ints_.find(id);
    if (found == ints_.end()) return E_INVALIDARG;
    *value = found->second;
    return S_OK;
  }
  HRESULT SetFloat(BMDConfigId, double) override { return E_INVALIDARG; }
  HRESULT GetFloat(BMDConfigId, double *) override { return E_INVALIDARG; }
  HRESULT SetString(BMDConfigId, const char *) override { return E_INVALIDARG; }
  HRESULT GetString(BMDConfigId id, const char **value) override {
    if (!value) return E_POINTER;
    if (id != kConfigDeviceSerialNumber) return E_INVALIDARG;
    *value = strdup(serial_.c_str());
    return S_OK;
  }
  HRESULT WriteConfigurationToPreferences() override { return S_OK; }

 private:
  Device &device_;
  std::string serial_;
  std::mutex mutex_;
  std::map<BMDConfigId, int64_t> ints_;
};

class Attributes final : public IDeckLinkProfileAttributes {
 public:
  Attributes(Device &device, unsigned index) : device_(device), index_(index) {}
  HRESULT QueryInterface(REFIID iid, void **out) override;
  ULONG AddRef() override;
  ULONG Release() override;
  HRESULT GetFlag(BMDAttributeId id, bool *value) override {
    if (!value) return E_POINTER;
    if (id != kAttrSupportsInputFormatDetection) return E_INVALIDARG;
    *value = true;
    return S_OK;
  }
  HRESULT GetInt(BMDAttributeId id, int64_t *value) override {
    if (!value) return E_POINTER;
    if (id == kAttrMaximumAudioChannels)
      *value = kMaxAudioChannels;
    else if (id == kAttrPersistentId)
      *value = 0x0F4E0000 + index_;  // stable per input, as on a card
    else
      return E_INVALIDARG;
    return S_OK;
  }
  HRESULT GetFloat(BMDAttributeId, double *) override { return E_INVALIDARG; }
  HRESULT GetString(BMDAttributeId, const char **) override { return E_INVALIDARG; }

 private:
  Device &device_;
  unsigned index_;
};

// One DeckLink device (a card's sub-device: one SDI input). The driver keeps devices for the
// whole process, so they are never deleted; references are counted for the interfaces' sake.
class Device final : public IDeckLink {
 public:
  Device(unsigned index, std::string model)
      : input_(*this, index),
        configuration_(*this, index),
        attributes_(*this, index),
        model_(std::move(model)),
        display_name_(model_ + " (" + std::to_string(index + 1) + ")") {}

  HRESULT QueryInterface(REFIID iid, void **out) override {
    if (!out) return E_POINTER;
    *out = nullptr;
    if (iid == kIidInput)
      *out = static_cast<IDeckLinkInput *>(&input_);
    else if (iid == kIidConfiguration)
      *out = static_cast<IDeckLinkConfiguration *>(&configuration_);
    else if (iid == kIidProfileAttributes)
      *out = static_cast<IDeckLinkProfileAttributes *>(&attributes_);
    else
      return E_NOINTERFACE;  // no output, keyer or profile manager: a capture-only card
    AddRef();
    return S_OK;
  }
  ULONG AddRef() override { return ++refs_; }
  ULONG Release() override { return --refs_; }
  HRESULT GetModelName(const char **name) override {
    if (!name) return E_POINTER;
    *name = strdup(model_.c_str());
    return S_OK;
  }
  HRESULT GetDisplayName(const char **name) override {
    if (!name) return E_POINTER;
    *name = strdup(display_name_.c_str());
    return S_OK;
  }

 private:
  Input input_;
  Configuration configuration_;
  Attributes attributes_;
  std::string model_;
  std::string display_name_;
  std::atomic<ULONG> refs_{1};
};

HRESULT Input::QueryInterface(REFIID iid, void **out) {
  return device_.QueryInterface(iid, out);
}
ULONG Input::AddRef() {
  return device_.AddRef();
}
ULONG Input::Release() {
  return device_.Release();
}
HRESULT Configuration::QueryInterface(REFIID iid, void **out) {
  return device_.QueryInterface(iid, out);
}
ULONG Configuration::AddRef() {
  return device_.AddRef();
}
ULONG Configuration::Release() {
  return device_.Release();
}
HRESULT Attributes::QueryInterface(REFIID iid, void **out) {
  return device_.QueryInterface(iid, out);
}
ULONG Attributes::AddRef() {
  return device_.AddRef();
}
ULONG Attributes::Release() {
  return device_.Release();
}

// The devices, listed once per process like the driver's.
std::vector<Device *> &devices() {
  static std::vector<Device *> *list = [] {
    const Scenario scenario = read_scenario();
    auto *made = new std::vector<Device *>;
    for (unsigned i = 0; i < scenario.devices; ++i) made->push_back(new Device(i, scenario.model));
    return made;
  }();
  return *list;
}

// Lists the devices present now (a device that went away is not listed).
class Iterator final : public RefCounted<IDeckLinkIterator> {
 public:
  HRESULT Next(IDeckLink **device) override {
    if (!device) return E_POINTER;
    auto &list = devices();
    const Scenario scenario = read_scenario();
    while (next_ < list.size() &&
           scenario.script(static_cast<unsigned>(next_))
               .gone_at_time(seconds_since(device_epoch(scenario, static_cast<unsigned>(next_)))))
      ++next_;
    if (next_ == list.size()) {
      *device = nullptr;
      return S_FALSE;
    }
    *device = list[next_++];
    (*device)->AddRef();
    return S_OK;
  }

 private:
  std::size_t next_ = 0;
};

}  // namespace

// The versioned factories GStreamer's DeckLinkAPIDispatch.cpp looks up (SDK 12.2). Only the
// iterator matters for capture; the others exist so the dispatcher finds every name it asks for
// and answer "not available" (null), which the plugin handles.
extern "C" {

__attribute__((visibility("default"))) IDeckLinkIterator *CreateDeckLinkIteratorInstance_0004() {
  return new Iterator;
}
__attribute__((visibility("default"))) void *CreateDeckLinkAPIInformationInstance_0001() {
  return nullptr;
}
__attribute__((visibility("default"))) void *CreateVideoConversionInstance_0001() {
  return nullptr;
}
__attribute__((visibility("default"))) void *CreateDeckLinkDiscoveryInstance_0003() {
  return nullptr;
}
__attribute__((visibility("default"))) void *CreateVideoFrameAncillaryPacketsInstance_0001() {
  return nullptr;
}

}  // extern "C"
