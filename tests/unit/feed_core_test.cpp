#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/audio_buffer.h"
#include "core/frame_parser.h"
#include "core/location.h"
#include "core/slot_grid.h"
#include "core/video_slots.h"

namespace feed = onair::feed;
using Kind = feed::ParserEvent::Kind;

namespace {

std::vector<uint8_t> header(uint32_t length, const char *magic = "OAF1") {
  std::vector<uint8_t> h(magic, magic + 4);
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<uint8_t>(length >> (8 * i)));
  return h;
}

std::vector<uint8_t> message(const std::vector<uint8_t> &payload) {
  std::vector<uint8_t> m = header(static_cast<uint32_t>(payload.size()));
  m.insert(m.end(), payload.begin(), payload.end());
  return m;
}

std::vector<uint8_t> filled(size_t n, uint8_t first) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(first + i);
  return v;
}

void append(std::vector<uint8_t> &to, const std::vector<uint8_t> &bytes) {
  to.insert(to.end(), bytes.begin(), bytes.end());
}

// Drives a parser as the element's reader does, over a byte stream cut into reads of at most
// `read_size` bytes; collects frames, sound and the other events.
struct Reader {
  explicit Reader(const feed::ParserConfig &config, size_t scratch = 64)
      : parser(config, scratch) {}

  void feed(const std::vector<uint8_t> &stream, size_t read_size) {
    size_t at = 0;
    for (;;) {
      handle_events();
      if (const uint64_t want = parser.frame_wanted()) {
        frame.assign(want, 0);
        parser.attach_frame(frame.data(), events);
        continue;
      }
      if (at == stream.size()) return;
      std::span<uint8_t> target = parser.read_target();
      ASSERT_FALSE(target.empty());
      const size_t n = std::min({target.size(), read_size, stream.size() - at});
      std::memcpy(target.data(), stream.data() + at, n);
      at += n;
      parser.commit(n, events);
    }
  }

  void handle_events() {
    for (const feed::ParserEvent &e : events) {
      switch (e.kind) {
        case Kind::kFrame:
          frames.push_back(frame);
          break;
        case Kind::kSound:
          sound.insert(sound.end(), e.sound.begin(), e.sound.end());
          break;
        case Kind::kRefused:
          refused.push_back(e.bytes);
          expected = e.expected;
          break;
        case Kind::kLostAlignment:
          ++lost;
          break;
      }
    }
    events.clear();
  }

  feed::FrameParser parser;
  std::vector<feed::ParserEvent> events;
  std::vector<uint8_t> frame;
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint8_t> sound;
  std::vector<uint64_t> refused;
  uint64_t expected = 0;
  int lost = 0;
};

feed::ParserConfig video_header(uint64_t frame_size) {
  return {feed::Framing::kHeader, true, frame_size, 4};
}

}  // namespace

TEST(FrameParser, HeaderFramesSurviveAnyReadSize) {
  const std::vector<uint8_t> a = filled(40, 1), b = filled(40, 100);
  std::vector<uint8_t> stream = message(a);
  append(stream, message(b));
  for (size_t read_size : {1, 2, 3, 7, 8, 9, 13, 48, 1000}) {
    Reader r(video_header(40));
    r.feed(stream, read_size);
    ASSERT_EQ(r.frames.size(), 2u) << read_size;
    EXPECT_EQ(r.frames[0], a);
    EXPECT_EQ(r.frames[1], b);
    EXPECT_EQ(r.lost, 0);
  }
}

TEST(FrameParser, WrongSizeIsRefusedAndTheNextFrameStillArrives) {
  const std::vector<uint8_t> good = filled(40, 7);
  std::vector<uint8_t> stream = message(filled(30, 200));  // one short
  append(stream, message(filled(100, 50)));                // one long (longer than scratch)
  append(stream, message(good));
  for (size_t read_size : {1, 5, 64, 1000}) {
    Reader r(video_header(40), 16);
    r.feed(stream, read_size);
    EXPECT_EQ(r.refused, (std::vector<uint64_t>{30, 100})) << read_size;
    EXPECT_EQ(r.expected, 40u);
    ASSERT_EQ(r.frames.size(), 1u);
    EXPECT_EQ(r.frames[0], good);
    EXPECT_EQ(r.lost, 0);
  }
}

