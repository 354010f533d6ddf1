// The outputs asciienc offers and the caps each one gets downstream: asciiline cell frames with
// their stream header in `init`, ANSI terminal text, plain glyph lines.
#pragma once

#include <gst/video/video.h>

namespace onair::ascii {

enum class Format { kAsciiline = 0, kAnsi = 1, kText = 2 };

// Output rate: the input's, or max-fps when that is lower (or the input's rate is variable).
void output_rate(const GstVideoInfo &info, double max_fps, int &num, int &den);

// The caps of a `cols` x `rows` output in `format`. asciiline buffers are seed frames
// (`init` with ext 0); with `ext` kExtChangedCells the caps also carry `alt-init`, the header
// of the changed-cells frames attached to each buffer.
GstCaps *output_caps(Format format, int cols, int rows, int mode, int fps_num, int fps_den,
                     int ext);

}  // namespace onair::ascii
