// The coding parameters of a sender's MPEG-TS streams that one recording file keeps for all
// its samples: H.264's sequence and picture parameter sets, and AAC's format (profile, sample
// rate, channels) from its ADTS headers. A muxer cannot change them in the middle of a file
// (mp4mux refuses a new picture size, and rewrites its header for new parameter sets over the
// file's first fragment), so a recording that serves senders in turn takes only senders whose
// parameters equal the first one's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ts_layout.h"

namespace onair::intake {

struct AacFormat {
  uint8_t profile = 0;          // ADTS profile (audio object type - 1)
  uint8_t frequency_index = 0;  // ADTS sampling_frequency_index
  uint8_t channels = 0;         // ADTS channel_configuration
  bool operator==(const AacFormat &) const = default;
};

struct TsParameters {
  std::vector<uint8_t> sps, pps;  // the first H.264 SPS and PPS NAL units, without start codes
  std::optional<AacFormat> aac;
  bool operator==(const TsParameters &) const = default;

  // "H.264 profile 100 level 3.0, AAC 48000 Hz 2 channels": for log lines.
  std::string describe() const;
};

// The parameters of the layout's first H.264 and first ADTS AAC stream, once all of them were
// seen in `data` (whole 188-byte packets from the first sync); nullopt while some are not.
// Streams of other codecs are not looked at.
std::optional<TsParameters> find_ts_parameters(const uint8_t *data, size_t size,
                                               const TsLayout &layout);

}  // namespace onair::intake
