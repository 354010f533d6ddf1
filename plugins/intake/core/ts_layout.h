// The programme layout of an MPEG-TS stream, read from the start of a sender's bytes: the
// elementary streams (PID and stream type) of the first programme of the first PAT. A
// demuxer that serves several senders in turn carries on only while this stays the same, and
// a recording with sound needs a sound stream in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onair::intake {

struct TsStream {
  uint16_t pid = 0;
  uint8_t type = 0;  // ISO/IEC 13818-1 stream_type (0x1b H.264, 0x0f AAC, ...)
  bool operator==(const TsStream &) const = default;
};

struct TsLayout {
  uint16_t pmt_pid = 0;
  // The stream carrying the programme's clock: a demuxer takes another one for a new programme.
  uint16_t pcr_pid = 0;
  std::vector<TsStream> streams;
  bool operator==(const TsLayout &) const = default;

  bool has_audio() const;
  bool has_video() const;
  // "video 0x100 (H.264), audio 0x101 (AAC)": for log lines; the clock's PID is added when it
  // is not on the first stream ("..., clock on 0x101").
  std::string describe() const;
};

inline constexpr size_t kTsPacket = 188;

// First offset where three packets in a row start with the sync byte; nullopt if none.
std::optional<size_t> first_ts_sync(const uint8_t *data, size_t size);

// The layout, once the PAT and the PMT it names were seen in `data` (whole 188-byte packets
// from the first sync); nullopt while they were not (or are not in one packet each).
std::optional<TsLayout> find_ts_layout(const uint8_t *data, size_t size);

}  // namespace onair::intake
