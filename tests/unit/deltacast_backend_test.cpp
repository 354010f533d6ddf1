// The DELTACAST backend on the simulated VideoMaster library, loaded through the real loader.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <set>
#include <string>
#include <thread>

#include "core/deltacast_backend.h"

using namespace onair::sdi;
using namespace std::chrono_literals;

namespace {

const char *fake_library() {
  const char *path = std::getenv("ONAIR_TEST_FAKE_VIDEOMASTER");
  return path ? path : "";
}

// The same fake without VHD_SlotExtractAudio, as an older VideoMaster.
const char *fake_library_without_audio() {
  const char *path = std::getenv("ONAIR_TEST_FAKE_VIDEOMASTER_WITHOUT_AUDIO");
  return path ? path : "";
}

class DeltacastBackendTest : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv("ONAIR_FAKE_VIDEOMASTER"); }

  void scenario(const std::string &text) { setenv("ONAIR_FAKE_VIDEOMASTER", text.c_str(), 1); }

  std::shared_ptr<const VideoMasterLibrary> library(const char *file = fake_library()) {
    auto loaded = VideoMasterLibrary::load(file);
    if (auto *error = std::get_if<VideoMasterLoadError>(&loaded)) {
      ADD_FAILURE() << error->message;
      return nullptr;
    }
    return std::get<std::shared_ptr<const VideoMasterLibrary>>(loaded);
  }

  std::unique_ptr<DeltacastCapture> open(const DeltacastCaptureConfig &config) {
    auto opened = DeltacastCapture::open(library(), config);
    if (auto *error = std::get_if<DeltacastError>(&opened)) {
      ADD_FAILURE() << error->message;
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<DeltacastCapture>>(opened));
  }

  DeltacastError open_error(const DeltacastCaptureConfig &config) {
    auto opened = DeltacastCapture::open(library(), config);
    EXPECT_TRUE(std::holds_alternative<DeltacastError>(opened));
    if (auto *error = std::get_if<DeltacastError>(&opened)) return *error;
    return {DeltacastErrorKind::other, "opened"};
  }
};

// The next item; the capture thread always has something to say within a few timeouts.
DeltacastItem next(DeltacastCapture &capture) {
  auto item = capture.pop(10s);
  if (!item) {
    ADD_FAILURE() << "nothing from the capture";
    return DeltacastEvent{DeltacastEvent::Type::error, nullptr,
                          DeltacastError{DeltacastErrorKind::other, "nothing"}};
  }
  return std::move(*item);
}

DeltacastEvent next_event(DeltacastCapture &capture) {
  for (;;) {
    DeltacastItem item = next(capture);
    if (auto *event = std::get_if<DeltacastEvent>(&item)) return *event;
  }
}

// Asserts the next item is a frame.
DeltacastFrame next_frame(DeltacastCapture &capture) {
  DeltacastItem item = next(capture);
  auto *frame = std::get_if<DeltacastFrame>(&item);
  if (!frame) {
    const auto &event = std::get<DeltacastEvent>(item);
    ADD_FAILURE() << "event " << static_cast<int>(event.type) << " instead of a frame"
                  << (event.error ? ": " + event.error->message : "");
    return {};
  }
  return std::move(*frame);
}

// What the fake writes at the start of each frame (see fake_videomaster.cpp).
struct Stamp {
  std::uint64_t due_ns;  // since the stream started
  std::uint64_t number;
  std::uint64_t run_start_ns;
  std::uint64_t index_in_run;
};
Stamp stamp_of(const DeltacastFrame &frame) {
  Stamp stamp{};
  if (frame.data.size() >= sizeof stamp) std::memcpy(&stamp, frame.data.data(), sizeof stamp);
  return stamp;
}

std::string mode_of(const DeltacastEvent &event) {
  return event.mode ? std::string(event.mode->name) : "";
}

// Samples the fake embeds in frame `index` of a run: 48 kHz against the mode's exact rate.
std::size_t samples_in_frame(const SdiMode &mode, std::uint64_t index) {
  const auto first = [&](std::uint64_t i) { return i * 48000 * mode.fps_d / mode.fps_n; };
  return first(index + 1) - first(index);
}

std::size_t samples_of(const DeltacastFrame &frame) {
  return frame.audio_channels ? frame.audio.size() / frame.audio_channels : 0;
}

// How often `channel` changes sign in the frame (zeros skipped): 2 per cycle of its tone.
int sign_changes(const DeltacastFrame &frame, unsigned channel) {
  int changes = 0, last_sign = 0;
  for (std::size_t sample = 0; sample < samples_of(frame); ++sample) {
    const int value = frame.audio[sample * frame.audio_channels + channel];
    const int sign = (value > 0) - (value < 0);
    if (sign != 0 && last_sign != 0 && sign != last_sign) ++changes;
    if (sign != 0) last_sign = sign;
  }
  return changes;
}

}  // namespace

