// Splits the bytes a writer sends into frames (video) or sound (audio), as the feedsrc reader
// reads them. Two framings:
//   header: every message is "OAF1", its payload length (uint32 little-endian), the payload;
//   raw:    bare bytes; video is cut every frame_size bytes, audio is taken as it comes.
// The reader asks where its next read() goes (read_target()): straight into the frame the
// caller attached (one copy, kernel to frame), into the 8-byte header, or into scratch space
// (skipped payloads, resynchronisation, raw sound), then reports how many bytes came
// (commit()). Everything is plain bytes: no GStreamer, no file descriptors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace onair::feed {

enum class Framing { kHeader, kRaw };

inline constexpr char kMagic[4] = {'O', 'A', 'F', '1'};
inline constexpr size_t kHeaderSize = 8;
// A longer length means the stream lost its alignment (or the writer speaks another format).
inline constexpr uint64_t kMaxPayload = 256ull * 1024 * 1024;

struct ParserConfig {
  Framing framing = Framing::kHeader;
  bool video = true;
  // Video: bytes of one frame; every message and every raw frame has exactly this size.
  uint64_t frame_size = 0;
  // Audio: bytes of one sample frame (channels * bytes per sample); sound is passed on in
  // whole sample frames and a header message must hold a whole number of them.
  uint64_t sample_frame_size = 2;
};

struct ParserEvent {
  enum class Kind {
    kFrame,          // the attached frame (or audio message payload) is complete
    kSound,          // raw audio: `sound` holds whole sample frames, valid until the next call
    kRefused,        // a message of the wrong size was (or is being) skipped
    kLostAlignment,  // no magic where a header should start: scanning for the next "OAF1"
  };
  explicit ParserEvent(Kind k) : kind(k) {}
  Kind kind;
  uint64_t bytes = 0;     // kRefused: the message's payload length
  uint64_t expected = 0;  // kRefused: the frame size (video) or sample frame size (audio)
  std::span<const uint8_t> sound;
};

// What was lost when the writer went away in the middle of something.
struct Partial {
  uint64_t bytes = 0;     // bytes of the unfinished frame, message or header received
  uint64_t expected = 0;  // its full size (header: kHeaderSize)
  bool in_header = false;
};

class FrameParser {
 public:
  explicit FrameParser(const ParserConfig &config, size_t scratch_size = 64 * 1024);

  // Bytes of the frame to attach before reading on; 0 when none is wanted.
  uint64_t frame_wanted() const { return state_ == State::kPayload && !frame_ ? payload_ : 0; }
  // Gives the parser the memory of the wanted frame (frame_wanted() bytes). Bytes already
  // read past a resynchronised header are copied in first, which may complete it (events).
  void attach_frame(uint8_t *memory, std::vector<ParserEvent> &events);

  // Where the next read goes and how many bytes at most. Empty while a frame is wanted.
  std::span<uint8_t> read_target();
  // `n` bytes were read into read_target().
  void commit(size_t n, std::vector<ParserEvent> &events);

  // The writer went away: what was unfinished (bytes 0 when nothing was), and the parser is
  // ready for the next writer (a frame attached before is no longer used).
  Partial reset();

  // True while scanning for the next header after a lost alignment.
  bool resynchronising() const { return state_ == State::kScan; }

 private:
  enum class State { kHeader, kPayload, kDiscard, kScan, kRawSound };

  void consume(const uint8_t *data, size_t n, std::vector<ParserEvent> &events);
  void on_header(std::vector<ParserEvent> &events);
  void lose_alignment(std::vector<ParserEvent> &events);
  void frame_done(std::vector<ParserEvent> &events);
  void start_message();
  void drain_pending(std::vector<ParserEvent> &events);

  ParserConfig config_;
  State state_;
  uint8_t header_[kHeaderSize] = {};
  size_t header_have_ = 0;
  uint64_t payload_ = 0;  // size of the current frame or message
  uint64_t got_ = 0;      // bytes of it received (or skipped, in kDiscard)
  uint8_t *frame_ = nullptr;
  size_t magic_matched_ = 0;  // kScan: bytes of kMagic matched so far
  std::vector<uint8_t> scratch_;
  std::vector<uint8_t> carry_keep_;  // kRawSound: an incomplete sample frame, read next time
  std::vector<uint8_t> pending_;     // bytes read past a found header, not yet placed
};

}  // namespace onair::feed
