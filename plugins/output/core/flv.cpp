#include "flv.h"

namespace onair::output {

bool is_video_frame_tag(const uint8_t *tag, size_t size) {
  constexpr uint8_t kVideoTag = 9;
  constexpr uint8_t kAvc = 7;
  if (size < 1 || tag[0] != kVideoTag) return false;
  // Tag header (11 bytes), then codec id in the low nibble of byte 11 and, for
  // AVC, the packet type in byte 12: 0 configuration, 1 frame, 2 end.
  if (size < 12) return false;
  if ((tag[11] & 0x0f) != kAvc) return true;
  return size >= 13 && tag[12] == 1;
}

}  // namespace onair::output
