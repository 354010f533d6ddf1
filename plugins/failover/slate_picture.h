// The slate as a buffer of the output's video format: the image at slate-location scaled to
// the picture (borders kept), or the generated card with the slate text.
#pragma once

#include <gst/video/video.h>

#include <string>

namespace onair::slateswitch {

// A new buffer of info's size and format. An image that cannot be read falls back to the
// card; `problem` then says why (empty otherwise).
GstBuffer *make_slate(const GstVideoInfo &info, const std::string &location,
                      const std::string &text, std::string &problem);

}  // namespace onair::slateswitch
