// Limits on the text one broadcastoverlay command may carry, in code points.
// The element cuts longer text with an ellipsis; programs that send it text
// (the onair app) refuse it before it gets there. Header only, no
// dependencies, so such programs build without the plugin.
#pragma once

#include <cstddef>

namespace onair::overlay {

inline constexpr size_t kMaxUserChars = 64;
inline constexpr size_t kMaxChatChars = 500;
inline constexpr size_t kMaxAlertChars = 200;
inline constexpr size_t kMaxStatusChars = 200;

}  // namespace onair::overlay