TEST_F(DeltacastBackendTest, LoadsTheLibraryNamedInTheEnvironment) {
  setenv(kVideoMasterLibraryEnv, fake_library(), 1);
  auto loaded = VideoMasterLibrary::load();
  unsetenv(kVideoMasterLibraryEnv);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const VideoMasterLibrary>>(loaded));
  EXPECT_EQ(std::get<std::shared_ptr<const VideoMasterLibrary>>(loaded)->file(), fake_library());
}

TEST_F(DeltacastBackendTest, MissingLibraryIsAnErrorValue) {
  auto loaded = VideoMasterLibrary::load("/nonexistent/libvideomasterhd.so");
  ASSERT_TRUE(std::holds_alternative<VideoMasterLoadError>(loaded));
  const auto &error = std::get<VideoMasterLoadError>(loaded);
  EXPECT_EQ(error.kind, VideoMasterLoadError::Kind::library_missing);
  EXPECT_NE(error.message.find("/nonexistent/libvideomasterhd.so"), std::string::npos);
  EXPECT_EQ(to_deltacast_error(error).kind, DeltacastErrorKind::library_missing);
  EXPECT_STREQ(to_string(to_deltacast_error(error).kind), "library-missing");
}

TEST_F(DeltacastBackendTest, LibraryWithoutVideoMasterFunctionsIsAnErrorValue) {
  auto loaded = VideoMasterLibrary::load("libm.so.6");
  ASSERT_TRUE(std::holds_alternative<VideoMasterLoadError>(loaded));
  const auto &error = std::get<VideoMasterLoadError>(loaded);
  EXPECT_EQ(error.kind, VideoMasterLoadError::Kind::symbol_missing);
  EXPECT_NE(error.message.find("VHD_GetApiInfo"), std::string::npos);
}

TEST_F(DeltacastBackendTest, ListsBoardsPortsAndTheirSignal) {
  scenario("boards=2;ports=4;signal=1080i50;signal.1.2=none;signal.0.3=720p59.94;model=Sim 4c");
  auto lib = library();
  ASSERT_TRUE(lib);
  auto listed = list_deltacast_boards(*lib);
  ASSERT_TRUE(std::holds_alternative<std::vector<DeltacastBoard>>(listed));
  const auto &boards = std::get<std::vector<DeltacastBoard>>(listed);
  ASSERT_EQ(boards.size(), 2u);
  for (unsigned index = 0; index < 2; ++index) {
    EXPECT_EQ(boards[index].index, index);
    EXPECT_EQ(boards[index].model, "Sim 4c");
    EXPECT_FALSE(boards[index].error);
    ASSERT_EQ(boards[index].ports.size(), 4u);
  }
  EXPECT_TRUE(boards[0].ports[0].locked);
  ASSERT_TRUE(boards[0].ports[0].mode);
  EXPECT_EQ(boards[0].ports[0].mode->name, "1080i50");
  ASSERT_TRUE(boards[0].ports[3].mode);
  EXPECT_EQ(boards[0].ports[3].mode->name, "720p59.94");
  EXPECT_EQ(boards[0].ports[3].mode->fps_d, 1001);
  EXPECT_EQ(boards[1].ports[2].port, 2u);
  EXPECT_FALSE(boards[1].ports[2].locked);
  EXPECT_FALSE(boards[1].ports[2].mode);
}

TEST_F(DeltacastBackendTest, ScenarioCanComeFromAFile) {
  const std::string path = ::testing::TempDir() + "deltacast_scenario.txt";
  std::ofstream(path) << "boards=3\nports=1\nsignal=none\n";
  scenario("@" + path);
  auto lib = library();
  ASSERT_TRUE(lib);
  auto listed = list_deltacast_boards(*lib);
  std::remove(path.c_str());
  ASSERT_TRUE(std::holds_alternative<std::vector<DeltacastBoard>>(listed));
  const auto &boards = std::get<std::vector<DeltacastBoard>>(listed);
  ASSERT_EQ(boards.size(), 3u);
  ASSERT_EQ(boards[2].ports.size(), 1u);
  EXPECT_FALSE(boards[2].ports[0].locked);
}

