#include "core/frame_parser.h"

#include <algorithm>
#include <cstring>

namespace onair::feed {

FrameParser::FrameParser(const ParserConfig &config, size_t scratch_size)
    : config_(config), scratch_(std::max<size_t>(scratch_size, 16)) {
  if (config_.sample_frame_size == 0) config_.sample_frame_size = 1;
  start_message();
}

void FrameParser::start_message() {
  header_have_ = 0;
  got_ = 0;
  frame_ = nullptr;
  if (config_.framing == Framing::kHeader) {
    state_ = State::kHeader;
  } else if (config_.video) {
    state_ = State::kPayload;
    payload_ = config_.frame_size;
  } else {
    state_ = State::kRawSound;
  }
}

void FrameParser::attach_frame(uint8_t *memory, std::vector<ParserEvent> &events) {
  frame_ = memory;
  got_ = 0;
  drain_pending(events);
}

void FrameParser::drain_pending(std::vector<ParserEvent> &events) {
  if (pending_.empty()) return;
  std::vector<uint8_t> bytes;
  bytes.swap(pending_);
  consume(bytes.data(), bytes.size(), events);
}

std::span<uint8_t> FrameParser::read_target() {
  switch (state_) {
    case State::kHeader:
      return {header_ + header_have_, kHeaderSize - header_have_};
    case State::kPayload:
      if (!frame_) return {};
      return {frame_ + got_, static_cast<size_t>(payload_ - got_)};
    case State::kDiscard:
      return {scratch_.data(),
              static_cast<size_t>(std::min<uint64_t>(scratch_.size(), payload_ - got_))};
    case State::kScan:
      return {scratch_.data(), scratch_.size()};
    case State::kRawSound:
      // The incomplete sample frame of the last read goes first (after the caller used it).
      std::copy(carry_keep_.begin(), carry_keep_.end(), scratch_.begin());
      return {scratch_.data() + carry_keep_.size(), scratch_.size() - carry_keep_.size()};
  }
  return {};
}

void FrameParser::commit(size_t n, std::vector<ParserEvent> &events) {
  if (n == 0) return;
  switch (state_) {
    case State::kHeader:
      header_have_ += n;
      if (header_have_ == kHeaderSize) on_header(events);
      break;
    case State::kPayload:
      got_ += n;
      if (got_ == payload_) frame_done(events);
      break;
    case State::kDiscard:
    case State::kScan:
      consume(scratch_.data(), n, events);
      break;
    case State::kRawSound: {
      // Whole sample frames go out; an incomplete one stays at the front for the next read.
      const size_t total = carry_keep_.size() + n;
      const size_t whole = total - total % config_.sample_frame_size;
      if (whole > 0) {
        ParserEvent e(ParserEvent::Kind::kSound);
        e.sound = {scratch_.data(), whole};
        events.push_back(e);
      }
      carry_keep_.assign(scratch_.data() + whole, scratch_.data() + total);
      break;
    }
  }
}

void FrameParser::consume(const uint8_t *data, size_t n, std::vector<ParserEvent> &events) {
  while (n > 0) {
    size_t k = 0;
    switch (state_) {
      case State::kHeader:
        k = std::min(kHeaderSize - header_have_, n);
        std::memcpy(header_ + header_have_, data, k);
        header_have_ += k;
        data += k;
        n -= k;
        if (header_have_ == kHeaderSize) on_header(events);
        break;
      case State::kPayload:
        if (!frame_) {
          pending_.insert(pending_.end(), data, data + n);
          return;
        }
        k = static_cast<size_t>(std::min<uint64_t>(payload_ - got_, n));
        std::memcpy(frame_ + got_, data, k);
        got_ += k;
        data += k;
        n -= k;
        if (got_ == payload_) frame_done(events);
        break;
      case State::kDiscard:
        k = static_cast<size_t>(std::min<uint64_t>(payload_ - got_, n));
        got_ += k;
        data += k;
        n -= k;
        if (got_ == payload_) start_message();
        break;
      case State::kScan: {
        // The magic's four bytes differ from each other, so a mismatch restarts the match
        // (at 1 if the byte is the magic's first).
        size_t i = 0;
        while (i < n && magic_matched_ < sizeof kMagic) {
          const auto b = static_cast<char>(data[i++]);
          magic_matched_ = b == kMagic[magic_matched_] ? magic_matched_ + 1 : b == kMagic[0];
        }
        data += i;
        n -= i;
        if (magic_matched_ == sizeof kMagic) {
          std::memcpy(header_, kMagic, sizeof kMagic);
          header_have_ = sizeof kMagic;
          magic_matched_ = 0;
          state_ = State::kHeader;
        }
        break;
      }
      case State::kRawSound:
        return;  // raw sound is read into scratch only (commit)
    }
  }
}

void FrameParser::on_header(std::vector<ParserEvent> &events) {
  const uint64_t length =
      static_cast<uint64_t>(header_[4]) | static_cast<uint64_t>(header_[5]) << 8 |
      static_cast<uint64_t>(header_[6]) << 16 | static_cast<uint64_t>(header_[7]) << 24;
  if (std::memcmp(header_, kMagic, sizeof kMagic) != 0 || length > kMaxPayload) {
    lose_alignment(events);
    return;
  }
  const uint64_t unit = config_.video ? config_.frame_size : config_.sample_frame_size;
  const bool fits = config_.video ? length == unit : length % unit == 0;
  header_have_ = 0;
  got_ = 0;
  payload_ = length;
  if (!fits) {
    ParserEvent e(ParserEvent::Kind::kRefused);
    e.bytes = length;
    e.expected = unit;
    events.push_back(e);
  }
  if (length == 0) {
    start_message();
    return;
  }
  // A refused payload is read and dropped, so the next header is where it should be.
  state_ = fits ? State::kPayload : State::kDiscard;
  frame_ = nullptr;
}

void FrameParser::lose_alignment(std::vector<ParserEvent> &events) {
  events.emplace_back(ParserEvent::Kind::kLostAlignment);
  // The magic may start anywhere after the first byte of what was taken for a header.
  uint8_t rest[kHeaderSize - 1];
  std::memcpy(rest, header_ + 1, sizeof rest);
  header_have_ = 0;
  magic_matched_ = 0;
  state_ = State::kScan;
  consume(rest, sizeof rest, events);
}

void FrameParser::frame_done(std::vector<ParserEvent> &events) {
  events.emplace_back(ParserEvent::Kind::kFrame);
  start_message();
}

Partial FrameParser::reset() {
  Partial partial;
  switch (state_) {
    case State::kHeader:
      partial = {header_have_, kHeaderSize, true};
      break;
    case State::kPayload:
      partial = {got_ + pending_.size(), payload_, false};
      break;
    case State::kRawSound:
      partial = {carry_keep_.size(), config_.sample_frame_size, false};
      break;
    case State::kDiscard:  // refused already
    case State::kScan:     // nothing recognisable
      break;
  }
  if (partial.bytes == 0) partial = {};
  pending_.clear();
  carry_keep_.clear();
  magic_matched_ = 0;
  start_message();
  return partial;
}

}  // namespace onair::feed
