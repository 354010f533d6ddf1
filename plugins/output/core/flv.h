// What an FLV tag carries, from its first bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace onair::output {

// Bytes of a tag needed to classify it.
inline constexpr size_t kFlvTagProbe = 13;

// True for a tag holding one coded video frame: for AVC, not the decoder
// configuration or the end-of-sequence marker. `size` is how many bytes of
// the tag `tag` holds.
bool is_video_frame_tag(const uint8_t *tag, size_t size);

}  // namespace onair::output