TEST_F(DeltacastBackendTest, NoBoardListsNothingAndCannotOpen) {
  scenario("boards=0");
  auto lib = library();
  ASSERT_TRUE(lib);
  auto listed = list_deltacast_boards(*lib);
  ASSERT_TRUE(std::holds_alternative<std::vector<DeltacastBoard>>(listed));
  EXPECT_TRUE(std::get<std::vector<DeltacastBoard>>(listed).empty());
  const auto error = open_error({});
  EXPECT_EQ(error.kind, DeltacastErrorKind::no_device);
  EXPECT_NE(error.message.find("board 0"), std::string::npos);
}

TEST_F(DeltacastBackendTest, PortBeyondTheBoardIsNoDevice) {
  scenario("ports=2");
  const auto error = open_error({.port = 2});
  EXPECT_EQ(error.kind, DeltacastErrorKind::no_device);
  EXPECT_NE(error.message.find("RX2"), std::string::npos);
}

TEST_F(DeltacastBackendTest, PortHeldElsewhereIsBusy) {
  scenario("ports=2;busy=0.1");
  const auto error = open_error({.port = 1});
  EXPECT_EQ(error.kind, DeltacastErrorKind::busy);
  EXPECT_NE(error.message.find("VHD_OpenStreamHandle(board 0 RX1)"), std::string::npos);
  EXPECT_NE(error.message.find("VHDERR_STREAMUSED"), std::string::npos);
  EXPECT_TRUE(open({.port = 0}));
}

TEST_F(DeltacastBackendTest, PortOpenedTwiceIsBusyUntilClosed) {
  scenario("ports=1");
  auto first = open({});
  ASSERT_TRUE(first);
  EXPECT_EQ(open_error({}).kind, DeltacastErrorKind::busy);
  first.reset();
  EXPECT_TRUE(open({}));
}

TEST_F(DeltacastBackendTest, FramesComeAtTheModesRateAndSize) {
  scenario("signal=720p50");
  auto capture = open({.queue_frames = 64});
  ASSERT_TRUE(capture);
  capture->start();
  const auto locked = next_event(*capture);
  EXPECT_EQ(locked.type, DeltacastEvent::Type::signal_locked);
  EXPECT_EQ(mode_of(locked), "720p50");

  Stamp previous{};
  for (std::uint64_t index = 0; index < 10; ++index) {
    const auto frame = next_frame(*capture);
    ASSERT_TRUE(frame.mode);
    EXPECT_EQ(frame.mode->name, "720p50");
    EXPECT_STREQ(frame.pixel_format, "UYVY");
    EXPECT_EQ(frame.stride, 1280u * 2);
    EXPECT_EQ(frame.data.size(), 1280u * 2 * 720);
    EXPECT_EQ(frame.sequence, index);
    const Stamp stamp = stamp_of(frame);
    // On the 20 ms grid of its run; the fake skips slots only for a consumer far behind.
    EXPECT_EQ(stamp.due_ns - stamp.run_start_ns, 20'000'000u * stamp.index_in_run);
    if (index > 0) {
      EXPECT_EQ(stamp.number, previous.number + 1);
      EXPECT_EQ(stamp.run_start_ns, previous.run_start_ns);
      EXPECT_GT(stamp.index_in_run, previous.index_in_run);
    }
    previous = stamp;
  }
  capture->stop();
  EXPECT_EQ(capture->dropped_frames(), 0u);
}

TEST_F(DeltacastBackendTest, FractionalRateFramesKeepTheExactCadence) {
  scenario("signal=1080i59.94");
  auto capture = open({.queue_frames = 64});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(mode_of(next_event(*capture)), "1080i59.94");
  const SdiMode *mode = find_sdi_mode("1080i59.94");
  ASSERT_TRUE(mode);
  for (int index = 0; index < 6; ++index) {
    const Stamp stamp = stamp_of(next_frame(*capture));
    EXPECT_EQ(stamp.due_ns - stamp.run_start_ns,
              static_cast<std::uint64_t>(mode->frame_start(stamp.index_in_run)));
  }
}

TEST_F(DeltacastBackendTest, TenBitIsV210) {
  scenario("signal=1080i50");
  auto capture = open({.depth = DeltacastSampleDepth::bits10, .queue_frames = 8});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  const auto frame = next_frame(*capture);
  EXPECT_STREQ(frame.pixel_format, "v210");
  EXPECT_EQ(frame.stride, 5120u);  // 1920 pixels in groups of 48 at 128 bytes
  EXPECT_EQ(frame.data.size(), 5120u * 1080);
}