TEST(FrameParser, LostMagicIsReportedAndTheNextHeaderFound) {
  const std::vector<uint8_t> good = filled(40, 9);
  std::vector<uint8_t> stream = {'x', 'O', 'A', 'O', 'A', 'F'};  // junk with near-misses
  append(stream, message(good));
  append(stream, message(good));
  for (size_t read_size : {1, 3, 8, 1000}) {
    Reader r(video_header(40));
    r.feed(stream, read_size);
    EXPECT_EQ(r.lost, 1) << read_size;
    ASSERT_EQ(r.frames.size(), 2u) << read_size;
    EXPECT_EQ(r.frames[0], good);
    EXPECT_EQ(r.frames[1], good);
  }
}

TEST(FrameParser, HugeLengthMeansLostAlignment) {
  const std::vector<uint8_t> good = filled(40, 3);
  std::vector<uint8_t> stream = header(0xFFFFFFF0u);
  append(stream, message(good));
  Reader r(video_header(40));
  r.feed(stream, 1000);
  EXPECT_EQ(r.lost, 1);
  EXPECT_TRUE(r.refused.empty());
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0], good);
}

TEST(FrameParser, RawVideoCutsEveryFrameSize) {
  std::vector<uint8_t> stream = filled(40, 0);
  append(stream, filled(40, 40));
  append(stream, filled(10, 80));  // a partial third frame
  Reader r({feed::Framing::kRaw, true, 40, 4});
  r.feed(stream, 7);
  ASSERT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(r.frames[1], filled(40, 40));
  const feed::Partial partial = r.parser.reset();
  EXPECT_EQ(partial.bytes, 10u);
  EXPECT_EQ(partial.expected, 40u);
}

TEST(FrameParser, RawSoundKeepsWholeSampleFramesAndCarriesTheRest) {
  const std::vector<uint8_t> stream = filled(103, 0);
  for (size_t read_size : {1, 3, 5, 64}) {
    Reader r({feed::Framing::kRaw, false, 0, 4}, 32);
    r.feed(stream, read_size);
    EXPECT_EQ(r.sound, filled(100, 0)) << read_size;
    EXPECT_EQ(r.parser.reset().bytes, 3u);
  }
}

TEST(FrameParser, HeaderSoundMustBeWholeSampleFrames) {
  std::vector<uint8_t> stream = message(filled(6, 0));
  append(stream, message(filled(8, 20)));
  append(stream, header(0));
  Reader r({feed::Framing::kHeader, false, 0, 4});
  r.feed(stream, 5);
  EXPECT_EQ(r.refused, std::vector<uint64_t>{6});
  EXPECT_EQ(r.expected, 4u);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0], filled(8, 20));
}

TEST(FrameParser, PartialFrameAtTheEndIsReportedAndTheNextWriterStartsClean) {
  std::vector<uint8_t> stream = message(filled(40, 0));
  append(stream, header(40));
  append(stream, filled(25, 0));
  Reader r(video_header(40));
  r.feed(stream, 9);
  ASSERT_EQ(r.frames.size(), 1u);
  feed::Partial partial = r.parser.reset();
  EXPECT_EQ(partial.bytes, 25u);
  EXPECT_EQ(partial.expected, 40u);
  EXPECT_FALSE(partial.in_header);

  r.feed({'O', 'A', 'F'}, 3);  // then a writer that leaves within a header
  partial = r.parser.reset();
  EXPECT_TRUE(partial.in_header);
  EXPECT_EQ(partial.bytes, 3u);

  r.feed(message(filled(40, 5)), 1000);
  ASSERT_EQ(r.frames.size(), 2u);
  EXPECT_EQ(r.frames[1], filled(40, 5));
  EXPECT_EQ(r.parser.reset().bytes, 0u);
}