TEST_F(DeltacastBackendTest, SignalLossAndReturnAreReported) {
  scenario("signal=720p50;lost_at=0.2;back_at=0.4");
  auto capture = open({.queue_frames = 64});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);

  std::uint64_t last_due_before_loss = 0;
  DeltacastEvent lost{};
  for (bool done = false; !done;) {
    DeltacastItem item = next(*capture);
    if (auto *frame = std::get_if<DeltacastFrame>(&item)) {
      last_due_before_loss = stamp_of(*frame).due_ns;
    } else {
      lost = std::get<DeltacastEvent>(item);
      done = true;
    }
  }
  EXPECT_EQ(lost.type, DeltacastEvent::Type::signal_lost);
  EXPECT_EQ(mode_of(lost), "720p50");
  EXPECT_LT(last_due_before_loss, 200'000'000u);

  const auto back = next_event(*capture);
  EXPECT_EQ(back.type, DeltacastEvent::Type::signal_locked);
  EXPECT_EQ(mode_of(back), "720p50");
  const auto frame = next_frame(*capture);
  EXPECT_GE(stamp_of(frame).due_ns, 400'000'000u);
  EXPECT_EQ(frame.data.size(), 1280u * 2 * 720);
}

TEST_F(DeltacastBackendTest, FormatChangeRestartsTheStreamInTheNewMode) {
  scenario("signal=1080i50;change_at=0.2;change_to=720p59.94");
  auto capture = open({.queue_frames = 64});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(mode_of(next_event(*capture)), "1080i50");
  const auto changed = next_event(*capture);
  EXPECT_EQ(changed.type, DeltacastEvent::Type::format_changed);
  EXPECT_EQ(mode_of(changed), "720p59.94");
  const auto frame = next_frame(*capture);
  ASSERT_TRUE(frame.mode);
  EXPECT_EQ(frame.mode->name, "720p59.94");
  EXPECT_EQ(frame.data.size(), 1280u * 2 * 720);
}

TEST_F(DeltacastBackendTest, ACardGoneMidStreamEndsTheCaptureWithAGoneError) {
  scenario("signal=720p50;gone_at=0.2");
  auto capture = open({});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  const auto ended = next_event(*capture);
  EXPECT_EQ(ended.type, DeltacastEvent::Type::error);
  ASSERT_TRUE(ended.error);
  EXPECT_EQ(ended.error->kind, DeltacastErrorKind::gone);
  EXPECT_NE(ended.error->message.find("board 0 RX0"), std::string::npos);
  EXPECT_NE(ended.error->message.find("VHDERR_OPERATIONFAILED"), std::string::npos);
}

TEST_F(DeltacastBackendTest, NoSignalAtStartIsReportedFirst) {
  scenario("signal=none");
  auto capture = open({});
  ASSERT_TRUE(capture);
  capture->start();
  const auto first = next_event(*capture);
  EXPECT_EQ(first.type, DeltacastEvent::Type::signal_lost);
  EXPECT_FALSE(first.mode);
}

TEST_F(DeltacastBackendTest, FlushingWakesAWaitingConsumer) {
  scenario("signal=none");
  auto capture = open({});
  ASSERT_TRUE(capture);
  auto waiting = std::async(std::launch::async, [&] { return capture->pop(60s); });
  capture->set_flushing(true);
  EXPECT_FALSE(waiting.get());
  capture->set_flushing(false);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_lost);
}

TEST_F(DeltacastBackendTest, ASlowConsumerLosesTheOldestFrames) {
  scenario("signal=720p50");
  auto capture = open({.queue_frames = 2});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  // Nothing is read: once more than two frames are waiting the oldest ones go first.
  while (capture->dropped_frames() == 0) std::this_thread::sleep_for(1ms);
  const std::uint64_t dropped = capture->dropped_frames();
  EXPECT_GE(next_frame(*capture).sequence, dropped);
}

TEST_F(DeltacastBackendTest, EachFrameCarriesItsEmbeddedAudioAt25Hz) {
  scenario("signal=1080i50");
  auto capture = open({.queue_frames = 64, .audio_channels = 2});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  for (int index = 0; index < 5; ++index) {
    const auto frame = next_frame(*capture);
    EXPECT_EQ(frame.audio_channels, 2u);
    EXPECT_EQ(samples_of(frame), 1920u);  // 48000 / 25, every frame
    EXPECT_EQ(frame.audio.size(), 2u * 1920);
  }
}

TEST_F(DeltacastBackendTest, At29_97HzFramesAlternate1601And1602SamplesExactly) {
  scenario("signal=1080i59.94");
  auto capture = open({.queue_frames = 64, .audio_channels = 2});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  const SdiMode *mode = find_sdi_mode("1080i59.94");
  ASSERT_TRUE(mode);
  std::set<std::size_t> counts;
  for (int index = 0; index < 10; ++index) {
    const auto frame = next_frame(*capture);
    const std::size_t samples = samples_of(frame);
    EXPECT_EQ(samples, samples_in_frame(*mode, stamp_of(frame).index_in_run)) << index;
    counts.insert(samples);
  }
  EXPECT_EQ(counts, (std::set<std::size_t>{1601, 1602}));
  // Five frames hold 8008 samples: the sequence closes without drift.
  std::size_t five = 0;
  for (std::uint64_t index = 0; index < 5; ++index) five += samples_in_frame(*mode, index);
  EXPECT_EQ(five, 8008u);
}

TEST_F(DeltacastBackendTest, OutputChannelNIsSdiGroupNOver4ChannelNMod4) {
  // The fake's SDI channel n (1 to 16) carries n x 500 Hz: 40 x n sign changes in 40 ms.
  scenario("signal=1080i50;tone=500");
  auto capture = open({.queue_frames = 64, .audio_channels = 16});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  const auto frame = next_frame(*capture);
  ASSERT_EQ(frame.audio_channels, 16u);
  ASSERT_EQ(samples_of(frame), 1920u);
  for (unsigned channel = 0; channel < 16; ++channel)
    EXPECT_NEAR(sign_changes(frame, channel), 40 * static_cast<int>(channel + 1), 1) << channel;
}

TEST_F(DeltacastBackendTest, AudioStopsWithTheSignalAndComesBackWithIt) {
  scenario("signal=720p50;lost_at=0.2;back_at=0.4");
  auto capture = open({.queue_frames = 64, .audio_channels = 1});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  // Until the loss every frame has 960 samples of the 1 kHz tone; none comes while it lasts.
  for (;;) {
    DeltacastItem item = next(*capture);
    auto *frame = std::get_if<DeltacastFrame>(&item);
    if (!frame) {
      EXPECT_EQ(std::get<DeltacastEvent>(item).type, DeltacastEvent::Type::signal_lost);
      break;
    }
    EXPECT_EQ(samples_of(*frame), 960u);
    EXPECT_NEAR(sign_changes(*frame, 0), 40, 1);
  }
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  const auto back = next_frame(*capture);
  EXPECT_GE(stamp_of(back).due_ns, 400'000'000u);
  EXPECT_EQ(samples_of(back), 960u);
  EXPECT_NEAR(sign_changes(back, 0), 40, 1);
}

TEST_F(DeltacastBackendTest, NoAudioAskedForMeansFramesWithoutAudio) {
  scenario("signal=720p50");
  auto capture = open({.queue_frames = 8});
  ASSERT_TRUE(capture);
  capture->start();
  EXPECT_EQ(next_event(*capture).type, DeltacastEvent::Type::signal_locked);
  const auto frame = next_frame(*capture);
  EXPECT_TRUE(frame.audio.empty());
  EXPECT_EQ(frame.audio_channels, 0u);
}

TEST_F(DeltacastBackendTest, MoreThanSixteenChannelsCannotBeOpened) {
  scenario("signal=720p50");
  const DeltacastError error = open_error({.audio_channels = 17});
  EXPECT_NE(error.message.find("17"), std::string::npos) << error.message;
}

TEST_F(DeltacastBackendTest, WithoutTheAudioFunctionVideoGoesOnAndItIsSaidOnce) {
  scenario("signal=720p50");
  auto lib = library(fake_library_without_audio());
  ASSERT_TRUE(lib);
  EXPECT_EQ(lib->api().slot_extract_audio, nullptr);
  EXPECT_NE(lib->audio_missing().find("VHD_SlotExtractAudio"), std::string::npos);
  EXPECT_NE(lib->audio_missing().find(kVideoMasterAudioLibraryName), std::string::npos);

  auto opened = DeltacastCapture::open(lib, {.queue_frames = 64, .audio_channels = 2});
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<DeltacastCapture>>(opened));
  auto &capture = *std::get<std::unique_ptr<DeltacastCapture>>(opened);
  capture.start();
  const auto unavailable = next_event(capture);
  EXPECT_EQ(unavailable.type, DeltacastEvent::Type::audio_unavailable);
  ASSERT_TRUE(unavailable.error);
  EXPECT_NE(unavailable.error->message.find("VHD_SlotExtractAudio"), std::string::npos);
  EXPECT_EQ(next_event(capture).type, DeltacastEvent::Type::signal_locked);
  for (int index = 0; index < 5; ++index) {
    const auto frame = next_frame(capture);  // no second audio_unavailable in between
    EXPECT_EQ(frame.data.size(), 1280u * 2 * 720);
    EXPECT_TRUE(frame.audio.empty());
  }
}