TEST(FrameParser, ResyncedHeaderWithItsPayloadInOneRead) {
  // After lost alignment the scan reads big chunks: the frames found in them are still whole.
  std::vector<uint8_t> stream = {'j', 'u', 'n', 'k', 'j', 'u', 'n', 'k', 'j'};
  for (int i = 0; i < 3; ++i) append(stream, message(filled(10, static_cast<uint8_t>(i))));
  Reader r(video_header(10), 1024);
  r.feed(stream, 1024);
  EXPECT_EQ(r.lost, 1);
  ASSERT_EQ(r.frames.size(), 3u);
  EXPECT_EQ(r.frames[2], filled(10, 2));
}

TEST(AudioBuffer, ChunksAreTwentyMillisecondsToTheSample) {
  EXPECT_EQ(feed::chunk_start(1, 48000), 960u);
  EXPECT_EQ(feed::chunk_start(50, 44100), 44100u);
  EXPECT_EQ(feed::chunk_start(1, 22050), 441u);
  EXPECT_EQ(feed::chunk_start(1, 11025), 220u);  // 220.5 samples a chunk: 220, 221, 220, ...
  EXPECT_EQ(feed::chunk_start(2, 11025) - feed::chunk_start(1, 11025), 221u);
}

TEST(AudioBuffer, PadsWithSilenceAndPlaysOnceLatencyIsBuffered) {
  // 1000 Hz mono: 1 sample frame = 2 bytes = 1 ms; latency 4 ms; chunks of 20 bytes.
  feed::AudioBuffer buffer({1000, 2, 4'000'000, 1'000'000'000});
  std::vector<uint8_t> out(20, 0xEE);
  // Nothing: all silence.
  feed::AudioBuffer::Taken t = buffer.take(out.data(), out.size(), 20'000'000);
  EXPECT_EQ(t.sound, 0u);
  EXPECT_EQ(t.silence, 20u);
  EXPECT_EQ(out, std::vector<uint8_t>(20, 0));

  // 2 ms arrives at 30 ms: below latency and not waited long enough at the slot end (31 ms).
  const std::vector<uint8_t> two_ms = {1, 1, 2, 2};
  buffer.push(two_ms.data(), two_ms.size(), 30'000'000);
  t = buffer.take(out.data(), out.size(), 31'000'000);
  EXPECT_EQ(t.sound, 0u);
  // It has waited 4 ms at 34 ms: it plays, padded with silence, and that is a gap.
  t = buffer.take(out.data(), out.size(), 34'000'000);
  EXPECT_EQ(t.sound, 4u);
  EXPECT_EQ(t.silence, 16u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[3], 2);
  EXPECT_EQ(out[4], 0);
  EXPECT_FALSE(buffer.playing());

  // 30 ms at once: over latency, plays at once, 20 then 10 + silence.
  const std::vector<uint8_t> thirty(60, 7);
  buffer.push(thirty.data(), thirty.size(), 100'000'000);
  t = buffer.take(out.data(), out.size(), 100'000'000);
  EXPECT_EQ(t.sound, 20u);
  t = buffer.take(out.data(), out.size(), 120'000'000);
  EXPECT_EQ(t.sound, 20u);
  t = buffer.take(out.data(), out.size(), 140'000'000);
  EXPECT_EQ(t.sound, 20u);
  EXPECT_EQ(buffer.queued(), 0u);
  // Ran dry exactly at a boundary: still playing, so a piece arriving now plays next slot
  // without waiting for the latency again.
  EXPECT_TRUE(buffer.playing());
  buffer.push(two_ms.data(), two_ms.size(), 150'000'000);
  t = buffer.take(out.data(), out.size(), 160'000'000);
  EXPECT_EQ(t.sound, 4u);
}

TEST(AudioBuffer, SmallUnevenPiecesPlayWithoutSilenceBetweenThem) {
  // 1000 Hz mono, latency 10 ms: pieces of 3 and 7 ms alternate, 10 ms every 10 ms.
  feed::AudioBuffer buffer({1000, 2, 10'000'000, 1'000'000'000});
  std::vector<uint8_t> out(20);
  uint64_t silence_after_start = 0;
  bool started = false;
  int64_t now = 0;
  for (int slot = 0; slot < 50; ++slot) {
    for (int piece = 0; piece < 2; ++piece) {
      const std::vector<uint8_t> sound(piece == 0 ? 6 : 14, 5);
      buffer.push(sound.data(), sound.size(), now + piece * 10'000'000);
    }
    now += 20'000'000;
    const feed::AudioBuffer::Taken t = buffer.take(out.data(), out.size(), now);
    if (t.sound > 0) started = true;
    if (started) silence_after_start += t.silence;
  }
  EXPECT_TRUE(started);
  EXPECT_EQ(silence_after_start, 0u);
}

TEST(AudioBuffer, RoomFollowsMaxBufferedAndAnEmptyBufferTakesAnyPiece) {
  // 1000 Hz mono, max 100 ms = 200 bytes.
  feed::AudioBuffer buffer({1000, 2, 0, 100'000'000});
  EXPECT_EQ(buffer.room(), 200u);
  EXPECT_TRUE(buffer.can_take(1000));  // empty
  const std::vector<uint8_t> piece(150, 1);
  buffer.push(piece.data(), piece.size(), 0);
  EXPECT_EQ(buffer.room(), 50u);
  EXPECT_TRUE(buffer.can_take(50));
  EXPECT_FALSE(buffer.can_take(52));
  std::vector<uint8_t> out(20);
  buffer.take(out.data(), out.size(), 20'000'000);
  EXPECT_TRUE(buffer.can_take(70));
}

TEST(AudioBuffer, RingWrapsInOrder) {
  feed::AudioBuffer buffer({1000, 2, 0, 1'000'000'000});
  std::vector<uint8_t> out(20);
  uint8_t next_in = 0, next_out = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> piece(20);
    for (uint8_t &b : piece) b = next_in++;
    buffer.push(piece.data(), piece.size(), 0);
    buffer.take(out.data(), out.size(), 0);
    for (uint8_t b : out) ASSERT_EQ(b, next_out++);
  }
}

TEST(VideoSlots, FifoThenRepeatThenBlackFirst) {
  feed::VideoSlots slots({2, 1'000'000'000});
  using P = feed::VideoSlots::Picture;
  EXPECT_EQ(slots.on_slot_end(10).picture, P::kBlack);
  EXPECT_TRUE(slots.has_room());
  slots.on_frame();
  slots.on_frame();
  EXPECT_FALSE(slots.has_room());
  EXPECT_EQ(slots.on_slot_end(20).picture, P::kNew);
  EXPECT_TRUE(slots.has_room());
  EXPECT_EQ(slots.on_slot_end(30).picture, P::kNew);
  EXPECT_EQ(slots.on_slot_end(40).picture, P::kRepeat);
  EXPECT_EQ(slots.on_slot_end(50).picture, P::kRepeat);
}

TEST(VideoSlots, StallIsReportedOnceAndResumeSaysForHowLong) {
  feed::VideoSlots slots({2, 100});
  slots.on_frame();
  EXPECT_FALSE(slots.on_slot_end(10).stalled);
  int stalls = 0;
  for (int64_t t = 20; t <= 300; t += 10) stalls += slots.on_slot_end(t).stalled;
  EXPECT_EQ(stalls, 1);
  slots.on_frame();
  const feed::VideoSlots::Slot back = slots.on_slot_end(310);
  EXPECT_TRUE(back.resumed);
  EXPECT_EQ(back.stalled_for, 300);
  EXPECT_FALSE(slots.on_slot_end(320).stalled);
}

TEST(VideoSlots, NoFrameEverIsAStallToo) {
  feed::VideoSlots slots({2, 100});
  int stalls = 0;
  for (int64_t t = 10; t <= 200; t += 10) stalls += slots.on_slot_end(t).stalled;
  EXPECT_EQ(stalls, 1);
}

TEST(Location, Kinds) {
  using K = feed::Location::Kind;
  EXPECT_EQ(feed::parse_location("").kind, K::kNone);
  EXPECT_EQ(feed::parse_location("-").kind, K::kStdin);
  EXPECT_EQ(feed::parse_location("stdin").fd, 0);
  EXPECT_EQ(feed::parse_location("fd:7").fd, 7);
  EXPECT_EQ(feed::parse_location("fd:x").kind, K::kInvalid);
  EXPECT_EQ(feed::parse_location("fd:").kind, K::kInvalid);
  EXPECT_EQ(feed::parse_location("unix:/tmp/a.sock").path, "/tmp/a.sock");
  EXPECT_EQ(feed::parse_location("unix:").kind, K::kInvalid);
  const feed::Location pipe = feed::parse_location("/tmp/frames.fifo");
  EXPECT_EQ(pipe.kind, K::kPipe);
  EXPECT_EQ(pipe.path, "/tmp/frames.fifo");
}

TEST(WarningLimiter, FirstAtOnceThenOneASecondWithTheCount) {
  feed::WarningLimiter limiter;
  uint64_t held = 99;
  EXPECT_TRUE(limiter.should_warn(0, held));
  EXPECT_EQ(held, 0u);
  EXPECT_FALSE(limiter.should_warn(1, held));
  EXPECT_FALSE(limiter.should_warn(999'999'999, held));
  EXPECT_TRUE(limiter.should_warn(1'000'000'000, held));
  EXPECT_EQ(held, 2u);
}

TEST(SlotGrid, VideoSlotsStartAtFrameTimesRoundedDown) {
  const feed::SlotGrid grid = feed::SlotGrid::video(30, 1);
  EXPECT_EQ(grid.start(0), 0u);
  EXPECT_EQ(grid.start(1), 33'333'333u);
  EXPECT_EQ(grid.start(30), 1'000'000'000u);
  EXPECT_EQ(grid.length(), 33'333'333u);
  EXPECT_EQ(grid.at(0), 0u);
  EXPECT_EQ(grid.at(33'333'333), 0u);  // 30 * t / 1 s, rounded down: still slot 0
  EXPECT_EQ(grid.at(33'333'334), 1u);
  EXPECT_EQ(grid.at(1'000'000'000), 30u);

  const feed::SlotGrid ntsc = feed::SlotGrid::video(30000, 1001);
  EXPECT_EQ(ntsc.start(1), 33'366'666u);
  EXPECT_EQ(ntsc.start(30000), 1001'000'000'000u);
  EXPECT_EQ(ntsc.at(1001'000'000'000), 30000u);
}

TEST(SlotGrid, AudioSlotsAreTwentyMillisecondChunks) {
  for (uint64_t rate : {44100u, 48000u}) {
    const feed::SlotGrid grid = feed::SlotGrid::audio(rate);
    EXPECT_EQ(grid.length(), 20'000'000u);
    for (uint64_t k : {0u, 1u, 49u, 50u, 123'457u}) {
      EXPECT_EQ(grid.start(k), k * 20'000'000) << rate << " " << k;
      EXPECT_EQ(grid.at(grid.start(k)), k) << rate << " " << k;
      if (k > 0) {
        EXPECT_EQ(grid.at(grid.start(k) - 1), k - 1) << rate << " " << k;
      }
    }
  }
}

TEST(SlotGrid, AudioChunkStartsFollowTheSamplesAtAnyRate) {
  // 11025 Hz: chunks of 220 and 221 samples, so chunk 1 starts before 20 ms.
  const feed::SlotGrid grid = feed::SlotGrid::audio(11025);
  EXPECT_EQ(grid.start(1), 19'954'648u);  // 220 samples
  EXPECT_EQ(grid.start(2), 40'000'000u);  // 441 samples
  // at(t) is the chunk that holds t: it starts at or before t, the next one after.
  for (uint64_t t = 0; t < 1'000'000'000; t += 4'999'999) {
    EXPECT_LE(grid.start(grid.at(t)), t);
    EXPECT_GT(grid.start(grid.at(t) + 1), t) << t;
  }
  EXPECT_EQ(grid.at(grid.start(1)), 1u);
  EXPECT_EQ(grid.at(grid.start(1) - 1), 0u);
}

TEST(SlotGrid, TimesTooLargeForTheGridSaturate) {
  const feed::SlotGrid grid = feed::SlotGrid::video(1, 1'000);
  EXPECT_EQ(grid.start(UINT64_MAX / 2), UINT64_MAX);
}
